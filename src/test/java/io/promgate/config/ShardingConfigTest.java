package io.promgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.relabel.RelabelAction;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code sharding} section: defaults, every key, every error with its key path. */
class ShardingConfigTest {

  private static ShardingConfig parse(String yaml) throws ConfigException {
    return PromgateConfig.parse("/etc/promgate/promgate.yml", yaml).sharding();
  }

  private static List<String> errors(String yaml) {
    return assertThrows(ConfigException.class, () -> parse(yaml)).errors();
  }

  @Test
  void read_noSection_disabled() throws ConfigException {
    ShardingConfig c = parse("");
    assertFalse(c.enabled());
    assertEquals(ShardingConfig.DISABLED, c);
  }

  @Test
  void read_onlyModulus_prometheusDefaults() throws ConfigException {
    ShardingConfig c = parse("sharding: {modulus: 4}");

    assertTrue(c.enabled());
    assertEquals(4, c.modulus());
    assertEquals(List.of("__address__"), c.sourceLabels());
    assertEquals("sharded", c.jobName());
    assertEquals("http", c.scheme());
    assertEquals("/metrics", c.metricsPath());
    assertEquals(Duration.ofMinutes(1), c.scrapeInterval());
    assertEquals(Duration.ofSeconds(10), c.scrapeTimeout());
    assertEquals("shard", c.shardLabel());
    assertEquals(Duration.ofMinutes(1), c.sdRefreshInterval());
    assertEquals(List.of(), c.staticConfigs());
    assertEquals(List.of(), c.fileSdConfigs());
    assertEquals(List.of(), c.httpSdConfigs());
    assertEquals(List.of(), c.relabelConfigs());
  }

  @Test
  void read_everyKey_isRead() throws ConfigException {
    ShardingConfig c = parse("""
        sharding:
          modulus: 3
          source_labels: [__address__, env]
          job_name: nodes
          scheme: https
          metrics_path: /m
          scrape_interval: 15s
          scrape_timeout: 5s
          shard_label: slave
          sd_refresh_interval: 30s
          static_configs:
            - targets: ['a:1', 'b:2']
              labels: {env: prod, dc: x}
          file_sd_configs:
            - files: [targets/*.json, /abs/t.yml]
              refresh_interval: 2m
          http_sd_configs:
            - url: http://sd.example:8080/targets
              refresh_interval: 20s
          relabel_configs:
            - source_labels: [env]
              regex: dev
              action: drop
        """);

    assertEquals(3, c.modulus());
    assertEquals(List.of("__address__", "env"), c.sourceLabels());
    assertEquals("nodes", c.jobName());
    assertEquals("https", c.scheme());
    assertEquals("/m", c.metricsPath());
    assertEquals(Duration.ofSeconds(15), c.scrapeInterval());
    assertEquals(Duration.ofSeconds(5), c.scrapeTimeout());
    assertEquals("slave", c.shardLabel());
    assertEquals(Duration.ofSeconds(30), c.sdRefreshInterval());
    assertEquals(List.of(new ShardingConfig.StaticConfig(List.of("a:1", "b:2"),
        Map.of("dc", "x", "env", "prod"))), c.staticConfigs());
    assertEquals(List.of("dc", "env"), List.copyOf(c.staticConfigs().get(0).labels().keySet()));
    ShardingConfig.FileSdConfig f = c.fileSdConfigs().get(0);
    assertEquals(Duration.ofMinutes(2), f.refreshInterval());
    // Relative to the config file's directory, as Prometheus joins them.
    assertEquals("/etc/promgate/targets/*.json", f.files().get(0).pattern());
    assertEquals("/etc/promgate/targets/", f.files().get(0).dir());
    assertEquals("/abs/t.yml", f.files().get(1).pattern());
    assertNull(f.files().get(1).name());
    assertEquals(List.of(new ShardingConfig.HttpSdConfig("http://sd.example:8080/targets",
        Duration.ofSeconds(20))), c.httpSdConfigs());
    assertEquals(1, c.relabelConfigs().size());
    assertEquals(RelabelAction.DROP, c.relabelConfigs().get(0).action());
  }

  @Test
  void read_shortInterval_timeoutDefaultsToInterval() throws ConfigException {
    assertEquals(Duration.ofSeconds(5), parse("sharding: {modulus: 2, scrape_interval: 5s}").scrapeTimeout());
  }

