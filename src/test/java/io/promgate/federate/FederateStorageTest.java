package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import io.promgate.write.SnappyBlocks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * /federate from InfluxDB (the storage source, which the shared test config selects: it has no
 * upstreams). Samples go in through promgate's own /api/v1/write, as Prometheus sends them.
 */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class FederateStorageTest {
  private static final long STALE = 0x7ff0000000000002L;

  @TestHTTPResource("/api/v1/write")
  URL write;

  @TestHTTPResource("/")
  URL root;

  private String base() {
    String r = root.toString();
    return r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
  }

  /** A series as Prometheus sends it: labels sorted by name. */
  private static Remote.TimeSeries series(String[] labels, double[] values, long[] ts) {
    Remote.TimeSeries.Builder b = Remote.TimeSeries.newBuilder();
    TreeMap<String, String> sorted = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      sorted.put(labels[i], labels[i + 1]);
    }
    sorted.forEach((n, v) -> b.addLabels(Remote.Label.newBuilder().setName(n).setValue(v)));
    for (int i = 0; i < values.length; i++) {
      b.addSamples(Remote.Sample.newBuilder().setValue(values[i]).setTimestamp(ts[i]));
    }
    return b.build();
  }

  private void remoteWrite(Remote.TimeSeries... series) {
    byte[] pb = Remote.WriteRequest.newBuilder().addAllTimeseries(List.of(series)).build().toByteArray();
    Http.Response r = Http.post(write.toString(), SnappyBlocks.compress(pb, 0, pb.length),
        "Content-Type", "application/x-protobuf", "Content-Encoding", "snappy",
        "X-Prometheus-Remote-Write-Version", "0.1.0");
    assertEquals(204, r.status(), r.body());
  }

  private Http.Response federate(String... match) {
    String q = Arrays.stream(match).map(m -> "match%5B%5D=" + Http.param(m)).collect(Collectors.joining("&"));
    return Http.get(base() + "/federate?" + q);
  }

  private static String[] l(String... labels) {
    return labels;
  }

  @Test
  void federate_afterRemoteWrite_latestSampleInLookbackPerSeries() {
    long now = System.currentTimeMillis();
    remoteWrite(
        series(l("__name__", "fs_metric", "job", "a", "instance", "h:1"), new double[] {1, 2, 3},
            new long[] {now - 120_000, now - 60_000, now - 30_000}),
        series(l("__name__", "fs_metric", "job", "b"), new double[] {1.5e-7}, new long[] {now - 10_000}),
        series(l("__name__", "fs_metric", "job", "old"), new double[] {9}, new long[] {now - 600_000}),
        series(l("__name__", "fs_metric", "job", "stale"), new double[] {5, Double.longBitsToDouble(STALE)},
            new long[] {now - 60_000, now - 30_000}),
        series(l("__name__", "fs_metric", "job", "revived"), new double[] {Double.longBitsToDouble(STALE), 6},
            new long[] {now - 60_000, now - 30_000}),
        series(l("__name__", "fs_metric", "job", "nan"), new double[] {4, Double.NaN}, new long[] {now - 40_000, now - 20_000}),
        series(l("__name__", "fs_metric", "job", "inf"), new double[] {Double.NEGATIVE_INFINITY, 1e21},
            new long[] {now - 40_000, now - 41_000}),
        series(l("__name__", "fs_other", "job", "a"), new double[] {123456789}, new long[] {now - 5_000}),
        series(l("__name__", "fs_weird", "v", "line\nbreak", "w", "trail\\", "q", "\"%pg:x\""), new double[] {1},
            new long[] {now - 5_000}),
        series(l("__name__", "fs_weird", "time", "noon"), new double[] {2}, new long[] {now - 5_000}),
        series(l("__name__", "fs_unmatched", "job", "a"), new double[] {1}, new long[] {now - 5_000}));

    Http.Response r = federate("{__name__=~\"fs_(metric|other|weird)\"}");
    assertEquals(200, r.status(), r.body());
    assertEquals(FederateHandler.CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(""));
    assertEquals("""
        # TYPE fs_metric untyped
        fs_metric{instance="h:1",job="a"} 3 %d
        fs_metric{job="b",instance=""} 1.5e-07 %d
        fs_metric{job="inf",instance=""} -Inf %d
        fs_metric{job="nan",instance=""} NaN %d
        fs_metric{job="revived",instance=""} 6 %d
        # TYPE fs_other untyped
        fs_other{job="a",instance=""} 1.23456789e+08 %d
        # TYPE fs_weird untyped
        fs_weird{q="\\"%%pg:x\\"",v="line\\nbreak",w="trail\\\\",instance=""} 1 %d
        fs_weird{time="noon",instance=""} 2 %d
        """.formatted(now - 30_000, now - 10_000, now - 40_000, now - 20_000, now - 30_000, now - 5_000, now - 5_000,
        now - 5_000), r.body());
  }

  @Test
  void federate_selectors_pushedDownOrAppliedHere_sameAnswer() {
    long now = System.currentTimeMillis();
    remoteWrite(
        series(l("__name__", "fsel_a", "job", "x", "env", "prod"), new double[] {1}, new long[] {now - 1000}),
        series(l("__name__", "fsel_a", "job", "y", "env", "dev"), new double[] {2}, new long[] {now - 1000}),
        series(l("__name__", "fsel_b", "job", "x", "v", "a\nb"), new double[] {3}, new long[] {now - 1000}),
        series(l("__name__", "fsel_b", "job", "z"), new double[] {4}, new long[] {now - 1000}));
    assertEquals("# TYPE fsel_a untyped\nfsel_a{env=\"prod\",job=\"x\",instance=\"\"} 1 " + (now - 1000) + "\n"
        + "# TYPE fsel_b untyped\nfsel_b{job=\"x\",v=\"a\\nb\",instance=\"\"} 3 " + (now - 1000) + "\n",
        federate("{__name__=~\"fsel_.*\",job=\"x\"}").body());
    assertEquals("# TYPE fsel_b untyped\nfsel_b{job=\"x\",v=\"a\\nb\",instance=\"\"} 3 " + (now - 1000) + "\n",
        federate("fsel_b{v=\"a\\nb\"}").body());
    assertEquals("# TYPE fsel_a untyped\nfsel_a{env=\"dev\",job=\"y\",instance=\"\"} 2 " + (now - 1000) + "\n"
        + "# TYPE fsel_b untyped\nfsel_b{job=\"z\",instance=\"\"} 4 " + (now - 1000) + "\n",
        federate("fsel_a{env!=\"prod\"}", "fsel_b{job=\"z\"}", "fsel_b{job=\"z\",env=\"\"}").body());
    assertEquals("# TYPE fsel_b untyped\nfsel_b{job=\"z\",instance=\"\"} 4 " + (now - 1000) + "\n",
        federate("fsel_b{v=\"\"}").body());
    assertEquals("", federate("fsel_a{job=\"nope\"}").body());
    assertEquals(400, federate("fsel_a{").status());
  }

  @Test
  void federate_manySelectors_requestLineBeyondFourKiB_served() {
    long now = System.currentTimeMillis();
    remoteWrite(series(l("__name__", "flong_metric_77", "job", "x"), new double[] {7}, new long[] {now - 1000}));
    String[] match = new String[200];
    for (int i = 0; i < match.length; i++) {
      match[i] = "flong_metric_" + i + "{job=~\"x|y\"}";
    }
    Http.Response r = federate(match);
    assertEquals(200, r.status(), r.body());
    assertEquals("# TYPE flong_metric_77 untyped\nflong_metric_77{job=\"x\",instance=\"\"} 7 " + (now - 1000) + "\n",
        r.body());
  }

  @Test
  void federate_influxDbDown_503() {
    RealInfluxDb influx = RealInfluxDb.shared();
    assumeTrue(influx.canStopAndStart(), "needs an InfluxDB this test can stop");
    influx.stop();
    try {
      Http.Response r = federate("up");
      assertEquals(503, r.status());
      assertTrue(r.body().startsWith("InfluxDB unreachable at "), r.body());
    } finally {
      influx.start();
    }
  }

  /**
   * A real Prometheus remote-writes to promgate; promgate's /federate then answers as that
   * Prometheus's own /federate does: the same lines for samples with explicit timestamps, the
   * same series for the rest (their values move on between the two answers).
   */
  @Test
  void federate_prometheusRemoteWrites_sameAnswerAsItsOwnFederate() {
    // Prometheus remote-writes only samples newer than its own start: the target's explicit
    // timestamps are taken once Prometheus runs.
    AtomicReference<String> body = new AtomicReference<>("");
    try (StaticServer target = StaticServer.text(body::get);
        RealPrometheus prometheus = RealPrometheus.start("""
            global: {scrape_interval: 1s}
            remote_write:
              - url: %s
                queue_config: {batch_send_deadline: 1s}
            scrape_configs:
              - job_name: rw
                static_configs: [{targets: ['%s']}]
            """.formatted(write, target.target()))) {
      long t0 = System.currentTimeMillis();
      body.set("""
          rw_edge{case="int"} 123456789 %1$d
          rw_edge{case="third"} 0.3333333333333333 %1$d
          rw_edge{case="nan"} NaN %1$d
          rw_edge{case="inf"} +Inf %1$d
          rw_edge{case="escapes",v="q\\"b\\\\s\\nl"} 1 %1$d
          rw_edge{case="utf8",v="é✓"} 2 %1$d
          """.formatted(t0));
      List<String> match = List.of("rw_edge", "{job=\"rw\",__name__=~\"up|scrape_samples_scraped\"}");
      String[] answers = new String[2];
      try {
        Await.until(Duration.ofSeconds(60), "promgate serves what Prometheus remote-wrote", () -> {
          answers[0] = prometheus.getText("/federate?" + query(match));
          answers[1] = federate(match.toArray(String[]::new)).body();
          return explicit(answers[1], t0).size() == 6 && labelParts(answers[0]).equals(labelParts(answers[1]));
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nPrometheus:\n" + answers[0] + "promgate:\n" + answers[1], e);
      }
      assertEquals(explicit(answers[0], t0), explicit(answers[1], t0));
      assertEquals(6, explicit(answers[1], t0).size());
      assertEquals(answers[0].lines().filter(l -> l.startsWith("#")).toList(),
          answers[1].lines().filter(l -> l.startsWith("#")).toList());
    }
  }

  private static String query(List<String> match) {
    return match.stream().map(m -> "match%5B%5D=" + Http.param(m)).collect(Collectors.joining("&"));
  }

  private static Set<String> labelParts(String text) {
    return text.lines().filter(l -> !l.startsWith("#")).map(l -> l.substring(0, l.lastIndexOf('}') + 1))
        .collect(Collectors.toSet());
  }

  private static Set<String> explicit(String text, long t0) {
    return text.lines().filter(l -> l.endsWith(" " + t0)).collect(Collectors.toSet());
  }
}
