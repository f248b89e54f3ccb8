package io.promgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromgateConfigTest {
  @Test
  void parse_emptyFile_everyDefault() throws Exception {
    PromgateConfig c = PromgateConfig.parse("t", "");
    assertEquals("prom", c.influxdb().database());
    assertEquals(Duration.ofSeconds(30), c.influxdb().timeout());
    assertEquals(16L << 20, c.remoteWrite().maxBodyBytes());
    assertEquals(256, c.remoteWrite().maxInflightRequests());
  }

  @Test
  void parse_manyProblems_allListedWithKeyPaths() {
    var e = assertThrows(ConfigException.class, () -> PromgateConfig.parse("f.yml", """
        storage:
          influxdb:
            url: nowhere
            timeout: 5 minutes
            max_batch_bytes: 12XB
            token: t
            username: u
        remote_write:
          max_inflight_requests: -1
          retry_after: 0s
        colour: blue
        """));
    assertEquals(List.of(
        "storage.influxdb.url: must be an absolute http:// or https:// URL, got \"nowhere\"",
        "storage.influxdb.token: set either token or username/password, not both",
        "storage.influxdb.timeout: not a positive duration (like 30s, 1m, 1h30m, 500ms): \"5 minutes\"",
        "storage.influxdb.max_batch_bytes: not a byte size (like 10MiB or 1048576): \"12XB\"",
        "remote_write.max_inflight_requests: must be between 1 and 1048576, got -1",
        "remote_write.retry_after: not a positive duration (like 30s, 1m, 1h30m, 500ms): \"0s\"",
        "unknown field \"colour\""), e.errors());
    assertTrue(e.getMessage().startsWith("f.yml: 7 error(s):"), e.getMessage());
  }

  @Test
  void parse_sizesAndDurations_prometheusUnits() throws Exception {
    PromgateConfig c = PromgateConfig.parse("t", """
        storage: {influxdb: {timeout: 1m30s, max_batch_bytes: 2MiB}}
        remote_write: {max_body_bytes: 1048576, max_decompressed_bytes: 512KB}
        """);
    assertEquals(Duration.ofSeconds(90), c.influxdb().timeout());
    assertEquals(2L << 20, c.influxdb().maxBatchBytes());
    assertEquals(1L << 20, c.remoteWrite().maxBodyBytes());
    assertEquals(512L << 10, c.remoteWrite().maxDecompressedBytes());
  }

  @Test
  void parse_labelValuesKeepTheirText() throws Exception {
    PromgateConfig c = PromgateConfig.parse("t", """
        global:
          external_labels: {a: yes, b: 0x1F, c: 1.50, d: 007, e: 2001-12-14, f: 42, g: off}
        """);
    assertEquals("yes", c.externalLabels().get("a"));
    assertEquals("0x1F", c.externalLabels().get("b"));
    assertEquals("1.50", c.externalLabels().get("c"));
    assertEquals("007", c.externalLabels().get("d"));
    assertEquals("2001-12-14", c.externalLabels().get("e"));
    assertEquals("42", c.externalLabels().get("f"));
    assertEquals("off", c.externalLabels().get("g"));
  }

  @Test
  void parse_duplicateKeys_rejected() {
    var e = assertThrows(ConfigException.class, () -> PromgateConfig.parse("t", "storage: {}\nstorage: {}\n"));
    assertTrue(e.errors().get(0).startsWith("invalid YAML:"), e.errors().toString());
  }

  @Test
  void toString_neverShowsSecrets() throws Exception {
    PromgateConfig c = PromgateConfig.parse("t", """
        storage: {influxdb: {username: u, password: hunter2}}
        web: {bearer_tokens: [tok-s3cr3t]}
        """);
    String all = c.toString();
    assertTrue(!all.contains("hunter2") && !all.contains("tok-s3cr3t"), all);
  }

  @Test
  void parse_tenancyAllowed_validatedWithKeyPaths() throws Exception {
    var e = assertThrows(ConfigException.class, () -> PromgateConfig.parse("t", "tenancy: {allowed: [ok, 'a b', ok, 7]}"));
    assertEquals(List.of(
        "tenancy.allowed[1]: not a tenant id (1 to 64 of [A-Za-z0-9_-]): a b",
        "tenancy.allowed[2]: duplicate tenant ok",
        "tenancy.allowed[3]: not a tenant id (1 to 64 of [A-Za-z0-9_-]): 7"), e.errors());
    assertEquals(Set.of("team-a", "b"),
        PromgateConfig.parse("t", "tenancy: {allowed: [team-a, b]}").tenancy().allowed());
    assertEquals(Set.of(), PromgateConfig.defaults().tenancy().allowed(), "empty: any tenant");
  }
}
