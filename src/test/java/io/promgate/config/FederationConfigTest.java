package io.promgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FederationConfigTest {

  private static FederationConfig parse(String yaml) throws ConfigException {
    return PromgateConfig.parse("test.yml", yaml).federation();
  }

  private static List<String> errors(String yaml) {
    return assertThrows(ConfigException.class, () -> PromgateConfig.parse("test.yml", yaml)).errors();
  }

  @Test
  void read_absent_storageWithDefaults() throws ConfigException {
    FederationConfig f = parse("");
    assertEquals(FederationConfig.Source.STORAGE, f.source());
    assertEquals(Duration.ofMinutes(5), f.lookbackDelta());
    assertEquals(Duration.ofSeconds(10), f.timeout());
    assertEquals(List.of(), f.dedupLabels());
    assertEquals(0, f.sampleLimit());
    assertEquals(List.of(), f.upstreams());
  }

  @Test
  void read_issueExample_upstreamsByDefault(@TempDir Path dir) throws ConfigException, IOException {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
    FederationConfig f = parse("""
        global:
          external_labels: {gateway: gw-1}
        federation:
          lookback_delta: 2m
          timeout: 3s
          dedup_labels: [replica]
          sample_limit: 50000
          upstreams:
            - name: shard-0
              url: http://prometheus-shard-0:9090/
              basic_auth: {username: u, password: p}
            - name: shard-1
              url: https://prometheus-shard-1:9090/prom
              bearer_token: t0k
              tls_config: {ca_file: %s, insecure_skip_verify: false}
        """.formatted(ca));
    assertEquals(FederationConfig.Source.UPSTREAMS, f.source());
    assertEquals(Duration.ofMinutes(2), f.lookbackDelta());
    assertEquals(Duration.ofSeconds(3), f.timeout());
    assertEquals(List.of("replica"), f.dedupLabels());
    assertEquals(50000, f.sampleLimit());
    FederationConfig.Upstream s0 = f.upstreams().get(0);
    assertEquals("shard-0", s0.name());
    assertEquals(URI.create("http://prometheus-shard-0:9090"), s0.url());
    assertEquals("u", s0.username());
    assertEquals("p", s0.password());
    FederationConfig.Upstream s1 = f.upstreams().get(1);
    assertEquals(URI.create("https://prometheus-shard-1:9090/prom"), s1.url());
    assertEquals("t0k", s1.bearerToken());
    assertEquals(ca.toString(), s1.tls().caFile());
    assertTrue(!s1.toString().contains("t0k") && !s0.toString().contains("=p,"), s0 + " " + s1);
  }

  @Test
  void read_storageWithUpstreams_explicitSourceWins() throws ConfigException {
    assertEquals(FederationConfig.Source.STORAGE, parse("""
        federation:
          source: storage
          upstreams: [{name: a, url: "http://a:9090"}]
        """).source());
  }

  @Test
  void read_everyProblem_reportedAtOnce() {
    assertEquals(List.of(
        "federation.upstreams[0].name: must not be empty",
        "federation.upstreams[0].url: must be an absolute http:// or https:// URL, got \"ftp://x\"",
        "federation.upstreams[1].basic_auth.username: must be set when password is",
        "federation.upstreams[1].tls_config.cert_file: cannot read file \"/nonexistent/cert.pem\"",
        "federation.upstreams[1].tls_config.key_file: cert_file and key_file must be set together",
        "federation.upstreams[1].tls_config: is set but url is not https://",
        "federation.upstreams[1]: unknown field \"bogus\"",
        "federation.upstreams[2].url: must not have a query or fragment (promgate appends /federate?match[]=...),"
            + " got \"http://c:9090/?x=1\"",
        "federation.upstreams[3].bearer_token: set either basic_auth or bearer_token, not both",
        "federation.upstreams[4].name: duplicate upstream name \"d\"",
        "federation.source: must be \"upstreams\" or \"storage\", got \"both\"",
        "federation.dedup_labels[0]: not a label name: 1x",
        "federation.dedup_labels[1]: not a label name: __name__",
        "federation.lookback_delta: not a positive duration (like 30s, 1m, 1h30m, 500ms): 0",
        "federation.sample_limit: must be between 0 and 2147483647, got -1"),
        errors("""
            federation:
              source: both
              lookback_delta: 0
              sample_limit: -1
              dedup_labels: [1x, __name__]
              upstreams:
                - {url: "ftp://x"}
                - name: b
                  url: http://b:9090
                  basic_auth: {password: p}
                  tls_config: {cert_file: /nonexistent/cert.pem}
                  bogus: 1
                - {name: c, url: "http://c:9090/?x=1"}
                - {name: d, url: "http://d:9090", bearer_token: t, basic_auth: {username: u}}
                - {name: d, url: "http://d2:9090"}
            """));
  }

  @Test
  void read_upstreamsSourceWithoutUpstreams_rejected() {
    assertEquals(List.of("federation.source: is \"upstreams\" but no upstreams are configured"),
        errors("federation: {source: upstreams}"));
  }
}
