package io.promgate.read;

import static io.promgate.read.ReadRequests.m;
import static io.promgate.read.ReadRequests.query;
import static io.promgate.read.ReadRequests.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RemoteRequests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The two ways promgate reads InfluxDB — InfluxQL, and InfluxDB 1.6's storage service
 * ({@code remote_read.influxdb_storage_address}) — give the same answers: two packaged promgates
 * on the same database, one per way, asked the same queries. Streamed chunks must be byte for byte
 * the same (they are in label order); SAMPLES the same series and samples (in InfluxDB's order,
 * which differs between the two).
 */
class ReadBackendsIT {
  private static final long T0 = 1_700_000_000_000L;
  private static final long STEP = 15_000;
  private static final long STALE = 0x7ff0000000000002L;

  @Test
  void storageServiceAndInfluxQl_sameAnswers() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("backends");
    String common = """
        storage: {influxdb: {url: '%s', database: %s}}
        remote_read: {sort_buffer_samples: 400, max_bytes_in_frame: 4KiB%s}
        """;
    try (PromgateProcess influxql = PromgateProcess.start(common.formatted(influx.url(), db, ""));
        PromgateProcess storage = PromgateProcess.start(common.formatted(influx.url(), db,
            ", influxdb_storage_address: '" + influx.storageAddress() + "'"))) {
      write(influxql.url() + "/api/v1/write");
      long end = T0 + 300 * STEP;
      List<Remote.Query> queries = List.of(
          query(T0, end, m("__name__", "=", "bk_a")),
          query(T0, end, m("__name__", "=~", "bk_.*")),
          query(T0 + 50 * STEP, T0 + 130 * STEP, m("__name__", "=~", "bk_.*"), m("job", "=", "j1")),
          query(T0, end, m("__name__", "=~", "bk_.*"), m("job", "!=", "j1")),
          query(T0, end, m("__name__", "=~", "bk_.*"), m("instance", "=~", "i[0-4]")),
          query(T0, end, m("__name__", "=~", "bk_.*"), m("instance", "!~", "i[0-4]")),
          query(T0, end, m("__name__", "=", "bk_a"), m("zone", "=", "")),
          query(T0, end, m("__name__", "!=", "bk_a"), m("__name__", "=~", "bk_.*")),
          query(T0, end, m("time", "=~", ".+")),
          query(T0, end, m("__name__", "=", "bk_b"), m("v", "=~", "(?s).*\n.*")),
          query(T0, end, m("__name__", "=", "bk_stale")),
          query(T0 + 121 * STEP, T0 + 121 * STEP, m("__name__", "=~", "bk_.*")),
          query(end + 1, end + 100, m("__name__", "=~", "bk_.*")));
      for (int q = 0; q < queries.size(); q++) {
        Remote.Query one = queries.get(q);
        Http.Response a = ReadRequests.post(influxql.url() + "/api/v1/read", request(true, one));
        Http.Response b = ReadRequests.post(storage.url() + "/api/v1/read", request(true, one));
        assertEquals(200, a.status(), a.body());
        assertEquals(200, b.status(), b.body());
        assertArrayEquals(a.bytes(), b.bytes(), "streamed chunks differ for query " + q + ": " + one);
        var sa = ReadRequests.sorted(ReadRequests.samples(ReadRequests.post(influxql.url() + "/api/v1/read", request(false, one))));
        var sb = ReadRequests.sorted(ReadRequests.samples(ReadRequests.post(storage.url() + "/api/v1/read", request(false, one))));
        assertEquals(sa, sb, "SAMPLES differ for query " + q + ": " + one);
        // (a stream has no frame for a query without series, so an empty answer decodes to no entry)
        assertEquals(sa.get(0).isEmpty() ? Map.of() : sa, ReadRequests.sorted(ReadRequests.chunks(a)),
            "SAMPLES and chunks differ for query " + q);
        if (q < queries.size() - 1) {
          assertTrue(!sa.get(0).isEmpty(), "query " + q + " selects nothing: the comparison would be empty");
        }
      }
      // all queries in one request, too
      Remote.Query[] all = queries.toArray(new Remote.Query[0]);
      assertArrayEquals(ReadRequests.post(influxql.url() + "/api/v1/read", request(true, all)).bytes(),
          ReadRequests.post(storage.url() + "/api/v1/read", request(true, all)).bytes());
      String metrics = Http.get(storage.url() + "/metrics").body();
      assertTrue(metrics.matches("(?s).*promgate_remote_read_influxdb_storage_reads_total [1-9].*"), "storage path unused");
      assertTrue(metrics.contains("promgate_remote_read_influxdb_queries_total 0.0"), "storage promgate ran InfluxQL");
    }
  }

  /** Series of 0–300 samples with specials anywhere, labels that need encoding, a "time" label. */
  private static void write(String url) {
    SplittableRandom rnd = new SplittableRandom(42);
    long[] specials = {Double.doubleToRawLongBits(Double.NaN), Double.doubleToRawLongBits(Double.POSITIVE_INFINITY),
        Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY), STALE};
    int[] lengths = {0, 1, 120, 121, 241, 300};
    List<Remote.TimeSeries.Builder> series = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      List<String> labels = new ArrayList<>(List.of("__name__", "bk_a", "instance", "i" + (i % 10), "job", "j" + (i % 2)));
      if (i % 3 == 0) {
        labels.addAll(List.of("zone", "z" + (i % 4)));
      }
      series.add(samples(rnd, labels, lengths[i % lengths.length] + (i / 6), specials));
    }
    for (int i = 0; i < 12; i++) {
      String v = i % 3 == 0 ? "line\n" + i : i % 3 == 1 ? " lead" + i : "plain" + i;
      series.add(samples(rnd, List.of("__name__", "bk_b", i % 2 == 0 ? "time" : "b", "t" + i, "v", v), 50 + i * 20, specials));
    }
    Remote.TimeSeries.Builder stale = RemoteRequests.series("__name__", "bk_stale", "job", "gone");
    RemoteRequests.sample(stale, Double.longBitsToDouble(STALE), T0 + 7 * STEP);
    series.add(stale);
    ReadRequests.write(url, series.toArray(new Remote.TimeSeries.Builder[0]));
    // The same instant written again as NaN: InfluxDB keeps both fields on one point (value_bits wins).
    Remote.TimeSeries.Builder again = RemoteRequests.series("__name__", "bk_a", "instance", "i1", "job", "j1");
    RemoteRequests.sample(again, Double.NaN, T0 + 5 * STEP);
    ReadRequests.write(url, again);
  }

  private static Remote.TimeSeries.Builder samples(SplittableRandom rnd, List<String> labels, int n, long[] specials) {
    Remote.TimeSeries.Builder s = RemoteRequests.series(labels.toArray(new String[0]));
    double v = rnd.nextInt(1000);
    for (int j = 0; j < n; j++) {
      v += rnd.nextInt(4) == 0 ? rnd.nextDouble() : 1;
      double x = rnd.nextInt(25) == 0 ? Double.longBitsToDouble(specials[rnd.nextInt(specials.length)]) : v;
      RemoteRequests.sample(s, x, T0 + j * STEP);
    }
    return s;
  }
}
