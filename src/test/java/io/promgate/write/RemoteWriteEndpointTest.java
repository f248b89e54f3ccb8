package io.promgate.write;

import static io.promgate.testing.RemoteRequests.sample;
import static io.promgate.testing.RemoteRequests.series;
import static io.promgate.testing.RemoteRequests.snappy;
import static io.promgate.write.RemoteWriteRequests.post;
import static io.promgate.write.RemoteWriteRequests.postRaw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.influx.TagValues;
import io.promgate.prompb.Remote;
import io.promgate.prompb.v2.WriteV2;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.promgate.testing.RealInfluxDb;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/** {@code /api/v1/write} against a real InfluxDB: what is stored, and what is refused and how. */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class RemoteWriteEndpointTest {
  @TestHTTPResource("/api/v1/write")
  URL write;

  @TestHTTPResource("/")
  URL root;

  private final RealInfluxDb influx = RealInfluxDb.shared();

  private String db() {
    return PromgateWithInfluxDb.database();
  }

  private List<RealInfluxDb.Series> select(String q) {
    return influx.select(db(), q);
  }

  private void assertGoodWriteStillSucceeds() {
    String metric = "still_ok_" + System.nanoTime();
    var r = post(write.toString(), Remote.WriteRequest.newBuilder()
        .addTimeseries(sample(series("__name__", metric), 7, 1_700_000_000_000L)).build());
    assertEquals(204, r.status(), r.body());
    assertEquals(1, select("SELECT value FROM " + metric).get(0).rows().size());
  }

  private void assertRefused(Http.Response r, int status, String reason) {
    assertEquals(status, r.status(), r.body());
    assertEquals(reason + "\n", r.body());
    assertGoodWriteStillSucceeds();
  }

  @Test
  void write_everyValueKind_storedExactlyAndAcked204() {
    long t = 1_700_000_000_000L;
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "rw_values", "instance", "h:1", "job", "j")
            .addSamples(Remote.Sample.newBuilder().setValue(1.5).setTimestamp(t))
            .addSamples(Remote.Sample.newBuilder().setValue(Double.longBitsToDouble(0x7ff0000000000002L)).setTimestamp(t + 1))
            .addSamples(Remote.Sample.newBuilder().setValue(Double.NaN).setTimestamp(t + 2))
            .addSamples(Remote.Sample.newBuilder().setValue(Double.POSITIVE_INFINITY).setTimestamp(t + 3))
            .addSamples(Remote.Sample.newBuilder().setValue(Double.NEGATIVE_INFINITY).setTimestamp(t + 4))
            .addSamples(Remote.Sample.newBuilder().setValue(1e-300).setTimestamp(t + 5))
            .addSamples(Remote.Sample.newBuilder().setValue(123456789012.0).setTimestamp(t + 6)))
        .build();
    var r = post(write.toString(), req);
    assertEquals(204, r.status(), r.body());
    assertEquals("", r.body());

    var rows = select("SELECT value, value_bits, job, instance FROM rw_values ORDER BY time").get(0);
    assertEquals(7, rows.rows().size());
    long[] expectedBits = {
      Double.doubleToRawLongBits(1.5), 0x7ff0000000000002L, Double.doubleToRawLongBits(Double.NaN),
      Double.doubleToRawLongBits(Double.POSITIVE_INFINITY), Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY),
      Double.doubleToRawLongBits(1e-300), Double.doubleToRawLongBits(123456789012.0)
    };
    for (int i = 0; i < 7; i++) {
      var row = rows.rows().get(i);
      assertEquals(t + i, row.get(0).asLong());
      long bits = row.get(2).isNull() ? Double.doubleToRawLongBits(row.get(1).asDouble()) : row.get(2).asLong();
      assertEquals(expectedBits[i], bits, "sample " + i);
      assertTrue(row.get(1).isNull() != row.get(2).isNull(), "exactly one of value/value_bits at " + i);
      assertEquals("j", row.get(3).asText());
      assertEquals("h:1", row.get(4).asText());
    }
  }

  @Test
  void write_labelValuesLineProtocolCannotCarry_roundTripThroughInfluxDb() {
    // Random label values built from the characters that matter to line protocol: each must come
    // back from InfluxDB byte for byte once TagValues.decode is applied, and never disturb a neighbour.
    String alphabet = "ab \\,=\"'\n\r\t%:pg✓";
    SplittableRandom rnd = new SplittableRandom(7);
    Map<String, String> expected = new HashMap<>();
    Remote.WriteRequest.Builder req = Remote.WriteRequest.newBuilder();
    for (int i = 0; i < 300; i++) {
      StringBuilder v = new StringBuilder();
      int n = 1 + rnd.nextInt(8);
      for (int j = 0; j < n; j++) {
        v.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, rnd.nextInt(alphabet.codePointCount(0, alphabet.length())))));
      }
      if (i % 50 == 0) {
        v.insert(0, "%pg:");
      }
      String id = "s" + i;
      expected.put(id, v.toString());
      req.addTimeseries(sample(series("__name__", "rw_tags", "id", id, "v", v.toString(), "z", "after"), i, 1_700_000_000_000L));
    }
    // A label called "time", which InfluxDB refuses as a tag key.
    req.addTimeseries(sample(series("__name__", "rw_tags", "id", "timed", "time", "noon", "z", "after"), 1, 1_700_000_000_000L));
    var r = post(write.toString(), req.build());
    assertEquals(204, r.status(), r.body());

    var result = select("SELECT * FROM rw_tags").get(0);
    int idCol = result.columns().indexOf("id");
    int vCol = result.columns().indexOf("v");
    int zCol = result.columns().indexOf("z");
    int timeTag = result.columns().indexOf(TagValues.MARKER + "time");
    assertEquals(301, result.rows().size());
    for (var row : result.rows()) {
      String id = row.get(idCol).asText();
      assertEquals("after", row.get(zCol).asText(), "neighbour label intact for " + id);
      if (id.equals("timed")) {
        assertEquals("noon", row.get(timeTag).asText());
        continue;
      }
      assertEquals(expected.get(id), TagValues.decode(row.get(vCol).asText()), "label value of " + id);
    }
  }

  @Test
  void write_emptyAndMetadataOnlyRequests_accepted204() {
    assertEquals(204, post(write.toString(), Remote.WriteRequest.getDefaultInstance()).status());
    var metadataOnly = Remote.WriteRequest.newBuilder()
        .addMetadata(Remote.MetricMetadata.newBuilder().setMetricFamilyName("up").setType(Remote.MetricMetadata.MetricType.GAUGE))
        .build();
    assertEquals(204, post(write.toString(), metadataOnly).status());
  }

  @Test
  void write_garbageBody_400() {
    assertRefused(postRaw(write.toString(), new byte[] {0x0f, 0x01, 0x02, 0x03}, RemoteWriteRequests.HEADERS),
        400, "corrupt snappy block: data invalid or truncated (FAILED_TO_UNCOMPRESS(5))");
  }

  @Test
  void write_truncatedSnappy_400() {
    byte[] body = snappy(Remote.WriteRequest.newBuilder()
        .addTimeseries(sample(series("__name__", "x", "job", "a long enough label value to compress"), 1, 1)).build().toByteArray());
    byte[] cut = Arrays.copyOf(body, body.length - 4);
    var r = postRaw(write.toString(), cut, RemoteWriteRequests.HEADERS);
    assertEquals(400, r.status());
    assertTrue(r.body().startsWith("corrupt snappy block"), r.body());
    assertGoodWriteStillSucceeds();
  }

  @Test
  void write_lyingSnappyPreamble_413BeforeAllocating() {
    // Declares 4 GiB - 1 decompressed bytes; the configured limit is 4 MiB.
    byte[] body = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x00, 0x61};
    assertRefused(postRaw(write.toString(), body, RemoteWriteRequests.HEADERS), 413,
        "snappy block declares 4294967295 decompressed bytes, over the limit of 4194304 (remote_write.max_decompressed_bytes)");
  }

  @Test
  void write_badProtobuf_400() {
    assertRefused(postRaw(write.toString(), snappy(new byte[] {0x0a, 0x10, 0x0a}), RemoteWriteRequests.HEADERS), 400,
        "corrupt protobuf: length 16 runs past the end of the message");
  }

  @Test
  void write_badLabelName_400() {
    assertRefused(post(write.toString(), Remote.WriteRequest.newBuilder()
            .addTimeseries(sample(series("__name__", "m", "bad-name", "x"), 1, 1)).build()), 400,
        "invalid label name \"bad-name\" in series {__name__=\"m\", bad-name=\"x\"}");
  }

  /**
   * Labels in any order, 1.0 and 2.0, are stored as Prometheus's own receiver stores them (sorted)
   * and come back through remote read with every label and value.
   */
  @Test
  void write_unsortedLabelsV1AndV2_storedAndReadBack() throws Exception {
    String m1 = "unsorted_v1_" + System.nanoTime();
    String m2 = "unsorted_v2_" + System.nanoTime();
    var r1 = post(write.toString(), Remote.WriteRequest.newBuilder()
        .addTimeseries(sample(series("zone", "z1", "job", "j", "__name__", m1, "a", "x"), 1.5, 1_700_000_000_000L))
        .addTimeseries(sample(series("job", "j", "__name__", m1, "zone", "z2"), 2.5, 1_700_000_000_000L)).build());
    assertEquals(204, r1.status(), r1.body());
    var sym = new RemoteWriteV2DecoderTest.Symbols();
    var v2 = WriteV2.Request.newBuilder()
        .addTimeseries(RemoteWriteV2DecoderTest.series(sym, "job", "j", "__name__", m2, "instance", "i")
            .addSamples(WriteV2.Sample.newBuilder().setValue(3.5).setTimestamp(1_700_000_000_000L)))
        .addAllSymbols(sym.table()).build();
    var r2 = Http.post(write.toString(), snappy(v2.toByteArray()), "Content-Type", RemoteWriteV2EndpointTest.V2_TYPE,
        "Content-Encoding", "snappy", "X-Prometheus-Remote-Write-Version", "2.0.0");
    assertEquals(204, r2.status(), r2.body());

    assertEquals(List.of(
            "{__name__=\"" + m1 + "\", a=\"x\", job=\"j\", zone=\"z1\"} 1.5@1700000000000",
            "{__name__=\"" + m1 + "\", job=\"j\", zone=\"z2\"} 2.5@1700000000000"),
        remoteRead(m1));
    assertEquals(List.of("{__name__=\"" + m2 + "\", instance=\"i\", job=\"j\"} 3.5@1700000000000"), remoteRead(m2));
  }

  /** Every series of {@code metric} a SAMPLES remote read returns, as "{labels} value@ts", sorted. */
  private List<String> remoteRead(String metric) throws Exception {
    byte[] pb = Remote.ReadRequest.newBuilder().addQueries(Remote.Query.newBuilder()
        .setStartTimestampMs(1_600_000_000_000L).setEndTimestampMs(1_800_000_000_000L)
        .addMatchers(Remote.LabelMatcher.newBuilder().setName("__name__").setValue(metric))).build().toByteArray();
    Http.Response r = Http.post(root + "api/v1/read", snappy(pb), "Content-Type", "application/x-protobuf",
        "Content-Encoding", "snappy", "X-Prometheus-Remote-Read-Version", "0.1.0");
    assertEquals(200, r.status(), r.body());
    List<String> out = new ArrayList<>();
    for (Remote.TimeSeries ts : Remote.ReadResponse.parseFrom(Snappy.uncompress(r.bytes()))
        .getResults(0).getTimeseriesList()) {
      StringBuilder sb = new StringBuilder("{");
      for (Remote.Label l : ts.getLabelsList()) {
        sb.append(sb.length() > 1 ? ", " : "").append(l.getName()).append("=\"").append(l.getValue()).append('"');
      }
      sb.append('}');
      for (Remote.Sample s : ts.getSamplesList()) {
        sb.append(' ').append(s.getValue()).append('@').append(s.getTimestamp());
      }
      out.add(sb.toString());
    }
    out.sort(null);
    return out;
  }

  @Test
  void write_duplicateLabels_400() {
    assertRefused(post(write.toString(), Remote.WriteRequest.newBuilder()
            .addTimeseries(sample(series("__name__", "m", "a", "1", "a", "1"), 1, 1)).build()), 400,
        "duplicate label name \"a\" in series {__name__=\"m\", a=\"1\", a=\"1\"}");
  }

  @Test
  void write_badRequestStoresNothing() {
    // The first series is fine, the second is invalid: the request is refused whole, nothing stored.
    var r = post(write.toString(), Remote.WriteRequest.newBuilder()
        .addTimeseries(sample(series("__name__", "rw_atomic", "a", "1"), 1, 1))
        .addTimeseries(sample(series("__name__", "rw_atomic", "0", "1"), 1, 1)).build());
    assertEquals(400, r.status());
    assertTrue(select("SELECT value FROM rw_atomic").isEmpty());
  }

  @Test
  void write_gzipEncoding_415() {
    String[] headers = {"Content-Type", "application/x-protobuf", "Content-Encoding", "gzip"};
    assertRefused(postRaw(write.toString(), new byte[] {1, 2, 3}, headers), 415,
        "unsupported Content-Encoding \"gzip\": remote write bodies must be snappy block compressed (Content-Encoding: snappy)");
  }

  @Test
  void write_noEncoding_415() {
    assertRefused(postRaw(write.toString(), new byte[] {1, 2, 3}, "Content-Type", "application/x-protobuf"), 415,
        "unsupported Content-Encoding (none): remote write bodies must be snappy block compressed (Content-Encoding: snappy)");
  }

  @Test
  void write_jsonContentType_415() {
    assertRefused(postRaw(write.toString(), new byte[] {1}, "Content-Type", "application/json", "Content-Encoding", "snappy"), 415,
        "unsupported Content-Type \"application/json\": accepted are application/x-protobuf (remote write 1.0, proto=prometheus.WriteRequest) and application/x-protobuf;proto=io.prometheus.write.v2.Request (remote write 2.0)");
  }

  @Test
  void write_bodyOverLimit_413() {
    byte[] big = new byte[(1 << 20) + 1];
    assertRefused(postRaw(write.toString(), big, RemoteWriteRequests.HEADERS), 413,
        "request body over the limit of 1048576 bytes (remote_write.max_body_bytes)");
  }

  @Test
  void write_get_405() {
    var r = Http.get(write.toString());
    assertEquals(405, r.status());
  }

  @Test
  void write_influxDbRejectsData_400WithItsReason() {
    // Make "value" an integer field in this measurement, so promgate's float write conflicts.
    influx.write(db(), "rw_conflict,__name__=rw_conflict value=1i 1000");
    var r = post(write.toString(), Remote.WriteRequest.newBuilder()
        .addTimeseries(sample(series("__name__", "rw_conflict"), 1.5, 2000)).build());
    assertEquals(400, r.status(), r.body());
    assertTrue(r.body().startsWith("InfluxDB rejected the data: InfluxDB answered 400: partial write: field type conflict"), r.body());
    assertGoodWriteStillSucceeds();
  }

  @Test
  void write_concurrentRequestsWithOneBad_onlyTheBadOneRefused() throws Exception {
    influx.write(db(), "rw_conflict2,__name__=rw_conflict2 value=1i 1000");
    List<Thread> threads = new ArrayList<>();
    int[] statuses = new int[24];
    for (int i = 0; i < statuses.length; i++) {
      int k = i;
      Thread th = new Thread(() -> {
        String metric = k == 5 ? "rw_conflict2" : "rw_group";
        var r = post(write.toString(), Remote.WriteRequest.newBuilder()
            .addTimeseries(sample(series("__name__", metric, "k", String.valueOf(k)), 2.5, 5000)).build());
        statuses[k] = r.status();
      });
      th.start();
      threads.add(th);
    }
    for (Thread t : threads) {
      t.join();
    }
    for (int i = 0; i < statuses.length; i++) {
      assertEquals(i == 5 ? 400 : 204, statuses[i], "request " + i);
    }
    assertEquals(23, select("SELECT value FROM rw_group GROUP BY k").size());
  }

  @Test
  void outage_influxDbDown_503ThenRetriedWriteLands() {
    Assumptions.assumeTrue(influx.canStopAndStart(), "needs an InfluxDB this test can stop");
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(sample(series("__name__", "rw_outage", "job", "j"), 42, 1_700_000_000_000L)).build();
    influx.stop();
    try {
      var r = post(write.toString(), req);
      assertEquals(503, r.status(), r.body());
      assertEquals("2", r.headers().firstValue("Retry-After").orElse(""));
      assertTrue(r.body().startsWith("InfluxDB unreachable"), r.body());
      assertEquals(503, Http.get(root + "-/ready").status());
    } finally {
      influx.start();
    }
    var retried = post(write.toString(), req);
    assertEquals(204, retried.status(), retried.body());
    assertEquals(42, select("SELECT value FROM rw_outage").get(0).rows().get(0).get(1).asDouble());
    assertEquals(200, Http.get(root + "-/ready").status());
  }

  @Test
  void health_andMetrics_exposed() {
    assertEquals("promgate is Healthy.\n", Http.get(root + "-/healthy").body());
    String metrics = Http.get(root + "metrics").body();
    for (String name : List.of(
        "promgate_remote_write_requests_total{code=\"204\"}",
        "promgate_remote_write_samples_received_total",
        "promgate_remote_write_samples_stored_total",
        "promgate_remote_write_rejected_requests_total{reason=\"corrupt_snappy\"}",
        "promgate_remote_write_request_duration_seconds_bucket",
        "promgate_remote_write_requests_in_flight",
        "promgate_influxdb_write_duration_seconds_bucket",
        "promgate_influxdb_writes_total{result=\"success\"}")) {
      assertTrue(metrics.contains(name), "missing " + name);
    }
  }
}