  @Test
  void read_fileSdDefaults_fiveMinutesAndRelativeToWorkingDirWithoutConfigDir() throws ConfigException {
    ShardingConfig c = PromgateConfig.parse("promgate.yml",
        "sharding: {modulus: 2, file_sd_configs: [{files: [t/a.json, b.yaml]}]}").sharding();
    ShardingConfig.FileSdConfig f = c.fileSdConfigs().get(0);
    assertEquals(Duration.ofMinutes(5), f.refreshInterval());
    assertEquals("t/a.json", f.files().get(0).pattern());
    assertEquals("b.yaml", f.files().get(1).pattern());
    assertEquals("", f.files().get(1).dir());
  }

  @Test
  void read_missingModulus_error() {
    assertEquals(List.of("sharding.modulus: required: the number of shard Prometheus servers"),
        errors("sharding: {static_configs: [{targets: ['a:1']}]}"));
  }

  @Test
  void read_everyProblem_collectedWithKeyPaths() {
    List<String> errors = errors("""
        sharding:
          modulus: 0
          source_labels: [__address__, 1bad]
          job_name: ''
          scheme: ftp
          scrape_interval: 10s
          scrape_timeout: 20s
          shard_label: __x
          static_configs:
            - targets: ['a:1', '', {x: 1}]
              labels: {1a: b}
              extra: 1
          file_sd_configs:
            - files: []
            - files: [a.txt, 'x?/a.json', 'a[.json', 5]
              refresh_interval: 0s
          http_sd_configs:
            - url: ftp://x/
            - url: http:///nohost
            - {}
          relabel_configs:
            - action: hashmod
          unknown_key: 1
        """);
    assertEquals(List.of(
        "sharding.modulus: must be between 1 and 1024, got 0",
        "sharding.source_labels[1]: \"1bad\" is not a valid label name",
        "sharding.job_name: must not be empty",
        "sharding.scheme: must be http or https, got \"ftp\"",
        "sharding.scrape_timeout: must not be greater than scrape_interval (20000ms > 10000ms)",
        "sharding.shard_label: not a valid external label name: \"__x\"",
        "sharding.static_configs[0].targets[1]: must not be empty",
        "sharding.static_configs[0].targets[2]: expected a host:port string, got \"{x=1}\"",
        "sharding.static_configs[0].labels: \"1a\" is not a valid label name",
        "sharding.static_configs[0]: unknown field \"extra\"",
        "sharding.file_sd_configs[0].files: file service discovery config must contain at least one path name",
        "sharding.file_sd_configs[1].files[0]: path name \"a.txt\" is not valid for file discovery",
        "sharding.file_sd_configs[1].files[1]: glob characters are only supported in the file name: \"x?/a.json\"",
        "sharding.file_sd_configs[1].files[2]: syntax error in pattern (unclosed [): \"a[.json\"",
        "sharding.file_sd_configs[1].files[3]: expected a path, got 5",
        "sharding.file_sd_configs[1].refresh_interval: not a positive duration (like 30s, 1m, 1h30m, 500ms): \"0s\"",
        "sharding.http_sd_configs[0].url: URL scheme must be 'http' or 'https'",
        "sharding.http_sd_configs[1].url: host is missing in URL",
        "sharding.http_sd_configs[2].url: URL is missing",
        "sharding.relabel_configs[0].modulus: relabel configuration for hashmod requires non-zero modulus",
        "sharding.relabel_configs[0].target_label: relabel configuration for hashmod action requires 'target_label' value",
        "sharding: unknown field \"unknown_key\""), errors);
  }

  @Test
  void read_urlTargetWithoutRelabeling_rejectedAsPrometheusDoes() {
    assertEquals(List.of("sharding.static_configs[0].targets: \"http://a:1/metrics\" is not a valid hostname"),
        errors("sharding: {modulus: 2, static_configs: [{targets: ['http://a:1/metrics']}]}"));
  }

