package io.promgate.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.MessageLite;
import io.promgate.prompb.Remote;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/**
 * The harness's own contract: what end-to-end tests may rely on when they use {@link RealInfluxDb}.
 */
class RealInfluxDbTest {

  private static RealInfluxDb influx;
  private static String db;

  @BeforeAll
  static void startInfluxDb() {
    influx = RealInfluxDb.shared();
    db = influx.freshDatabase("harness");
  }

  @Test
  void shared_isOneServerPerJvm() {
    assertSame(influx, RealInfluxDb.shared());
    assertTrue(influx.ping());
  }

  // 0.30000000000000004 needs all 17 significant digits: a lossy float path would show here.
  @Test
  void write_floatWithMillisecondTimestamp_readsBackExact() {
    influx.write(db, "precise,job=a value=0.30000000000000004 1700000000123");

    List<RealInfluxDb.Series> series = influx.select(db, "SELECT value FROM precise");

    assertEquals(1, series.size());
    assertEquals(List.of("time", "value"), series.get(0).columns());
    assertEquals(1700000000123L, series.get(0).column("time").get(0).longValue());
    assertEquals(
        Double.doubleToRawLongBits(0.1 + 0.2),
        Double.doubleToRawLongBits(series.get(0).column("value").get(0).doubleValue()));
  }

  @Test
  void select_groupByTag_givesOneSeriesPerTagValue() {
    influx.write(db, "grouped,job=a value=1 1000\ngrouped,job=b value=2 1000");

    List<RealInfluxDb.Series> series = influx.select(db, "SELECT value FROM grouped GROUP BY job");

    assertEquals(
        List.of(Map.of("job", "a"), Map.of("job", "b")),
        series.stream().map(RealInfluxDb.Series::tags).toList());
  }

  @Test
  void freshDatabase_givesDistinctNamesThatExist() {
    String first = influx.freshDatabase("fresh");
    String second = influx.freshDatabase("fresh");

    assertNotEquals(first, second);
    String databases = influx.query("", "SHOW DATABASES").toString();
    assertTrue(databases.contains("\"" + first + "\""), databases);
    assertTrue(databases.contains("\"" + second + "\""), databases);
  }

  @Test
  void stop_makesPingFail_andStartKeepsDataOnTheSamePort() {
    assumeTrue(influx.canStopAndStart(), "InfluxDB is not a local process");
    influx.write(db, "durable value=42 5000");
    String url = influx.url();

    influx.stop();
    try {
      assertFalse(influx.ping());
    } finally {
      influx.start();
    }

    assertEquals(url, influx.url());
    assertTrue(influx.ping());
    assertEquals(
        42.0,
        influx.select(db, "SELECT value FROM durable").get(0).column("value").get(0).doubleValue());
  }

  @Test
  void promWriteUrl_acceptsSnappyRemoteWrite_andPromReadUrlReturnsIt() throws IOException {
    Remote.WriteRequest write =
        Remote.WriteRequest.newBuilder()
            .addTimeseries(
                Remote.TimeSeries.newBuilder()
                    .addLabels(label("__name__", "prom_written"))
                    .addLabels(label("job", "w"))
                    .addSamples(Remote.Sample.newBuilder().setTimestamp(7000).setValue(2.5)))
            .build();

    Http.Response written = postSnappy(influx.promWriteUrl(db), write);

    assertEquals(204, written.status(), written.body());
    // InfluxDB 1.x stores the metric name both as measurement and as tag __name__, the sample in
    // field "value".
    RealInfluxDb.Series stored = influx.select(db, "SELECT * FROM prom_written").get(0);
    assertEquals(List.of("time", "__name__", "job", "value"), stored.columns());
    assertEquals("[[7000, \"prom_written\", \"w\", 2.5]]", stored.rows().toString());

    Remote.ReadRequest read =
        Remote.ReadRequest.newBuilder()
            .addQueries(
                Remote.Query.newBuilder()
                    .setStartTimestampMs(0)
                    .setEndTimestampMs(10_000)
                    .addMatchers(
                        Remote.LabelMatcher.newBuilder()
                            .setName("__name__")
                            .setValue("prom_written")))
            .build();
    Http.Response answer = postSnappy(influx.promReadUrl(db), read);

    assertEquals(200, answer.status(), answer.body());
    Remote.TimeSeries series =
        Remote.ReadResponse.parseFrom(Snappy.uncompress(answer.bytes()))
            .getResults(0)
            .getTimeseries(0);
    assertEquals(
        List.of(label("__name__", "prom_written"), label("job", "w")), series.getLabelsList());
    assertEquals(
        List.of(Remote.Sample.newBuilder().setTimestamp(7000).setValue(2.5).build()),
        series.getSamplesList());
  }

  private static Http.Response postSnappy(String url, MessageLite message) throws IOException {
    return Http.post(
        url,
        Snappy.compress(message.toByteArray()),
        "Content-Type",
        "application/x-protobuf",
        "Content-Encoding",
        "snappy");
  }

  private static Remote.Label label(String name, String value) {
    return Remote.Label.newBuilder().setName(name).setValue(value).build();
  }
}
