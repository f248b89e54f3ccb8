package io.promgate.e2e;

import static io.promgate.e2e.ReloadIT.metric;
import static io.promgate.e2e.ReloadIT.stored;
import static io.promgate.e2e.ReloadIT.write;
import static io.promgate.testing.RemoteRequests.oneSample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * README's lifecycle claims on the packaged promgate: {@code /-/quit} stops the process, a SIGHUP
 * with a broken file keeps the running config (and says so in the reload metrics and the log), and
 * a request in flight during a reload finishes on the config it started with.
 */
class LifecycleIT {
  private static final String STORAGE = "storage: {influxdb: {url: '%s', database: %s}}\n";

  @Test
  void quit_withLifecycleFlag_stopsTheProcess() {
    RealInfluxDb influx = RealInfluxDb.shared();
    try (PromgateProcess p = PromgateProcess.start(STORAGE.formatted(influx.url(), "prom"), "--web.enable-lifecycle")) {
      var r = Http.post(p.url() + "/-/quit", new byte[0]);
      assertEquals(200, r.status());
      assertEquals("Requesting termination... Goodbye!\n", r.body());
      Await.until(Duration.ofSeconds(30), "promgate exited after /-/quit", () -> !p.isAlive());
    }
  }

  @Test
  void quit_withoutLifecycleFlag_403AndKeepsRunning() {
    RealInfluxDb influx = RealInfluxDb.shared();
    try (PromgateProcess p = PromgateProcess.start(STORAGE.formatted(influx.url(), "prom"))) {
      var r = Http.post(p.url() + "/-/quit", new byte[0]);
      assertEquals(403, r.status());
      assertEquals("Lifecycle API is not enabled.\n", r.body());
      assertEquals(200, Http.get(p.url() + "/-/healthy").status());
      assertTrue(p.isAlive());
    }
  }

  @Test
  void sighup_brokenFile_keepsTheOldConfigAndReportsTheFailure() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("hup_broken");
    try (PromgateProcess p = PromgateProcess.start(STORAGE.formatted(influx.url(), db))) {
      assertEquals("1.0", metric(p, "promgate_config_last_reload_successful"));
      String lastSuccess = metric(p, "promgate_config_last_reload_success_timestamp_seconds");

      Files.writeString(p.configFile(), "storage: {influxdb: {url: '%s', database: other, timeout: soon}}\n"
          .formatted(influx.url()));
      p.sighup();
      Await.until(Duration.ofSeconds(20), "the failed SIGHUP reload is reported",
          () -> metric(p, "promgate_config_last_reload_successful").equals("0.0"));
      assertEquals(lastSuccess, metric(p, "promgate_config_last_reload_success_timestamp_seconds"));
      assertTrue(p.logTail().contains("reload failed, keeping the running configuration"), p.logTail());
      assertTrue(p.logTail().contains("storage.influxdb.timeout: not a positive duration"), p.logTail());

      assertEquals(204, write(p, "after_broken_hup"));
      assertTrue(stored(influx, db, "after_broken_hup"), "the old config keeps serving");
    }
  }

  @Test
  void reload_whileAWriteIsInFlight_theWriteFinishesOnTheOldConfig() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    String before = influx.freshDatabase("inflight_a");
    String after = influx.freshDatabase("inflight_b");
    try (PromgateProcess p = PromgateProcess.start(STORAGE.formatted(influx.url(), before), "--web.enable-lifecycle")) {
      URI uri = URI.create(p.url());
      byte[] body = oneSample("in_flight_write");
      try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /api/v1/write HTTP/1.1\r\nHost: " + uri.getAuthority()
            + "\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\nContent-Length: "
            + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, body.length / 2);
        out.flush();
        // The handler has taken its config snapshot once it reserves memory for the arriving body
        // (a body still arriving holds no in-flight slot, only its bytes of the memory budget).
        Await.until(Duration.ofSeconds(20), "the write is in flight",
            () -> Double.parseDouble(metric(p, "promgate_memory_budget_in_use_bytes")) > 0);

        Files.writeString(p.configFile(), STORAGE.formatted(influx.url(), after));
        var reload = Http.post(p.url() + "/-/reload", new byte[0]);
        assertEquals(200, reload.status(), reload.body());

        out.write(body, body.length / 2, body.length - body.length / 2);
        out.flush();
        InputStream in = socket.getInputStream();
        String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(response.startsWith("HTTP/1.1 204 "), response);
      }
      assertTrue(stored(influx, before, "in_flight_write"), "stored where the config it started with says");
      assertFalse(stored(influx, after, "in_flight_write"), "not where the reloaded config says");

      assertEquals(204, write(p, "after_reload_write"));
      assertTrue(stored(influx, after, "after_reload_write"), "the next request uses the reloaded config");
    }
  }
}