  @Test
  void read_urlTargetWithRelabeling_acceptedForRulesToRewrite() throws ConfigException {
    assertEquals(1, parse("""
        sharding:
          modulus: 2
          static_configs: [{targets: ['http://a:1/metrics']}]
          relabel_configs: [{source_labels: [__address__], regex: 'http://(.*)/metrics', target_label: __address__}]
        """).staticConfigs().size());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "*.json      | a.json      | true",
    "*.json      | .json       | true",
    "*.json      | a.b.json    | true",
    "*.json      | a.JSON      | false",
    "t?.yml      | t1.yml      | true",
    "t?.yml      | t12.yml     | false",
    "[a-c]*.json | b.json      | true",
    "[a-c]*.json | d.json      | false",
    "[^a-c]*.json| d.json      | true",
    "[^a-c]*.json| a.json      | false",
    "\\*.json    | *.json      | true",
    "\\*.json    | a.json      | false",
    "[z-a].json  | a.json      | false",
    "a+(b).json  | a+(b).json  | true",
  })
  void globRegex_goFilepathMatch(String glob, String name, boolean matches) {
    assertEquals(matches, ShardingConfig.globRegex(glob).matcher(name).matches(), glob + " ~ " + name);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "a[.json     | syntax error in pattern (unclosed [)",
    "a[].json    | syntax error in pattern (bad character class)",
    "a[-z].json  | syntax error in pattern (bad character class)",
    "a\\         | syntax error in pattern (trailing backslash)",
  })
  void globRegex_badPattern_goReason(String glob, String reason) {
    assertEquals(reason, assertThrows(IllegalArgumentException.class,
        () -> ShardingConfig.globRegex(glob)).getMessage());
  }

  @Test
  void read_healingKeysAbsent_plainHashmodNoFailover() throws ConfigException {
    ShardingConfig c = parse("sharding: {modulus: 2}");
    assertEquals(List.of(), c.shardUrls());
    assertEquals(Duration.ZERO, c.failoverAfter());
    assertEquals(ShardingConfig.Algorithm.HASHMOD, c.algorithm());
    assertFalse(c.failover());
    assertTrue(c.keepGuard());
  }

  @Test
  void read_healingKeys_read() throws ConfigException {
    ShardingConfig c = parse("""
        sharding:
          modulus: 2
          shard_urls: ['http://prometheus-shard-0:9090/', 'https://shard-1.example/prom']
          failover_after: 1m30s
          algorithm: rendezvous
        """);
    assertEquals(List.of(URI.create("http://prometheus-shard-0:9090"),
        URI.create("https://shard-1.example/prom")), c.shardUrls());
    assertEquals(Duration.ofSeconds(90), c.failoverAfter());
    assertEquals(ShardingConfig.Algorithm.RENDEZVOUS, c.algorithm());
    assertTrue(c.failover());
    assertFalse(c.keepGuard());
  }

  @Test
  void read_failoverAfterZero_off() throws ConfigException {
    ShardingConfig c = parse("sharding: {modulus: 1, shard_urls: ['http://a:9090'], failover_after: 0s}");
    assertFalse(c.failover());
    assertEquals(Duration.ZERO, parse("sharding: {modulus: 1, shard_urls: ['http://a:9090'], failover_after: 0}")
        .failoverAfter());
  }

  @Test
  void read_badHealingKeys_everyErrorNamesItsKey() {
    assertEquals(List.of(
        "sharding.shard_urls[1]: must be an absolute http:// or https:// URL, got \"ftp://b:9090\"",
        "sharding.shard_urls[2]: expected a URL like http://prometheus-shard-2:9090, got null",
        "sharding.shard_urls[3]: must not have a query or fragment (promgate appends /-/ready), got \"http://d:9090/?x=1\"",
        "sharding.shard_urls: has 4 URLs but modulus is 3: one per shard, shard i's at index i",
        "sharding.failover_after: not a duration (like 0s, 30s, 1m, 500ms): \"soon\"",
        "sharding.algorithm: must be hashmod or rendezvous, got \"consistent\""),
        errors("""
            sharding:
              modulus: 3
              shard_urls: ['http://a:9090', 'ftp://b:9090', null, 'http://d:9090/?x=1']
              failover_after: soon
              algorithm: consistent
            """));
  }

  @Test
  void read_shardUrlsCountNotModulus_errorNamesTheKey() {
    assertEquals(List.of("sharding.shard_urls: has 2 URLs but modulus is 3: one per shard, shard i's at index i"),
        errors("sharding: {modulus: 3, shard_urls: ['http://a:9090', 'http://b:9090']}"));
  }

  @Test
  void read_negativeFailoverAfter_error() {
    assertEquals(List.of("sharding.failover_after: not a duration (like 0s, 30s, 1m, 500ms): \"-5s\""),
        errors("sharding: {modulus: 1, shard_urls: ['http://a:9090'], failover_after: -5s}"));
  }

  @Test
  void read_failoverWithoutShardUrls_error() {
    assertEquals(List.of("sharding.failover_after: needs sharding.shard_urls: the shards whose health it follows"),
        errors("sharding: {modulus: 2, failover_after: 30s}"));
  }
}
