package io.promgate.read;

import static io.promgate.read.ReadRequests.m;
import static io.promgate.read.ReadRequests.post;
import static io.promgate.read.ReadRequests.query;
import static io.promgate.read.ReadRequests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.promgate.prompb.Remote;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import io.promgate.testing.RemoteRequests;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * promgate's remote read behind a real Prometheus: what Prometheus computes from promgate's
 * answers must be what it computes from its own TSDB.
 */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class RemoteReadPrometheusTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestHTTPResource("/api/v1/write")
  URL writeUrl;

  @TestHTTPResource("/api/v1/read")
  URL readUrl;

  private final RealInfluxDb influx = RealInfluxDb.shared();

  /** A Prometheus whose only storage for queries is promgate (its own TSDB stays empty). */
  private RealPrometheus reader() {
    return RealPrometheus.start("""
        global:
          evaluation_interval: 1m
        remote_read:
          - url: %s
            read_recent: true
        """.formatted(readUrl));
  }

  @Test
  void queryRange_prometheusReadingPromgate_sameResultsAsThePrometheusThatWroteTheData() {
    String job = "rr_e2e";
    try (RealPrometheus writer = RealPrometheus.start(port -> """
        global:
          scrape_interval: 1s
          evaluation_interval: 1m
        scrape_configs:
          - job_name: %s
            static_configs:
              - targets: ['127.0.0.1:%d']
        remote_write:
          - url: %s
            queue_config:
              batch_send_deadline: 1s
        """.formatted(job, port, writeUrl));
        RealPrometheus reader = reader()) {
      long started = System.currentTimeMillis();
      Await.until(Duration.ofSeconds(60), "25 s of scrapes", () -> System.currentTimeMillis() - started > 25_000);
      double start = Math.ceil(started / 1000.0) + 3;
      double end = Math.floor(System.currentTimeMillis() / 1000.0) - 5;
      // Everything the writer scraped up to `end` must have reached InfluxDB through promgate.
      Await.until(Duration.ofSeconds(60), "samples after the window in InfluxDB", () -> {
        var s = influx.select(PromgateWithInfluxDb.database(),
            "SELECT last(\"value\") FROM \"up\" WHERE \"job\" = '" + job + "'");
        return !s.isEmpty() && s.get(0).column("time").get(0).asLong() > (end + 3) * 1000;
      });

      List<String> queries = List.of(
          "up{job=\"rr_e2e\"}",
          "prometheus_http_requests_total{job=\"rr_e2e\", handler!=\"/metrics\"}",
          "{job=\"rr_e2e\", __name__=~\"go_gc_duration_seconds.*\", quantile!~\"0|1\"}",
          "rate(prometheus_http_requests_total{job=\"rr_e2e\", code=~\"2..\"}[10s])",
          "count by (__name__) ({job=\"rr_e2e\", __name__=~\"go_.*\"})",
          "{job=\"rr_e2e\", __name__!~\"go_.*|process_.*|prometheus_.*|promhttp_.*|net_.*\"}",
          "sum by (instance) (scrape_samples_scraped{job=~\"rr_e2.*\"})",
          "prometheus_target_interval_length_seconds{job=\"rr_e2e\"}",
          "{__name__=~\"prometheus_tsdb_head_(series|chunks)\", job!=\"other\", job=~\"rr_.*\"}");
      for (String q : queries) {
        JsonNode expected = writer.queryRange(q, start, end, 1);
        JsonNode actual = reader.queryRange(q, start, end, 1);
        assertTrue(expected.path("result").size() > 0, "no data for " + q);
        assertEquals(expected.toString(), actual.toString(), q);
      }
    }
  }

  @Test
  void queryRange_multiDayHistoryWrittenThroughPromgate_isWhatWasWritten() {
    long hour = 3_600_000L;
    long t0 = (System.currentTimeMillis() / hour - 24 * 4) * hour; // four days ago, on the hour
    int n = 3 * 24 * 60; // three days at one sample a minute
    String name = "rr_history";
    String[][] labels = {
      {"__name__", name, "env", "prod", "region", "eu-west"},
      {"__name__", name, "env", "prod", "region", "eu-north"},
      {"__name__", name, "env", "staging", "region", "eu-west"},
      {"__name__", name, "env", "prod", "region", "us-east"},
    };
    List<Remote.TimeSeries.Builder> series = new ArrayList<>();
    for (int s = 0; s < labels.length; s++) {
      Remote.TimeSeries.Builder b = RemoteRequests.series(labels[s]);
      for (int k = 0; k < n; k++) {
        // eu-north stops half way with a staleness marker, like a target that went away
        if (s == 1 && k > n / 2) {
          break;
        }
        double v = s == 1 && k == n / 2 ? Double.longBitsToDouble(0x7ff0000000000002L) : value(s, k);
        RemoteRequests.sample(b, v, t0 + k * 60_000L);
      }
      series.add(b);
    }
    ReadRequests.write(writeUrl.toString(), series.toArray(new Remote.TimeSeries.Builder[0]));

    try (RealPrometheus reader = reader()) {
      double start = t0 / 1000.0;
      double end = (t0 + 3 * 24 * hour - hour) / 1000.0;
      String q = name + "{env!=\"staging\", region=~\"eu-.*\"}";
      JsonNode actual = reader.queryRange(q, start, end, 3600);
      assertEquals(expectedMatrix(labels, new int[] {0, 1}, t0, n, 72).toString(), actual.toString());

      JsonNode sum = reader.queryRange("sum(" + name + "{region!~\"us-.*\"})", start, end, 3600);
      JsonNode values = sum.path("result").path(0).path("values");
      assertEquals(72, values.size());
      for (int h = 0; h < 72; h++) {
        int k = h * 60;
        double expected = value(0, k) + value(2, k) + (k < n / 2 ? value(1, k) : 0);
        assertEquals(format(expected), values.path(h).path(1).asText(), "hour " + h);
      }
    }
  }

  /** Some structure, some fractions, some repeats: values by series and minute. */
  static double value(int series, int k) {
    return series * 10_000 + (k % 7 == 0 ? k : k * 0.5);
  }

  static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** Prometheus's matrix for the raw selector at whole hours, series in label order. */
  static JsonNode expectedMatrix(String[][] labels, int[] selected, long t0, int n, int hours) {
    ObjectNode root = JSON.createObjectNode();
    root.put("resultType", "matrix");
    ArrayNode result = root.putArray("result");
    List<Integer> order = new ArrayList<>();
    for (int s : selected) {
      order.add(s);
    }
    order.sort((a, b) -> Arrays.compare(labels[a], labels[b]));
    for (int s : order) {
      ObjectNode series = result.addObject();
      ObjectNode metric = series.putObject("metric");
      for (int i = 0; i < labels[s].length; i += 2) {
        metric.put(labels[s][i], labels[s][i + 1]);
      }
      ArrayNode values = series.putArray("values");
      for (int h = 0; h < hours; h++) {
        int k = h * 60;
        if (s == 1 && k >= n / 2) {
          continue; // stale from n/2 on
        }
        ArrayNode point = values.addArray();
        point.add((t0 + k * 60_000L) / 1000);
        point.add(format(value(s, k)));
      }
    }
    return root;
  }

  /**
   * Byte compatibility of the XOR encoding with Prometheus itself: a real Prometheus (remote-write
   * receiver) stores samples and streams them back as chunks; re-encoding each of its chunks'
   * samples with promgate's encoder must give the very bytes Prometheus sent.
   */
  @Test
  void xorChunks_sameBytesAsPrometheusForTheSameSamples() {
    try (RealPrometheus tsdb = RealPrometheus.start("global: {}\n", "--web.enable-remote-write-receiver")) {
      long now = System.currentTimeMillis();
      SplittableRandom r = new SplittableRandom(42);
      Remote.TimeSeries.Builder s = RemoteRequests.series("__name__", "xor_compat", "job", "x");
      // Prometheus cuts head chunks partly by time, relative to 2h-aligned ranges: start on such a
      // boundary so the chunk layout is the same whatever the wall clock says.
      long t = Math.floorDiv(now - 3 * 3_600_000L, 7_200_000L) * 7_200_000L + 60_000;
      double v = 1;
      int n = 400;
      for (int i = 0; i < n; i++) {
        t += 1000;
        if (i % 9 == 1) {
          t += r.nextInt(1, 8000); // a 14-bit delta of deltas
        } else if (i % 9 == 2) {
          t += r.nextInt(9000, 60_000); // 17 bits
        } else if (i % 45 == 3) {
          t += r.nextInt(70_000, 500_000); // 20 bits
        }
        if (i == 200) {
          t += 2_000_000; // beyond 20 bits: the 64-bit form
        }
        v = switch (i % 5) {
          case 0 -> v;
          case 1 -> v + 1;
          case 2 -> r.nextDouble() * 1000;
          case 3 -> i % 10 == 3 ? Double.NaN : Double.longBitsToDouble(0x7ff0000000000002L);
          default -> -v;
        };
        if (Double.isNaN(v) && i % 5 != 3) {
          v = 3;
        }
        RemoteRequests.sample(s, v, t);
        if (Double.isNaN(v)) {
          v = 5;
        }
      }
      Http.Response w = Http.post(tsdb.url() + "/api/v1/write",
          RemoteRequests.snappy(Remote.WriteRequest.newBuilder().addTimeseries(s).build().toByteArray()), ReadRequests.WRITE_HEADERS);
      assertEquals(204, w.status(), w.body());

      Http.Response resp = post(tsdb.url() + "/api/v1/read",
          request(true, query(now - 6 * 3_600_000L, now + 3_600_000L, m("__name__", "=", "xor_compat"))));
      assertEquals(200, resp.status(), resp.body());
      int samples = 0;
      int chunks = 0;
      for (StreamedChunks.Frame f : StreamedChunks.frames(resp.bytes())) {
        for (Remote.Chunk c : f.chunks()) {
          byte[] theirs = c.getData().toByteArray();
          XorChunk ours = new XorChunk();
          for (StreamedChunks.Sample x : StreamedChunks.xor(theirs)) {
            ours.append(x.t(), x.bits());
            samples++;
          }
          assertEquals(XorChunkTest.hex(theirs), XorChunkTest.hex(Arrays.copyOf(ours.bytes(), ours.length())), "chunk " + chunks);
          chunks++;
        }
      }
      assertEquals(n, samples);
      // From the aligned start Prometheus 2.42 cuts these 400 samples into 2 chunks (its chunks may
      // exceed 120 samples); what matters is that a chunk boundary is compared too.
      assertTrue(chunks >= 2, chunks + " chunks");
    }
  }
}
