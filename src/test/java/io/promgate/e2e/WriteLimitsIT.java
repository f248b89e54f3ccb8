package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.write.SnappyBlocks;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The statuses README's config reference promises for the per-request and per-label write limits:
 * 413 for {@code max_series_per_request}, 400 for {@code max_labels_per_series},
 * {@code max_label_name_length} and {@code max_label_value_length}; each a one-line reason naming
 * the key, nothing of the request stored, and a request just at each limit stored.
 */
class WriteLimitsIT {
  private static RealInfluxDb influx;
  private static String db;
  private static PromgateProcess promgate;

  @BeforeAll
  static void start() {
    influx = RealInfluxDb.shared();
    db = influx.freshDatabase("limits");
    promgate = PromgateProcess.start("""
        storage: {influxdb: {url: '%s', database: %s}}
        remote_write:
          max_series_per_request: 2
          max_labels_per_series: 3
          max_label_name_length: 10
          max_label_value_length: 16
        """.formatted(influx.url(), db));
  }

  @AfterAll
  static void stop() {
    if (promgate != null) {
      promgate.close();
    }
  }

  private static Remote.TimeSeries series(String... labels) {
    Remote.TimeSeries.Builder s = Remote.TimeSeries.newBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      s.addLabels(Remote.Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
    }
    return s.addSamples(Remote.Sample.newBuilder().setValue(1).setTimestamp(1_700_000_000_000L)).build();
  }

  private static Http.Response write(Remote.TimeSeries... series) {
    byte[] pb = Remote.WriteRequest.newBuilder().addAllTimeseries(List.of(series)).build().toByteArray();
    return Http.post(promgate.url() + "/api/v1/write", SnappyBlocks.compress(pb, 0, pb.length),
        "Content-Type", "application/x-protobuf", "Content-Encoding", "snappy");
  }

  private static boolean stored(String metric) {
    return !influx.select(db, "SELECT * FROM " + metric).isEmpty();
  }

  @Test
  void write_moreSeriesThanMaxSeriesPerRequest_413StoresNothing() {
    Http.Response r = write(series("__name__", "lim_series_a"), series("__name__", "lim_series_b"),
        series("__name__", "lim_series_c"));
    assertEquals(413, r.status(), r.body());
    assertEquals("request has more than 2 series (remote_write.max_series_per_request)\n", r.body());
    assertTrue(!stored("lim_series_a") && !stored("lim_series_c"), "a refused request stores nothing");

    assertEquals(204, write(series("__name__", "lim_series_d"), series("__name__", "lim_series_e")).status());
    assertTrue(stored("lim_series_d") && stored("lim_series_e"), "a request at the limit is stored");
  }

  @Test
  void write_moreLabelsThanMaxLabelsPerSeries_400StoresNothing() {
    Http.Response r = write(series("__name__", "lim_labels_ok"),
        series("__name__", "lim_labels", "a", "1", "b", "2", "c", "3"));
    assertEquals(400, r.status(), r.body());
    assertEquals("series has more than 3 labels (remote_write.max_labels_per_series)\n", r.body());
    assertTrue(!stored("lim_labels_ok") && !stored("lim_labels"));

    assertEquals(204, write(series("__name__", "lim_labels3", "a", "1", "b", "2")).status());
    assertTrue(stored("lim_labels3"));
  }

  @Test
  void write_labelNameOverMaxLabelNameLength_400StoresNothing() {
    Http.Response r = write(series("__name__", "lim_name", "abcdefghijk", "v"));
    assertEquals(400, r.status(), r.body());
    assertEquals("label name longer than 10 bytes (remote_write.max_label_name_length)"
        + " in series {__name__=\"lim_name\", abcdefghijk=\"v\"}\n", r.body());
    assertTrue(!stored("lim_name"));

    assertEquals(204, write(series("__name__", "lim_name10", "abcdefghij", "v")).status());
    assertTrue(stored("lim_name10"));
  }

  @Test
  void write_labelValueOverMaxLabelValueLength_400StoresNothing() {
    Http.Response r = write(series("__name__", "lim_value", "job", "abcdefghijklmnopq"));
    assertEquals(400, r.status(), r.body());
    assertEquals("value of label \"job\" longer than 16 bytes (remote_write.max_label_value_length)"
        + " in series {__name__=\"lim_value\", job=\"abcdefghijklmnopq\"}\n", r.body());
    assertTrue(!stored("lim_value"));

    assertEquals(204, write(series("__name__", "lim_value16", "job", "abcdefghijklmnop")).status());
    assertTrue(stored("lim_value16"));
  }
}
