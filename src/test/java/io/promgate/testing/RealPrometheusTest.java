package io.promgate.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's own contract: what end-to-end tests may rely on when they use {@link
 * RealPrometheus}.
 */
class RealPrometheusTest {

  private static final Duration SCRAPES = Duration.ofSeconds(20);

  @Test
  void start_scrapingItselfEverySecond_reportsUpThroughTheQueryApi() {
    try (RealPrometheus prometheus = RealPrometheus.start(port -> selfScrape("self", port))) {
      awaitUp(prometheus, "self");

      double now = System.currentTimeMillis() / 1000.0;
      JsonNode range = prometheus.queryRange("up{job=\"self\"}", now - 60, now, 1);
      assertEquals("matrix", range.path("resultType").asText());
      assertEquals(
          "127.0.0.1:" + prometheus.port(),
          range.path("result").path(0).path("metric").path("instance").asText());
      assertTrue(prometheus.getText("/metrics").contains("prometheus_build_info"));
    }
  }

  @Test
  void reload_withChangedConfig_scrapesUnderTheNewJob() {
    try (RealPrometheus prometheus = RealPrometheus.start(port -> selfScrape("before", port))) {
      prometheus.reload(selfScrape("after", prometheus.port()));

      awaitUp(prometheus, "after");
      String loaded = prometheus.get("/api/v1/status/config").path("data").path("yaml").asText();
      assertTrue(loaded.contains("job_name: after"), loaded);
    }
  }

  @Test
  void reload_withInvalidConfig_throwsAndKeepsTheOldOne() {
    try (RealPrometheus prometheus = RealPrometheus.start(port -> selfScrape("kept", port))) {
      IllegalStateException refused =
          assertThrows(IllegalStateException.class, () -> prometheus.reload("scrape_configs: 7\n"));

      assertTrue(refused.getMessage().startsWith("reload answered 500"), refused.getMessage());
      awaitUp(prometheus, "kept");
    }
  }

  @Test
  void stop_keepsTheDataDirUntilClose() {
    Path data;
    try (RealPrometheus prometheus = RealPrometheus.start(port -> selfScrape("self", port))) {
      data = prometheus.dataDir();
      prometheus.stop();

      assertTrue(Files.isDirectory(data.resolve("wal")), data + " has no wal");
      assertNotEquals(200, statusOrMinusOne(prometheus.url() + "/-/ready"));
    }
    assertTrue(Files.notExists(data));
  }

  @Test
  void promtool_checkConfig_passesOnAValidConfig(@TempDir Path dir) throws IOException {
    Path config = Files.writeString(dir.resolve("ok.yml"), selfScrape("ok", 9090));

    RealPrometheus.ToolResult result =
        RealPrometheus.promtool("check", "config", config.toString());

    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("SUCCESS"), result.output());
  }

  @Test
  void promtool_checkConfig_failsOnAnInvalidConfig(@TempDir Path dir) throws IOException {
    Path config = Files.writeString(dir.resolve("bad.yml"), "global:\n  scrape_interval: often\n");

    RealPrometheus.ToolResult result =
        RealPrometheus.promtool("check", "config", config.toString());

    assertEquals(1, result.exitCode(), result.output());
    assertTrue(result.output().contains("FAILED"), result.output());
  }

  private static String selfScrape(String job, int port) {
    return """
    global:
      scrape_interval: 1s
      evaluation_interval: 1s
    scrape_configs:
      - job_name: %s
        static_configs:
          - targets: ['127.0.0.1:%d']
    """
        .formatted(job, port);
  }

  private static void awaitUp(RealPrometheus prometheus, String job) {
    String promql = "up{job=\"" + job + "\"}";
    Await.until(
        SCRAPES,
        promql + " == 1",
        () -> {
          JsonNode result =
              prometheus.query(promql, System.currentTimeMillis() / 1000.0).path("result");
          return result.size() == 1 && "1".equals(result.path(0).path("value").path(1).asText());
        });
  }

  private static int statusOrMinusOne(String url) {
    try {
      return Http.get(url).status();
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
