package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealPrometheus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

/**
 * /federate from upstreams, end to end with real Prometheus servers: shard Prometheus servers
 * scraping their own targets, the packaged promgate (its real routes, metrics and reload) fanning
 * out to them, a central Prometheus scraping promgate as the seed's federation job does. Static
 * upstreams ({@link StaticServer}) remain only where no Prometheus can give the answer under test:
 * exact text with chosen timestamps, unsorted, broken, slow, refusing or match[]-ignoring peers,
 * and a recording peer for the exact credentials on the wire.
 */
class FederateUpstreamsIT {
  /** The seed's central federation job: its match[] values. */
  static final List<String> SEED_MATCH = List.of("{job=\"prometheus\"}", "{__name__=~\"job:.*\"}", "{__name__=~\"node.*\"}");

  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  record Answer(int status, Map<String, List<String>> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null ? null : v.get(0);
    }
  }

  static Answer get(String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String query(List<String> match) {
    return match.stream().map(m -> "match%5B%5D=" + URLEncoder.encode(m, StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  static String federate(String baseUrl, List<String> match) {
    Answer a = get(baseUrl + "/federate?" + query(match));
    assertEquals(200, a.status(), a.text());
    return a.text();
  }

  /** A shard Prometheus: scrapes itself (job="prometheus") and {@code targets} (job="node"), records job:... */
  static RealPrometheus shard(String externalLabels, String... targets) {
    Path rules;
    try {
      rules = Files.createTempFile("promgate-rules", ".yml");
      Files.writeString(rules, """
          groups:
            - name: job
              interval: 1s
              rules:
                - record: job:node_cpu_seconds:sum
                  expr: sum by (job) (node_cpu_seconds_total)
          """);
      rules.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String targetList = Arrays.stream(targets).map(t -> "'" + t + "'").collect(Collectors.joining(", "));
    return RealPrometheus.start(port -> """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
          external_labels: {%s}
        rule_files: ['%s']
        scrape_configs:
          - job_name: prometheus
            static_configs: [{targets: ['127.0.0.1:%d']}]
          - job_name: node
            static_configs: [{targets: [%s]}]
        """.formatted(externalLabels, rules, port, targetList));
  }

  static String node(String host, double cpu) {
    return """
        # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
        # TYPE node_cpu_seconds_total counter
        node_cpu_seconds_total{cpu="0",mode="idle"} %s
        node_cpu_seconds_total{cpu="1",mode="idle"} %s
        # TYPE node_load1 gauge
        node_load1 0.25
        node_uname_info{nodename="%s",release="6.1.0"} 1
        other_metric{not="federated"} 5
        """.formatted(cpu, cpu * 2, host);
  }

  /** Lines of a text-format answer, parsed: name and labels (empty values dropped), value, timestamp. */
  record Line(String name, Map<String, String> labels, String value, String timestamp, String labelText) {}

  private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})? (\\S+)(?: (\\S+))?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  static List<Line> lines(String text) {
    List<Line> out = new ArrayList<>();
    for (String l : text.split("\n")) {
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(l);
      assertTrue(m.matches(), "not a sample line: " + l);
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null) {
        Matcher lm = LABEL.matcher(m.group(2));
        while (lm.find()) {
          if (!lm.group(2).isEmpty()) {
            labels.put(lm.group(1), lm.group(2));
          }
        }
      }
      out.add(new Line(m.group(1), labels, m.group(3), m.group(4), m.group(1) + (m.group(2) == null ? "" : m.group(2))));
    }
    return out;
  }

  static List<String> familyNames(String text) {
    return text.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]).toList();
  }

  @Test
  void federate_singleUpstream_equalsThatPrometheusOwnFederate() {
    long t0 = System.currentTimeMillis() - 10_000;
    // Explicit timestamps make these samples identical in both answers (no freshness to allow for).
    String edge = """
        edge_values{case="int"} 123456789 %1$d
        edge_values{case="small"} 1.5e-07 %1$d
        edge_values{case="third"} 0.3333333333333333 %1$d
        edge_values{case="nan"} NaN %1$d
        edge_values{case="inf"} +Inf %1$d
        edge_values{case="minf"} -Inf %1$d
        edge_values{case="negzero"} -0 %1$d
        edge_values{case="escapes",v="q\\"b\\\\s\\nl"} 1 %1$d
        edge_values{case="utf8",v="é✓"} 2 %1$d
        edge_values{case="zone",zone="own"} 3 %1$d
        edge_values{a_first="1",case="sorted"} 4 %1$d
        node_load1{instance="exported",case="x"} 5 %1$d
        node_cpu_seconds_total{cpu="0",mode="idle"} 7 %1$d
        """.formatted(t0);
    try (StaticServer target = StaticServer.text(() -> edge);
        RealPrometheus slave = shard("shard: '0', zone: z, a_ext: x", target.target());
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: shard-0, url: "%s"}]
            """.formatted(slave.url()))) {
      List<List<String>> selectorSets = List.of(SEED_MATCH, List.of("edge_values"), List.of("{job=\"node\"}"),
          List.of("{__name__=~\".+\"}"), List.of("{case=~\"n.*\",case!=\"nan\"}", "up"));
      Await.until(Duration.ofSeconds(30), "shard scraped and recorded", () ->
          federate(slave.url(), List.of("{__name__=~\"job:.*|edge_values\"}")).contains("job:node_cpu_seconds:sum")
              && federate(slave.url(), List.of("edge_values")).contains("case=\"sorted\""));
      for (List<String> match : selectorSets) {
        // The shard's own series can change between two requests (a counter seen for the first
        // time); compare answers fetched back to back, retrying while they differ in series.
        String theirs = null;
        String ours = null;
        for (int attempt = 0; attempt < 5; attempt++) {
          theirs = federate(slave.url(), match);
          ours = federate(promgate.url(), match);
          if (labelParts(theirs).equals(labelParts(ours))) {
            break;
          }
        }
        // Prometheus sorts its answer by metric name: the premise of the streaming merge.
        List<String> names = familyNames(theirs);
        assertEquals(names.stream().sorted().toList(), names, "Prometheus's /federate is sorted by name");
        assertEquals(names, familyNames(ours), "same families in the same order for " + match);
        // As sets of lines: the label part of every line, and whole lines where timestamps are explicit.
        assertEquals(labelParts(theirs), labelParts(ours), "label parts for " + match);
        assertEquals(explicitLines(theirs, t0), explicitLines(ours, t0), "whole lines for " + match);
        assertEquals(theirs.lines().filter(l -> l.startsWith("#")).collect(Collectors.toSet()),
            ours.lines().filter(l -> l.startsWith("#")).collect(Collectors.toSet()));
      }
      assertTrue(explicitLines(federate(promgate.url(), List.of("edge_values")), t0).contains(
          "edge_values{case=\"escapes\",instance=\"" + target.target() + "\",job=\"node\",v=\"q\\\"b\\\\s\\nl\",a_ext=\"x\",shard=\"0\",zone=\"z\"} 1 " + t0));
      assertTrue(federate(promgate.url(), List.of("{__name__=~\"job:.*\"}")).contains(
          "job:node_cpu_seconds:sum{job=\"node\",a_ext=\"x\",instance=\"\",shard=\"0\",zone=\"z\"} "));
    }
  }

  private static Set<String> labelParts(String text) {
    return lines(text).stream().map(Line::labelText).collect(Collectors.toSet());
  }

  private static Set<String> explicitLines(String text, long t0) {
    return text.lines().filter(l -> l.endsWith(" " + t0)).collect(Collectors.toSet());
  }

  @Test
  void federate_centralPrometheusScrapesTwoShards_everySeriesOnceAndSurvivesAShardStopping() {
    try (StaticServer node0 = StaticServer.text(() -> node("host-0", 100));
        StaticServer node1 = StaticServer.text(() -> node("host-1", 200));
        StaticServer node2 = StaticServer.text(() -> node("host-2", 300));
        RealPrometheus shard0 = shard("shard: '0'", node0.target());
        RealPrometheus shard1 = shard("shard: '1'", node1.target(), node2.target());
        PromgateProcess promgate = PromgateProcess.start("""
            global:
              external_labels: {gateway: gw-1}
            federation:
              upstreams:
                - {name: shard-0, url: "%s"}
                - {name: shard-1, url: "%s"}
            """.formatted(shard0.url(), shard1.url()));
        RealPrometheus central = RealPrometheus.start("""
            global: {scrape_interval: 1s}
            scrape_configs:
              - job_name: federate
                honor_labels: true
                metrics_path: /federate
                params:
                  'match[]': ['{job="prometheus"}', '{__name__=~"job:.*"}', '{__name__=~"node.*"}']
                static_configs: [{targets: ['127.0.0.1:%d']}]
            """.formatted(promgate.port()))) {
      String seed = SEED_MATCH.stream().collect(Collectors.joining(" or "));
      // Every series of every shard, with its labels plus gateway=gw-1, nothing else and nothing twice.
      Set<Map<String, String>>[] last = new Set[2];
      Await.until(Duration.ofSeconds(60), "central has exactly the shards' series", () -> {
        Set<Map<String, String>> expected = expected(List.of(shard0, shard1));
        Set<Map<String, String>> got = instant(central, seed);
        last[0] = expected;
        last[1] = got;
        return expected.equals(got) && expected.stream().anyMatch(l -> l.get("__name__").startsWith("job:"))
            && expected.stream().anyMatch(l -> "1".equals(l.get("shard")) && "host-2".equals(l.get("nodename")));
      });
      // Equal sets also mean nothing twice: no series both with and without gateway, or with exported_*.
      assertTrue(last[1].size() > 20, "series: " + last[1].size());
      assertTrue(last[1].stream().allMatch(l -> l.get("gateway").equals("gw-1")));
      assertTrue(last[1].stream().allMatch(l -> l.get("__name__").startsWith("job:")
          ? !l.containsKey("instance") : l.get("instance").startsWith("127.0.0.1:")),
          "central added no instance of its own: " + last[1]);
      assertTrue(last[1].stream().noneMatch(l -> l.get("__name__").equals("other_metric")));
      assertTrue(promgate.metrics().contains("promgate_federate_upstream_up{upstream=\"shard-1\"} 1.0"),
          promgate.metrics());

      // One shard stops: promgate keeps serving the other, central keeps ingesting it. (Federated
      // samples carry timestamps, so central writes no stale markers for shard 1: its series just
      // stop getting samples and age out of the lookback window.)
      shard1.stop();
      awaitEqual("promgate serves exactly shard 0's series", () -> expected(List.of(shard0)),
          () -> withGateway(lines(federate(promgate.url(), SEED_MATCH))));
      int[] counts = new int[3];
      try {
        Await.until(Duration.ofSeconds(30), "central gets fresh samples of every shard 0 series, none of shard 1", () -> {
          counts[0] = fresh(central, "0");
          counts[1] = expected(List.of(shard0)).size();
          counts[2] = fresh(central, "1");
          return counts[0] == counts[1] && counts[2] == 0;
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + ": fresh shard 0 " + counts[0] + " of " + counts[1]
            + ", fresh shard 1 " + counts[2], e);
      }
      assertEquals(1.0, scalar(central, "up{job=\"federate\"}"), "central's scrape of promgate succeeds");
      String metrics = promgate.metrics();
      assertTrue(metrics.contains("promgate_federate_upstream_up{upstream=\"shard-1\"} 0.0"), metrics);
      assertTrue(metrics.contains("promgate_federate_upstream_up{upstream=\"shard-0\"} 1.0"), metrics);
      assertTrue(metric(metrics, "promgate_federate_upstream_errors_total{reason=\"unreachable\",upstream=\"shard-1\"}") >= 1,
          metrics);
      assertEquals(0, metric(metrics, "promgate_federate_upstream_errors_total{reason=\"unreachable\",upstream=\"shard-0\"}"));
      assertTrue(metric(metrics, "promgate_federate_upstream_request_duration_seconds_count{upstream=\"shard-1\"}") >= 1);
      assertTrue(metric(metrics, "promgate_federate_requests_total{code=\"200\"}") >= 2);
    }
  }

  /** Waits until both sides give the same set; on timeout, says what differs. */
  private static <T> void awaitEqual(String what, Supplier<Set<T>> expected,
      Supplier<Set<T>> actual) {
    List<Set<T>> last = new ArrayList<>(List.of(Set.of(), Set.of()));
    try {
      Await.until(Duration.ofSeconds(30), what, () -> {
        last.set(0, expected.get());
        last.set(1, actual.get());
        return last.get(0).equals(last.get(1));
      });
    } catch (AssertionError e) {
      Set<T> missing = new HashSet<>(last.get(0));
      missing.removeAll(last.get(1));
      Set<T> extra = new HashSet<>(last.get(1));
      extra.removeAll(last.get(0));
      throw new AssertionError(e.getMessage() + "\nmissing: " + missing + "\nunexpected: " + extra, e);
    }
  }

  /** What central should hold: each shard's own /federate answer, plus promgate's gateway label. */
  private static Set<Map<String, String>> expected(List<RealPrometheus> shards) {
    Set<Map<String, String>> out = new HashSet<>();
    for (RealPrometheus s : shards) {
      for (Line l : lines(federate(s.url(), SEED_MATCH))) {
        Map<String, String> labels = new TreeMap<>(l.labels());
        labels.put("__name__", l.name());
        labels.putIfAbsent("gateway", "gw-1");
        out.add(labels);
      }
    }
    return out;
  }

  private static Set<Map<String, String>> withGateway(List<Line> lines) {
    Set<Map<String, String>> out = new HashSet<>();
    for (Line l : lines) {
      Map<String, String> labels = new TreeMap<>(l.labels());
      labels.put("__name__", l.name());
      out.add(labels);
    }
    return out;
  }

  /** How many of central's series of {@code shard} got a sample in the last 5 seconds. */
  private static int fresh(RealPrometheus central, String shard) {
    // A range selector keeps every series apart (functions would drop __name__ and collide).
    return central.query("{__name__=~\".+\",shard=\"" + shard + "\"}[5s]", System.currentTimeMillis() / 1000.0)
        .get("result").size();
  }

  private static Set<Map<String, String>> instant(RealPrometheus p, String promql) {
    Set<Map<String, String>> out = new HashSet<>();
    JsonNode result = p.query(promql, System.currentTimeMillis() / 1000.0).get("result");
    for (JsonNode r : result) {
      Map<String, String> labels = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = r.get("metric").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        labels.put(e.getKey(), e.getValue().asText());
      }
      out.add(labels);
    }
    return out;
  }

  private static double scalar(RealPrometheus p, String promql) {
    JsonNode r = p.query(promql, System.currentTimeMillis() / 1000.0).get("result");
    assertEquals(1, r.size(), promql + " -> " + r);
    return Double.parseDouble(r.get(0).get("value").get(1).asText());
  }

  static double metric(String metricsText, String series) {
    for (String l : metricsText.split("\n")) {
      if (l.startsWith(series + " ")) {
        return Double.parseDouble(l.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError(series + " not in\n" + metricsText);
  }

  @Test
  void federate_haReplicas_oneSeriesEachFreshestSampleWins() {
    long now = System.currentTimeMillis();
    long a1 = now - 60_000;
    long a2 = now - 20_000;
    long b1 = now - 30_000;
    long b2 = now - 40_000;
    // Both replicas scrape "the same" app (honor_labels keeps its job/instance); they saw it at different times.
    String appA = "ha_metric{job=\"app\",instance=\"app-1\",k=\"1\"} 10 %d\nha_metric{job=\"app\",instance=\"app-1\",k=\"2\"} 20 %d\n"
        .formatted(a1, a2);
    String appB = "ha_metric{job=\"app\",instance=\"app-1\",k=\"1\"} 11 %d\nha_metric{job=\"app\",instance=\"app-1\",k=\"2\"} 21 %d\n"
        .formatted(b1, b2);
    try (StaticServer targetA = StaticServer.text(() -> appA);
        StaticServer targetB = StaticServer.text(() -> appB);
        RealPrometheus replicaA = replica("a", targetA.target());
        RealPrometheus replicaB = replica("b", targetB.target());
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              dedup_labels: [replica]
              upstreams:
                - {name: shard-0-a, url: "%s"}
                - {name: shard-0-b, url: "%s"}
            """.formatted(replicaA.url(), replicaB.url()))) {
      Await.until(Duration.ofSeconds(30), "both replicas scraped", () ->
          federate(replicaA.url(), List.of("ha_metric")).contains("k=\"2\"")
              && federate(replicaB.url(), List.of("ha_metric")).contains("k=\"2\""));
      assertEquals("""
          # TYPE ha_metric untyped
          ha_metric{instance="app-1",job="app",k="1",shard="0"} 11 %d
          ha_metric{instance="app-1",job="app",k="2",shard="0"} 20 %d
          """.formatted(b1, a2), federate(promgate.url(), List.of("ha_metric")));
      assertTrue(metric(promgate.metrics(), "promgate_federate_deduplicated_series_total") >= 2);
    }
  }

  private static RealPrometheus replica(String replica, String target) {
    return RealPrometheus.start("""
        global:
          scrape_interval: 1s
          external_labels: {shard: '0', replica: %s}
        scrape_configs:
          - job_name: app
            honor_labels: true
            static_configs: [{targets: ['%s']}]
        """.formatted(replica, target));
  }

  /** Families across upstreams grouped by name: a k-way merge of name-sorted answers. */
  @Test
  void federate_staticUpstreams_familiesMergedByNameAcrossUpstreams() {
    String a = "# TYPE a untyped\na{u=\"A\"} 1 1000\n# TYPE c untyped\nc{u=\"A\"} 3 1000\nc{same=\"x\"} 30 1000\n";
    String b = "# TYPE b untyped\nb{u=\"B\"} 2 1000\n# TYPE c untyped\nc{u=\"B\"} 4 1000\nc{same=\"x\"} 31 2000\nd{u=\"B\"} 5\n";
    try (StaticServer upA = StaticServer.text(() -> a);
        StaticServer upB = StaticServer.text(() -> b);
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: a, url: "%s"}, {name: b, url: "%s"}]
            """.formatted(upA.url(), upB.url()))) {
      assertEquals("""
          # TYPE a untyped
          a{u="A",instance=""} 1 1000
          # TYPE b untyped
          b{u="B",instance=""} 2 1000
          # TYPE c untyped
          c{u="A",instance=""} 3 1000
          c{same="x",instance=""} 31 2000
          c{u="B",instance=""} 4 1000
          # TYPE d untyped
          d{u="B",instance=""} 5
          """, federate(promgate.url(), List.of("{u=~\".+\"}", "{same=\"x\"}")));
      assertEquals(1, metric(promgate.metrics(), "promgate_federate_deduplicated_series_total"));
    }
  }

  /** Big answers arriving in many network chunks: every family once, in order, every series once. */
  @Test
  void federate_largeAnswers_mergedFamilyByFamily() {
    int families = 60;
    int perFamily = 2000;
    IntFunction<String> shard = k -> {
      StringBuilder sb = new StringBuilder();
      for (int f = 0; f < families; f++) {
        sb.append("# TYPE big_").append(String.format("%02d", f)).append(" untyped\n");
        for (int i = 0; i < perFamily; i++) {
          // shard 1 has the odd families only; series i=0 is on both shards (same labels)
          if (k == 1 && f % 2 == 0) {
            break;
          }
          String id = i == 0 ? "shared" : k + "-" + i;
          sb.append("big_").append(String.format("%02d", f)).append("{id=\"").append(id).append("\"} ")
              .append(i).append(' ').append(1000 + k).append('\n');
        }
      }
      return sb.toString();
    };
    String a = shard.apply(0);
    String b = shard.apply(1);
    try (StaticServer up0 = StaticServer.text(() -> a);
        StaticServer up1 = StaticServer.text(() -> b);
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: s0, url: "%s"}, {name: s1, url: "%s"}]
            """.formatted(up0.url(), up1.url()))) {
      String out = federate(promgate.url(), List.of("{__name__=~\"big_.*\"}"));
      List<String> names = familyNames(out);
      assertEquals(IntStream.range(0, families).mapToObj(f -> String.format("big_%02d", f)).toList(), names);
      List<Line> lines = lines(out);
      assertEquals(families * perFamily + (families / 2) * (perFamily - 1), lines.size());
      assertEquals(lines.size(), lines.stream().map(Line::labelText).distinct().count(), "no series twice");
      // the series on both shards: the fresher copy (shard 1, timestamp 1001) wins where it exists
      assertTrue(out.contains("big_01{id=\"shared\",instance=\"\"} 0 1001\n"), out.substring(0, 300));
      assertTrue(out.contains("big_00{id=\"shared\",instance=\"\"} 0 1000\n"));
    }
  }

  /** An upstream not sorted by name: every series still served (a family may come in two groups). */
  @Test
  void federate_unsortedUpstream_everySeriesServedAndScrapable() {
    try (StaticServer upA = StaticServer.text(() -> "b{u=\"A\"} 1 1000\na{u=\"A\"} 2 1000\n");
        StaticServer upB = StaticServer.text(() -> "a{u=\"B\"} 3 1000\nb{u=\"B\"} 4 1000\n");
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: A, url: "%s"}, {name: B, url: "%s"}]
            """.formatted(upA.url(), upB.url()))) {
      assertEquals("""
          # TYPE a untyped
          a{u="B",instance=""} 3 1000
          # TYPE b untyped
          b{u="A",instance=""} 1 1000
          b{u="B",instance=""} 4 1000
          # TYPE a untyped
          a{u="A",instance=""} 2 1000
          """, federate(promgate.url(), List.of("{u!=\"\"}")));
      assertEquals(1, metric(promgate.metrics(), "promgate_federate_upstream_unsorted_families_total{upstream=\"A\"}"));
      assertEquals(0, metric(promgate.metrics(), "promgate_federate_upstream_unsorted_families_total{upstream=\"B\"}"));
      // Prometheus's text parser takes the second group of family a: the scrape succeeds with all four.
      long now = System.currentTimeMillis();
      try (StaticServer upC = StaticServer.text(() -> "b{u=\"C\"} 1 %1$d\na{u=\"C\"} 2 %1$d\n".formatted(now));
          StaticServer upD = StaticServer.text(() -> "a{u=\"D\"} 3 %1$d\nb{u=\"D\"} 4 %1$d\n".formatted(now));
          PromgateProcess fresh = PromgateProcess.start("""
              federation:
                upstreams: [{name: C, url: "%s"}, {name: D, url: "%s"}]
              """.formatted(upC.url(), upD.url()));
          RealPrometheus central = RealPrometheus.start("""
              global: {scrape_interval: 1s}
              scrape_configs:
                - job_name: federate
                  honor_labels: true
                  metrics_path: /federate
                  params: {'match[]': ['{u!=""}']}
                  static_configs: [{targets: ['127.0.0.1:%d']}]
              """.formatted(fresh.port()))) {
        Await.until(Duration.ofSeconds(30), "central scraped all four series", () ->
            instant(central, "{u!=\"\"}").size() == 4);
        assertEquals(1.0, scalar(central, "up{job=\"federate\"}"));
      }
    }
  }

  @Test
  void federate_upstreamIgnoringMatch_leaksNothing() {
    String everything = "a_secret 1 1000\nnode_load1{job=\"node\"} 2 1000\nnode_load5{job=\"other\"} 3 1000\nzz 4 1000\n";
    try (StaticServer up = StaticServer.text(() -> everything);
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: careless, url: "%s"}]
            """.formatted(up.url()))) {
      assertEquals("# TYPE node_load1 untyped\nnode_load1{job=\"node\",instance=\"\"} 2 1000\n",
          federate(promgate.url(), List.of("{__name__=~\"node.*\",job=\"node\"}")));
      assertEquals("", federate(promgate.url(), List.of("nothing_here")));
    }
  }

  @Test
  void federate_upstreamAnswerBreaksMidway_completedFamiliesAndOtherUpstreamServed() {
    String broken = "a{u=\"bad\"} 1 1000\nb{u=\"bad\"} 2 1000\nb{u=\"bad\" oops} 3\nc{u=\"bad\"} 4 1000\n";
    String good = "b{u=\"good\"} 5 1000\nc{u=\"good\"} 6 1000\n";
    try (StaticServer bad = StaticServer.text(() -> broken);
        StaticServer fine = StaticServer.text(() -> good);
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: bad, url: "%s"}, {name: good, url: "%s"}]
            """.formatted(bad.url(), fine.url()))) {
      assertEquals("""
          # TYPE a untyped
          a{u="bad",instance=""} 1 1000
          # TYPE b untyped
          b{u="good",instance=""} 5 1000
          # TYPE c untyped
          c{u="good",instance=""} 6 1000
          """, federate(promgate.url(), List.of("{u=~\".+\"}")));
      String metrics = promgate.metrics();
      assertEquals(1, metric(metrics, "promgate_federate_upstream_errors_total{reason=\"parse\",upstream=\"bad\"}"));
      assertTrue(metrics.contains("promgate_federate_upstream_up{upstream=\"bad\"} 0.0"));
      assertTrue(metrics.contains("promgate_federate_upstream_up{upstream=\"good\"} 1.0"));
    }
  }

  @Test
  void federate_slowUpstream_othersServedAtTheDeadline() {
    // The slow upstream would answer after 120 s and federation.timeout allows 120 s: only the
    // scrape's own deadline (90% of X-Prometheus-Scrape-Timeout-Seconds) can end the request
    // before the client gives up (30 s), so an answer at all shows the deadline was kept; no
    // stopwatch needed.
    try (StaticServer slow = StaticServer.handler(ex -> {
          try {
            Thread.sleep(120_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        StaticServer fast = StaticServer.text(() -> "m{u=\"fast\"} 1 1000\n");
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              timeout: 120s
              upstreams: [{name: slow, url: "%s"}, {name: fast, url: "%s"}]
            """.formatted(slow.url(), fast.url()))) {
      Answer a = get(promgate.url() + "/federate?match%5B%5D=m", "X-Prometheus-Scrape-Timeout-Seconds", "1.5");
      assertEquals(200, a.status());
      assertEquals("# TYPE m untyped\nm{u=\"fast\",instance=\"\"} 1 1000\n", a.text());
      assertEquals(1, metric(promgate.metrics(), "promgate_federate_upstream_errors_total{reason=\"timeout\",upstream=\"slow\"}"));
    }
  }

  @Test
  void federate_everyUpstreamDown_503NamingEach() {
    try (StaticServer refusing = StaticServer.handler(ex -> StaticServer.reply(ex, 503, "shutting down")))  {
      int closedPort = FreePorts.next();
      try (PromgateProcess promgate = PromgateProcess.start("""
          federation:
            upstreams: [{name: gone, url: "http://127.0.0.1:%d"}, {name: busy, url: "%s"}]
          """.formatted(closedPort, refusing.url()))) {
        Answer a = get(promgate.url() + "/federate?match%5B%5D=up");
        assertEquals(503, a.status());
        assertTrue(a.text().startsWith("no upstream answered: gone: unreachable: "), a.text());
        assertTrue(a.text().endsWith("; busy: answered 503: shutting down\n"), a.text());
        assertEquals(1, metric(promgate.metrics(), "promgate_federate_requests_total{code=\"503\"}"));
      }
    }
  }

  @Test
  void federate_badSelector_400WithPrometheusMessage_noSelector_200Empty() {
    try (PromgateProcess promgate = PromgateProcess.start("""
        federation:
          upstreams: [{name: a, url: "http://127.0.0.1:1"}]
        """)) {
      Answer bad = get(promgate.url() + "/federate?" + query(List.of("up", "foo{a=\"b\" c=\"d\"}")));
      assertEquals(400, bad.status());
      assertEquals("1:11: parse error: unexpected identifier \"c\" in label matching, expected \",\" or \"}\"\n", bad.text());
      Answer none = get(promgate.url() + "/federate");
      assertEquals(200, none.status());
      assertEquals("", none.text());
      assertEquals(FederateHandler.CONTENT_TYPE, none.header("Content-Type"));
    }
  }

  @Test
  void federate_acceptGzip_compressedSameText() throws IOException {
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      big.append("m{i=\"").append(i).append("\"} ").append(i * 0.5).append(" 1000\n");
    }
    try (StaticServer up = StaticServer.text(big::toString);
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: a, url: "%s"}]
            """.formatted(up.url()))) {
      String plain = federate(promgate.url(), List.of("m"));
      Answer gz = get(promgate.url() + "/federate?match%5B%5D=m", "Accept-Encoding", "gzip");
      assertEquals(200, gz.status());
      assertEquals("gzip", gz.header("Content-Encoding"));
      assertEquals(FederateHandler.CONTENT_TYPE, gz.header("Content-Type"));
      assertTrue(gz.body().length < plain.length() / 3, gz.body().length + " vs " + plain.length());
      assertEquals(plain, new String(new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes(),
          StandardCharsets.UTF_8));
      assertEquals(5001, plain.lines().count());
    }
  }

  @Test
  void federate_reload_nextRequestUsesTheNewUpstreams() {
    try (StaticServer a = StaticServer.text(() -> "m{from=\"a\"} 1 1000\n");
        StaticServer b = StaticServer.text(() -> "m{from=\"b\"} 2 1000\n");
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams: [{name: a, url: "%s"}]
            """.formatted(a.url()), "--web.enable-lifecycle")) {
      assertEquals("# TYPE m untyped\nm{from=\"a\",instance=\"\"} 1 1000\n", federate(promgate.url(), List.of("m")));
      promgate.reload("""
          global: {external_labels: {gateway: gw-2}}
          federation:
            upstreams: [{name: b, url: "%s"}]
          """.formatted(b.url()));
      assertEquals("# TYPE m untyped\nm{from=\"b\",gateway=\"gw-2\",instance=\"\"} 2 1000\n",
          federate(promgate.url(), List.of("m")));
      assertEquals(1, metric(promgate.metrics(), "promgate_federate_upstream_up{upstream=\"b\"}"));
    }
  }

  /** A real Prometheus behind basic auth ({@code --web.config.file}): served with the right password only. */
  @Test
  void federate_basicAuthPrometheus_servedWithTheRightPasswordRefusedWithAWrongOne() {
    String hash = OpenBSDBCrypt.generate("2y", "pa:ss".toCharArray(), new byte[16], 10);
    try (RealPrometheus secured = RealPrometheus.startWithWebConfig(port -> """
            global: {scrape_interval: 1s}
            scrape_configs:
              - job_name: prometheus
                basic_auth: {username: user, password: 'pa:ss'}
                static_configs: [{targets: ['127.0.0.1:%d']}]
            """.formatted(port), "basic_auth_users: {user: '%s'}\n".formatted(hash));
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams:
                - {name: right, url: "%1$s", basic_auth: {username: user, password: "pa:ss"}}
                - {name: wrong, url: "%1$s", basic_auth: {username: user, password: "pa:sS"}}
            """.formatted(secured.url()))) {
      String up = "up{instance=\"127.0.0.1:" + secured.port() + "\",job=\"prometheus\"} 1 ";
      Await.until(Duration.ofSeconds(30), "promgate serves the secured Prometheus's up series",
          () -> federate(promgate.url(), List.of("up")).contains(up));
      String metrics = promgate.metrics();
      assertTrue(metrics.contains("promgate_federate_upstream_up{upstream=\"right\"} 1.0"), metrics);
      assertTrue(metrics.contains("promgate_federate_upstream_up{upstream=\"wrong\"} 0.0"), metrics);
      assertTrue(metric(metrics, "promgate_federate_upstream_errors_total{reason=\"status\",upstream=\"wrong\"}") >= 1,
          metrics);
      assertEquals(0, metric(metrics, "promgate_federate_upstream_errors_total{reason=\"status\",upstream=\"right\"}"));
    }
  }

  @Test
  void federate_credentials_sentAsConfigured() {
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    try (StaticServer up = StaticServer.handler(ex -> {
          seen.add(ex.getRequestURI().getRawPath() + " " + ex.getRequestHeaders().getFirst("Authorization"));
          StaticServer.reply(ex, 200, "m 1 1000\n");
        });
        PromgateProcess promgate = PromgateProcess.start("""
            federation:
              upstreams:
                - {name: basic, url: "%1$s/prom", basic_auth: {username: user, password: "pa:ss"}}
                - {name: bearer, url: "%1$s", bearer_token: t0k3n}
            """.formatted(up.url()))) {
      federate(promgate.url(), List.of("m"));
      assertEquals(Set.of("/prom/federate Basic dXNlcjpwYTpzcw==", "/federate Bearer t0k3n"), new HashSet<>(seen));
    }
  }
}
