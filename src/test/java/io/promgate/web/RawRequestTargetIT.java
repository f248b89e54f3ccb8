package io.promgate.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.Await;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same raw request targets, byte for byte, to a real Prometheus 2.42 and to promgate (which
 * federates from that Prometheus): what Prometheus's Go server accepts promgate accepts, decoded
 * the same way (same series), and where Prometheus refuses a query promgate refuses it with the
 * same status and, for query decoding errors, the same words.
 */
class RawRequestTargetIT {
  private static RealPrometheus prometheus;
  private static PromgateProcess promgate;

  @BeforeAll
  static void start() {
    prometheus = RealPrometheus.start(port -> """
        global: {scrape_interval: 1s}
        scrape_configs:
          - job_name: prometheus
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """.formatted(port));
    promgate = PromgateProcess.start("""
        storage: {influxdb: {url: '%s', database: raw_targets, create_database: false}}
        federation:
          upstreams: [{name: p, url: '%s'}]
        """.formatted(RealInfluxDb.shared().url(), prometheus.url()));
    Await.until(Duration.ofSeconds(30), "Prometheus scraped itself",
        () -> !series(RawHttp.get(prometheus.url(), "/federate?match[]=up").body()).isEmpty());
  }

  @AfterAll
  static void stop() {
    if (promgate != null) {
      promgate.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
  }

  /** Series identities ({@code name{labels}}) of an exposition answer, values and timestamps cut off. */
  private static TreeSet<String> series(String exposition) {
    TreeSet<String> out = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        int end = line.lastIndexOf('}');
        out.add(end > 0 ? line.substring(0, end + 1) : line.substring(0, line.indexOf(' ')));
      }
    }
    return out;
  }

  @Test
  void federate_rawSelectorsAsPrometheusAccepts_sameStatusSameSeries() {
    List<String> targets = List.of(
        // the seed's federation URL typed raw, as `curl -g` sends it
        "/federate?match[]={job=\"prometheus\"}&match[]={__name__=~\"job:.*\"}",
        "/federate?match[]={__name__=~\"up|prometheus_build_info\",job=\"prometheus\"}",
        "/federate?match[]={job=~\"^prom.*$\",+__name__=\"up\"}",              // '+' is a space
        "/federate?match[]={__name__=`up`}",                                    // backtick strings
        "/federate?match[]={__name__=\"up\",job!~\"<x>|[a-c]^\"}",               // < > [ ] ^
        "/federate?match%5B%5D=%7B__name__%3D%22up%22%7D",                      // all escaped
        "/federate?match[]=up&match[]=up",
        "/federate?match[]={job=\"pr\u00c3\u00a9\",__name__=\"up\"}",            // raw UTF-8 bytes
        "/federate?match[]=up&&x=&=y&z",                                        // empty pairs and keys
        "/federate?other=1");
    List<String> mismatches = new ArrayList<>();
    for (String t : targets) {
      RawHttp.Response want = RawHttp.get(prometheus.url(), t);
      RawHttp.Response got = RawHttp.get(promgate.url(), t);
      assertEquals(200, want.status(), t + ": Prometheus " + want.body());
      if (got.status() != want.status() || !series(got.body()).equals(series(want.body()))) {
        mismatches.add(t + "\n  Prometheus " + want.status() + " " + series(want.body())
            + "\n  promgate   " + got.status() + " " + series(got.body()) + " " + got.body().lines().findFirst().orElse(""));
      }
    }
    assertEquals(List.of(), mismatches);
    assertFalse(series(RawHttp.get(promgate.url(), targets.get(0)).body()).isEmpty(), "the seed's URL finds series");
  }

  @Test
  void federate_queriesPrometheusRefuses_sameStatusSameReason() {
    List<String> targets = List.of(
        "/federate?match[]=up%zz",
        "/federate?match[]=up&a=%",
        "/federate?match[]=up&a=%4",
        "/federate?match[]=up;x",
        "/federate?a;b=1&match[]=up",
        "/federate?match[]=%ff%zz");
    for (String t : targets) {
      RawHttp.Response want = RawHttp.get(prometheus.url(), t);
      RawHttp.Response got = RawHttp.get(promgate.url(), t);
      assertEquals(400, want.status(), t);
      assertEquals(want.status() + " " + want.body(), got.status() + " " + got.body(), t);
    }
  }

  @Test
  void anyPath_targetsGoRefuses_400WithReason() {
    // Go's server refuses these before any handler (400); promgate does too, with a reason.
    for (String t : List.of("/federate?match[]={job=\"a\u0001\"}", "/-/healthy?x=\u007f", "/fed%zzerate",
        "/-/ready%2")) {
      RawHttp.Response want = RawHttp.get(prometheus.url(), t);
      RawHttp.Response got = RawHttp.get(promgate.url(), t);
      assertEquals(400, want.status(), t);
      assertEquals(400, got.status(), t + ": " + got.body());
      assertTrue(got.body().startsWith("bad request: invalid "), t + ": " + got.body());
      assertTrue(got.body().endsWith("\n") && got.body().indexOf('\n') == got.body().length() - 1, got.body());
    }
    // Raw characters in a query nobody reads are no reason to refuse a probe.
    assertEquals(200, RawHttp.get(promgate.url(), "/-/healthy?x={\"|^<>`}").status());
  }

  /** Every error answer carries one line of text, whoever gives it (handler, router, HTTP stack). */
  @Test
  void errorAnswers_oneLineTextReason() {
    String url = promgate.url();
    assertReason(RawHttp.get(url, "/no/such/path"), 404, "404 page not found\n");
    assertReason(RawHttp.exchange(url, "DELETE", "/-/healthy", null), 405, "method DELETE not allowed for /-/healthy\n");
    assertReason(RawHttp.exchange(url, "PATCH", "/federate", null), 405, "method PATCH not allowed, use GET\n");
    // remote_write.max_body_bytes (16 MiB by default) answers the oversized write, naming the key
    // (Quarkus's own 10 MiB limit used to answer first, with an empty 413)
    String[] write = {"Content-Type", "application/x-protobuf", "Content-Encoding", "snappy"};
    assertReason(RawHttp.exchange(url, "POST", "/api/v1/write", new byte[17 << 20], write), 413,
        "request body over the limit of 16777216 bytes (remote_write.max_body_bytes)\n");
    RawHttp.Response under = RawHttp.exchange(url, "POST", "/api/v1/write", new byte[12 << 20], write);
    assertEquals(400, under.status(), "12 MiB is within the limit: decoded, and refused as not snappy: " + under.body());
    assertReason(RawHttp.exchange(url, "POST", "/no/such/path", null, "Content-Length", "5000000000"), 413,
        "request body over 1073741824 bytes\n");
  }

  private static void assertReason(RawHttp.Response r, int status, String body) {
    assertEquals(status + " " + body, r.status() + " " + r.body(), r.head());
    assertTrue(r.head().toLowerCase(Locale.ROOT).contains("content-type: text/plain"), r.head());
  }
}
