package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.write.SnappyBlocks;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Hot reload as an operator uses it: POST /-/reload and SIGHUP, valid and invalid files. */
class ReloadIT {
  private static final String STORAGE = "storage: {influxdb: {url: '%s', database: %s}}\n";

  /** A remote-write 1.0 body with one sample of {@code metric} (also used by LifecycleIT). */
  static byte[] writeBody(String metric) {
    byte[] pb = Remote.WriteRequest.newBuilder()
        .addTimeseries(Remote.TimeSeries.newBuilder()
            .addLabels(Remote.Label.newBuilder().setName("__name__").setValue(metric))
            .addSamples(Remote.Sample.newBuilder().setValue(1).setTimestamp(1_700_000_000_000L)))
        .build().toByteArray();
    return SnappyBlocks.compress(pb, 0, pb.length);
  }

  static int write(PromgateProcess p, String metric) {
    return Http.post(p.url() + "/api/v1/write", writeBody(metric),
        "Content-Type", "application/x-protobuf", "Content-Encoding", "snappy").status();
  }

  static boolean stored(RealInfluxDb influx, String db, String metric) {
    return !influx.select(db, "SELECT * FROM " + metric).isEmpty();
  }

  static String metric(PromgateProcess p, String name) {
    for (String line : Http.get(p.url() + "/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return line.substring(name.length() + 1);
      }
    }
    throw new AssertionError("no " + name);
  }

  @Test
  void reload_validThenInvalidFile_swapsThenKeepsServing() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    String first = influx.freshDatabase("reload_a");
    String second = influx.freshDatabase("reload_b");
    try (PromgateProcess p = PromgateProcess.start(STORAGE.formatted(influx.url(), first), "--web.enable-lifecycle")) {
      assertEquals(204, write(p, "before_reload"));
      assertTrue(stored(influx, first, "before_reload"));

      Files.writeString(p.configFile(), STORAGE.formatted(influx.url(), second));
      var ok = Http.post(p.url() + "/-/reload", new byte[0]);
      assertEquals(200, ok.status(), ok.body());
      assertEquals(204, write(p, "after_reload"));
      assertTrue(stored(influx, second, "after_reload"), "writes go to the reloaded database");
      assertEquals("1.0", metric(p, "promgate_config_last_reload_successful"));

      Files.writeString(p.configFile(), "storage: {influxdb: {timeout: soon}}\nbogus: 1\n");
      var bad = Http.post(p.url() + "/-/reload", new byte[0]);
      assertEquals(500, bad.status());
      assertTrue(bad.body().contains("storage.influxdb.timeout: not a positive duration"), bad.body());
      assertTrue(bad.body().contains("unknown field \"bogus\""), bad.body());
      assertEquals("0.0", metric(p, "promgate_config_last_reload_successful"));
      assertEquals(204, write(p, "after_failed_reload"));
      assertTrue(stored(influx, second, "after_failed_reload"), "the old snapshot keeps serving");
    }
  }

  @Test
  void sighup_rereadsConfig() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    String first = influx.freshDatabase("hup_a");
    String second = influx.freshDatabase("hup_b");
    try (PromgateProcess p = PromgateProcess.start(STORAGE.formatted(influx.url(), first))) {
      Files.writeString(p.configFile(), STORAGE.formatted(influx.url(), second));
      p.sighup();
      Await.until(Duration.ofSeconds(20), "SIGHUP reload switched the database", () -> {
        write(p, "after_hup");
        return stored(influx, second, "after_hup");
      });
    }
  }

  @Test
  void reload_withoutLifecycleFlag_403() {
    RealInfluxDb influx = RealInfluxDb.shared();
    try (PromgateProcess p = PromgateProcess.start(STORAGE.formatted(influx.url(), "prom"))) {
      var r = Http.post(p.url() + "/-/reload", new byte[0]);
      assertEquals(403, r.status());
      assertEquals("Lifecycle API is not enabled.\n", r.body());
    }
  }
}
