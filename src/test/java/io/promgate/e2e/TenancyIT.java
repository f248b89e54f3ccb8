package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.write.SnappyBlocks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** tenancy: X-Scope-OrgID picks one database per tenant; no header goes to the default database. */
class TenancyIT {
  private static Http.Response write(PromgateProcess p, String metric, String... headers) {
    byte[] pb = Remote.WriteRequest.newBuilder().addTimeseries(Remote.TimeSeries.newBuilder()
        .addLabels(Remote.Label.newBuilder().setName("__name__").setValue(metric))
        .addSamples(Remote.Sample.newBuilder().setValue(1).setTimestamp(1_700_000_000_000L))).build().toByteArray();
    String[] all = new String[4 + headers.length];
    all[0] = "Content-Type";
    all[1] = "application/x-protobuf";
    all[2] = "Content-Encoding";
    all[3] = "snappy";
    System.arraycopy(headers, 0, all, 4, headers.length);
    return Http.post(p.url() + "/api/v1/write", SnappyBlocks.compress(pb, 0, pb.length), all);
  }

  /** Series a SAMPLES remote read of {@code metric} returns. */
  private static int readSeries(PromgateProcess p, String metric, String... headers) {
    byte[] pb = Remote.ReadRequest.newBuilder().addQueries(Remote.Query.newBuilder()
        .setStartTimestampMs(1_600_000_000_000L).setEndTimestampMs(1_800_000_000_000L)
        .addMatchers(Remote.LabelMatcher.newBuilder().setName("__name__").setValue(metric))).build().toByteArray();
    String[] all = new String[4 + headers.length];
    all[0] = "Content-Type";
    all[1] = "application/x-protobuf";
    all[2] = "Content-Encoding";
    all[3] = "snappy";
    System.arraycopy(headers, 0, all, 4, headers.length);
    Http.Response r = Http.post(p.url() + "/api/v1/read", SnappyBlocks.compress(pb, 0, pb.length), all);
    assertEquals(200, r.status(), r.body());
    try {
      return Remote.ReadResponse.parseFrom(org.xerial.snappy.Snappy.uncompress(r.bytes())).getResults(0).getTimeseriesCount();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void tenantHeader_routesEachTenantToItsDatabase() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String main = influx.freshDatabase("tenancy_default");
    String prefix = main + "_";
    try (PromgateProcess p = PromgateProcess.start("""
        storage: {influxdb: {url: '%s', database: %s}}
        tenancy: {enabled: true, database_prefix: '%s', max_tenants: 2}
        """.formatted(influx.url(), main, prefix))) {
      assertEquals(204, write(p, "for_a", "X-Scope-OrgID", "team-a").status());
      assertEquals(204, write(p, "for_b", "X-Scope-OrgID", "team_b").status());
      assertEquals(204, write(p, "for_default").status());
      Await.until(Duration.ofSeconds(10), "tenant databases filled", () ->
          !influx.select(prefix + "team-a", "SELECT * FROM for_a").isEmpty()
              && !influx.select(prefix + "team_b", "SELECT * FROM for_b").isEmpty());
      assertTrue(influx.select(prefix + "team-a", "SELECT * FROM for_b").isEmpty(), "tenants stay apart");
      assertTrue(!influx.select(main, "SELECT * FROM for_default").isEmpty());
      assertTrue(influx.select(main, "SELECT * FROM for_a").isEmpty());

      // remote_read honours the same header: each tenant reads its own database.
      assertEquals(1, readSeries(p, "for_a", "X-Scope-OrgID", "team-a"));
      assertEquals(0, readSeries(p, "for_a", "X-Scope-OrgID", "team_b"));
      assertEquals(0, readSeries(p, "for_a"));
      assertEquals(1, readSeries(p, "for_default"));

      var bad = write(p, "bad", "X-Scope-OrgID", "../etc");
      assertEquals(400, bad.status());
      assertEquals("invalid tenant \"../etc\" in X-Scope-OrgID: 1 to 64 of [A-Za-z0-9_-]\n", bad.body());
      // At the limit: 503 + Retry-After, so Prometheus keeps the samples and retries (a 400 drops them).
      var third = write(p, "c", "X-Scope-OrgID", "team-c");
      assertEquals(503, third.status());
      assertEquals("1", third.headers().firstValue("Retry-After").orElse(""));
      assertEquals("more than 2 tenants (tenancy.max_tenants), retry later\n", third.body());
    }
  }

  /**
   * Reading never creates: a remote read for a tenant that never wrote makes no batcher, issues
   * no CREATE DATABASE and takes no place under max_tenants.
   */
  @Test
  void readUnseenTenant_createsNoDatabaseNorTenant() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String main = influx.freshDatabase("tenancy_read");
    String prefix = main + "_";
    try (PromgateProcess p = PromgateProcess.start("""
        storage: {influxdb: {url: '%s', database: %s}}
        tenancy: {enabled: true, database_prefix: '%s', max_tenants: 1}
        """.formatted(influx.url(), main, prefix))) {
      for (String t : new String[] {"reader-1", "reader-2", "reader-3"}) {
        Http.Response r = read(p, "anything", "X-Scope-OrgID", t);
        assertTrue(r.status() == 200 || r.status() == 503, r.status() + " " + r.body());
      }
      String dbs = influx.execute("SHOW DATABASES").toString();
      assertTrue(!dbs.contains(prefix + "reader-"), "no database for readers: " + dbs);
      assertEquals(204, write(p, "w", "X-Scope-OrgID", "writer").status(), "the one tenant place is still free");
      Await.until(Duration.ofSeconds(10), "writer's database", () -> !influx.select(prefix + "writer", "SELECT * FROM w").isEmpty());
      assertEquals(1, readSeries(p, "w", "X-Scope-OrgID", "writer"));
    }
  }

