package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promgate.influx.TagValues;
import io.promgate.testing.Await;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The foundation, end to end on real servers: a real Prometheus scrapes itself and promgate and
 * remote-writes through the packaged promgate into a real InfluxDB. For a closed time window,
 * every series Prometheus holds in its own TSDB must be in InfluxDB with the same labels (plus the
 * external labels Prometheus adds on the way out) and the same samples, and nothing else.
 */
class RemoteWriteE2EIT {
  private static final long STALE_NAN = 0x7ff0000000000002L;

  @Test
  void prometheusRemoteWrite_storesExactlyWhatPrometheusHolds() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("e2e_rw");
    try (PromgateProcess promgate = PromgateProcess.start("""
            storage:
              influxdb:
                url: %s
                database: %s
            """.formatted(influx.url(), db));
        RealPrometheus prometheus = RealPrometheus.start(port -> """
            global:
              scrape_interval: 1s
              external_labels: {cluster: e2e, replica: a}
            scrape_configs:
              - job_name: prometheus
                static_configs: [{targets: ['127.0.0.1:%d']}]
              - job_name: promgate
                static_configs: [{targets: ['%s']}]
            remote_write:
              - url: %s/api/v1/write
                queue_config: {batch_send_deadline: 1s, max_samples_per_send: 500}
            """.formatted(port, promgate.url().substring("http://".length()), promgate.url()))) {
      double start = System.currentTimeMillis() / 1000.0;
      // A closed window well after start-up, then wait until Prometheus has shipped past it.
      double from = start + 3;
      double to = start + 9;
      Await.until(Duration.ofSeconds(60), "Prometheus remote-wrote past the window", () -> {
        JsonNode r = prometheus.query("prometheus_remote_storage_queue_highest_sent_timestamp_seconds", System.currentTimeMillis() / 1000.0);
        JsonNode v = r.path("result").path(0).path("value").path(1);
        return !v.isMissingNode() && Double.parseDouble(v.asText()) > to + 2;
      });

      // Prometheus's own view: raw samples of every series in [from, to].
      long rangeMs = Math.round((to - from) * 1000);
      JsonNode raw = prometheus.query("{__name__=~\".+\"}[" + rangeMs + "ms]", to);
      Map<String, List<String>> expected = new TreeMap<>();
      for (JsonNode s : raw.path("result")) {
        Map<String, String> labels = new TreeMap<>();
        s.path("metric").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        labels.put("cluster", "e2e");
        labels.put("replica", "a");
        List<String> samples = new ArrayList<>();
        for (JsonNode v : s.path("values")) {
          samples.add(Math.round(v.path(0).asDouble() * 1000) + "=" + normalise(Double.parseDouble(v.path(1).asText())));
        }
        expected.put(labels.toString(), samples);
      }
      assertTrue(expected.size() > 100, "Prometheus should hold hundreds of series, has " + expected.size());

      // The same bounds as the range selector: [to - range, to], both inclusive in Prometheus 2.x.
      long toMs = Math.round(to * 1000);
      List<RealInfluxDb.Series> stored = influx.select(db,
          "SELECT \"value\"::field, \"value_bits\"::field FROM /.*/ WHERE time >= " + (toMs - rangeMs) + "ms AND time <= "
              + toMs + "ms GROUP BY *");
      Map<String, List<String>> actual = new TreeMap<>();
      for (RealInfluxDb.Series s : stored) {
        Map<String, String> labels = new TreeMap<>();
        s.tags().forEach((k, v) -> {
          if (!v.isEmpty()) {
            labels.put(TagValues.decodeKey(k), TagValues.decode(v));
          }
        });
        List<String> samples = new ArrayList<>();
        for (List<JsonNode> row : s.rows()) {
          double v = row.get(2).isNull() ? row.get(1).asDouble() : Double.longBitsToDouble(row.get(2).asLong());
          if (!row.get(2).isNull() && row.get(2).asLong() == STALE_NAN) {
            continue; // the query API hides staleness markers; InfluxDB keeps them (remote_read returns them)
          }
          samples.add(row.get(0).asLong() + "=" + normalise(v));
        }
        if (!samples.isEmpty()) {
          actual.put(labels.toString(), samples);
        }
      }
      assertEquals(expected.keySet(), actual.keySet(), "same series");
      assertEquals(expected, actual, "same samples");
    }
  }

  /** The query API prints values with Go's shortest repr; compare as doubles, NaN by kind. */
  private static String normalise(double v) {
    return Double.isNaN(v) ? "NaN" : Double.toString(v);
  }
}
