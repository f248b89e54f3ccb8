package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.PromgateProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The packaged jar's command line, as an operator meets it. */
class CommandLineIT {
  @Test
  void start_invalidConfig_exitsNonZeroNamingEveryBadKey() throws Exception {
    Path f = Files.createTempFile("promgate-bad", ".yml");
    Files.writeString(f, """
        storage:
          influxdb:
            url: ftp://nowhere
            timeout: 3x
            databse: typo
        remote_write:
          max_body_bytes: lots
        """);
    var r = PromgateProcess.run(Duration.ofSeconds(60), "--config.file=" + f, "--web.listen-address=127.0.0.1:0");
    assertEquals(1, r.exitCode(), r.output());
    assertTrue(r.output().contains("storage.influxdb.url: must be an absolute http:// or https:// URL, got \"ftp://nowhere\""), r.output());
    assertTrue(r.output().contains("storage.influxdb.timeout: not a positive duration"), r.output());
    assertTrue(r.output().contains("storage.influxdb: unknown field \"databse\""), r.output());
    assertTrue(r.output().contains("remote_write.max_body_bytes: not a byte size"), r.output());
    Files.delete(f);
  }

  @Test
  void checkConfig_validFile_exitsZero() throws Exception {
    Path f = Files.createTempFile("promgate-ok", ".yml");
    Files.writeString(f, "storage: {influxdb: {url: 'http://127.0.0.1:8086', database: prom}}\n");
    var r = PromgateProcess.run(Duration.ofSeconds(60), "--config.file=" + f, "--check-config");
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
    Files.delete(f);
  }

  @Test
  void start_missingConfigFile_exitsNonZero() {
    var r = PromgateProcess.run(Duration.ofSeconds(60), "--config.file=/nonexistent/promgate.yml");
    assertEquals(1, r.exitCode(), r.output());
    assertTrue(r.output().contains("/nonexistent/promgate.yml: 1 error(s):"), r.output());
  }

  @Test
  void start_unknownFlag_exitsWithUsage() {
    var r = PromgateProcess.run(Duration.ofSeconds(60), "--storage.tsdb.path=x");
    assertEquals(2, r.exitCode(), r.output());
    assertTrue(r.output().contains("unknown flag \"--storage.tsdb.path=x\""), r.output());
  }

  @Test
  void checkConfigSubcommand_listsEveryFileAndFailsOnAnyBad() throws Exception {
    Path good = Files.createTempFile("promgate-ok", ".yml");
    Path bad = Files.createTempFile("promgate-bad", ".yml");
    Files.writeString(good, "remote_write: {max_inflight_requests: 10}\n");
    Files.writeString(bad, "remote_write: {max_inflight_requests: 0}\n");
    var r = PromgateProcess.run(Duration.ofSeconds(60), "check", "config", good.toString(), bad.toString());
    assertEquals(1, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS: " + good), r.output());
    assertTrue(r.output().contains("remote_write.max_inflight_requests: must be between 1 and 1048576, got 0"), r.output());
    Files.delete(good);
    Files.delete(bad);
  }
}
