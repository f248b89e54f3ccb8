package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.Await;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealPrometheus;
import io.promgate.testing.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls_config} against a real HTTPS upstream that verifies client certificates: Prometheus
 * 2.42 serving TLS through {@code --web.config.file} with {@code RequireAndVerifyClientCert}, and
 * a CA, a server certificate for 127.0.0.1 (and upstream.test) and a client certificate made in
 * the test ({@link TestCertificates}); the packaged promgate fans out to it.
 */
class FederateTlsIT {
  @TempDir
  static Path dir;

  private static StaticServer target;
  private static RealPrometheus upstream;
  /** The one sample the upstream holds, at a timestamp fixed for the whole class. */
  private static long t;

  @BeforeAll
  static void upstreamWithMutualTls() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    certs.issue("server", "upstream.test");
    Path[] client = certs.issue("client");

    // The series m{via="tls"} at one explicit timestamp: the upstream's /federate answer is then
    // the same line on every request.
    t = System.currentTimeMillis() - 10_000;
    target = StaticServer.text(() -> "m{via=\"tls\"} 1 " + t + "\n");
    upstream = RealPrometheus.startWithWebConfig(port -> """
        global: {scrape_interval: 1s}
        scrape_configs:
          - job_name: app
            static_configs: [{targets: ['%s']}]
            metric_relabel_configs: [{action: labeldrop, regex: instance|job}]
        """.formatted(target.target()), """
        tls_server_config:
          cert_file: %s
          key_file: %s
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: %s
        """.formatted(f("server.crt"), f("server.key"), f("ca.crt")));

    HttpClient https = HttpClient.newBuilder().sslContext(TestCertificates.trusting(certs.caFile(), client)).build();
    HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/federate?match%5B%5D=m")).build();
    Await.until(Duration.ofSeconds(30), "the TLS Prometheus scraped m", () -> {
      try {
        return https.send(probe, HttpResponse.BodyHandlers.ofString()).body().contains("m{via=\"tls\",instance=\"\"} 1 " + t);
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
  }

  @AfterAll
  static void stop() {
    if (upstream != null) {
      upstream.close();
    }
    if (target != null) {
      target.close();
    }
  }

  private static String url() {
    return "https://127.0.0.1:" + upstream.port();
  }

  private static String answer() {
    return "# TYPE m untyped\nm{via=\"tls\",instance=\"\"} 1 " + t + "\n";
  }

  private static String f(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void federate_tlsUpstream_caAndClientCertificate_served() {
    try (PromgateProcess promgate = PromgateProcess.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {ca_file: %s, cert_file: %s, key_file: %s}
        """.formatted(url(), f("ca.crt"), f("client.crt"), f("client.key")))) {
      assertEquals(answer(),
          FederateUpstreamsIT.federate(promgate.url(), List.of("m")));
    }
  }

  @Test
  void federate_insecureSkipVerify_servedWithoutCa() {
    try (PromgateProcess promgate = PromgateProcess.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {insecure_skip_verify: true, cert_file: %s, key_file: %s}
        """.formatted(url(), f("client.crt"), f("client.key")))) {
      assertEquals(answer(),
          FederateUpstreamsIT.federate(promgate.url(), List.of("m")));
    }
  }

  @Test
  void federate_serverName_verifiesThatNameInsteadOfTheUrlHost() {
    String cfg = """
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {ca_file: %s, cert_file: %s, key_file: %s, server_name: %s}
        """;
    try (PromgateProcess promgate = PromgateProcess.start(
        cfg.formatted(url(), f("ca.crt"), f("client.crt"), f("client.key"), "upstream.test"))) {
      assertEquals(answer(),
          FederateUpstreamsIT.federate(promgate.url(), List.of("m")));
    }
    try (PromgateProcess promgate = PromgateProcess.start(
        cfg.formatted(url(), f("ca.crt"), f("client.crt"), f("client.key"), "other.test"))) {
      FederateUpstreamsIT.Answer a = FederateUpstreamsIT.get(promgate.url() + "/federate?match%5B%5D=m");
      assertEquals(503, a.status(), a.text());
      assertTrue(a.text().startsWith("no upstream answered: secure: TLS: "), a.text());
    }
  }

  @Test
  void federate_serverNotTrusted_503AndTlsError() {
    try (PromgateProcess promgate = PromgateProcess.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {cert_file: %s, key_file: %s}
        """.formatted(url(), f("client.crt"), f("client.key")))) {
      FederateUpstreamsIT.Answer a = FederateUpstreamsIT.get(promgate.url() + "/federate?match%5B%5D=m");
      assertEquals(503, a.status());
      assertTrue(a.text().startsWith("no upstream answered: secure: TLS: "), a.text());
      assertEquals(1, FederateUpstreamsIT.metric(promgate.metrics(),
          "promgate_federate_upstream_errors_total{reason=\"tls\",upstream=\"secure\"}"));
    }
  }

  @Test
  void federate_noClientCertificate_upstreamRefuses_503() {
    try (PromgateProcess promgate = PromgateProcess.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {ca_file: %s}
        """.formatted(url(), f("ca.crt")))) {
      FederateUpstreamsIT.Answer a = FederateUpstreamsIT.get(promgate.url() + "/federate?match%5B%5D=m");
      assertEquals(503, a.status(), a.text());
      assertEquals(0, FederateUpstreamsIT.metric(promgate.metrics(),
          "promgate_federate_upstream_up{upstream=\"secure\"}"));
    }
  }
}