  @Test
  void tenantHeaderTwice_400NamingTheHeader() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String main = influx.freshDatabase("tenancy_twice");
    try (PromgateProcess p = PromgateProcess.start("""
        storage: {influxdb: {url: '%s', database: %s}}
        tenancy: {enabled: true, database_prefix: '%s_'}
        """.formatted(influx.url(), main, main))) {
      var w = write(p, "twice", "X-Scope-OrgID", "a", "X-Scope-OrgID", "b");
      assertEquals(400, w.status());
      assertEquals("tenant header X-Scope-OrgID sent 2 times: send it once\n", w.body());
      var r = read(p, "twice", "X-Scope-OrgID", "a", "x-scope-orgid", "a");
      assertEquals(400, r.status());
      assertEquals("tenant header X-Scope-OrgID sent 2 times: send it once\n", r.body());
      assertTrue(influx.select(main, "SELECT * FROM twice").isEmpty());
    }
  }

  @Test
  void allowedList_othersRefused400_listedStored() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String main = influx.freshDatabase("tenancy_allowed");
    String prefix = main + "_";
    try (PromgateProcess p = PromgateProcess.start("""
        storage: {influxdb: {url: '%s', database: %s}}
        tenancy: {enabled: true, database_prefix: '%s', allowed: [team-a]}
        """.formatted(influx.url(), main, prefix))) {
      var other = write(p, "m", "X-Scope-OrgID", "made-up-1");
      assertEquals(400, other.status());
      assertEquals("tenant \"made-up-1\" in X-Scope-OrgID is not in tenancy.allowed\n", other.body());
      assertEquals(400, read(p, "m", "X-Scope-OrgID", "made-up-1").status());
      assertEquals(204, write(p, "m", "X-Scope-OrgID", "team-a").status());
      Await.until(Duration.ofSeconds(10), "team-a stored", () -> !influx.select(prefix + "team-a", "SELECT * FROM m").isEmpty());
    }
  }

  private static Http.Response read(PromgateProcess p, String metric, String... headers) {
    byte[] pb = Remote.ReadRequest.newBuilder().addQueries(Remote.Query.newBuilder()
        .setStartTimestampMs(1_600_000_000_000L).setEndTimestampMs(1_800_000_000_000L)
        .addMatchers(Remote.LabelMatcher.newBuilder().setName("__name__").setValue(metric))).build().toByteArray();
    String[] all = new String[4 + headers.length];
    all[0] = "Content-Type";
    all[1] = "application/x-protobuf";
    all[2] = "Content-Encoding";
    all[3] = "snappy";
    System.arraycopy(headers, 0, all, 4, headers.length);
    return Http.post(p.url() + "/api/v1/read", SnappyBlocks.compress(pb, 0, pb.length), all);
  }

  @Test
  void requireHeader_missingHeader_400() {
    RealInfluxDb influx = RealInfluxDb.shared();
    try (PromgateProcess p = PromgateProcess.start("""
        storage: {influxdb: {url: '%s', database: prom}}
        tenancy: {enabled: true, require_header: true}
        """.formatted(influx.url()))) {
      var r = write(p, "x");
      assertEquals(400, r.status());
      assertEquals("missing tenant header X-Scope-OrgID (tenancy.require_header)\n", r.body());
    }
  }
}
