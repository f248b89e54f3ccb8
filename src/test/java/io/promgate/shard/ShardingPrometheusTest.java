package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.promgate.relabel.Relabeler;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.promgate.testing.RealPrometheus;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test, with real Prometheus servers: for every shard, a Prometheus running
 * the config promgate generates keeps exactly the targets {@code /sd/shards/i} lists, whether it
 * discovers every target from the original sources and drops the others itself
 * ({@code ?sd=sources}) or reads its share from promgate ({@code ?sd=promgate}, where it must drop
 * nothing); and every target lands on exactly one shard. The targets are {@link ShardingFixture}'s.
 */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class ShardingPrometheusTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestHTTPResource("/")
  URL root;

  /** promgate as the slaves reach it: by IP, so that the Host header (and the sd URL) is too. */
  private String promgate() {
    return "http://127.0.0.1:" + root.getPort();
  }

  private static JsonNode json(String url) {
    Http.Response r = Http.get(url);
    assertEquals(200, r.status(), url + ": " + r.body());
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One target: its address and a label set (discovered, or final after relabeling). */
  private record Target(String address, Map<String, String> labels) {}

  private static Map<String, String> map(JsonNode labels) {
    Map<String, String> m = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), e.getValue().asText());
    }
    return m;
  }

  /**
   * The targets {@code /sd/shards/i} lists, by address, with the labels a Prometheus discovering
   * them gets: their group labels, {@code __address__} and the generated job's scrape settings.
   */
  private Map<String, Target> sdDiscovered(int shard) {
    Map<String, Target> out = new TreeMap<>();
    for (JsonNode group : json(promgate() + "/sd/shards/" + shard)) {
      for (JsonNode t : group.get("targets")) {
        Map<String, String> labels = map(group.get("labels"));
        labels.put("__address__", t.asText());
        labels.putIfAbsent("job", "sharded");
        labels.putIfAbsent("__scheme__", "http");
        labels.putIfAbsent("__metrics_path__", "/metrics");
        labels.putIfAbsent("__scrape_interval__", "1m");
        labels.putIfAbsent("__scrape_timeout__", "10s");
        assertEquals(null, out.put(t.asText(), new Target(t.asText(), labels)), "listed twice: " + t);
      }
    }
    return out;
  }

  /**
   * The final labels Prometheus gives those targets: the fixture's rules add
   * {@code team="team-<env>"}, then {@code __} labels go and {@code instance} is the address.
   */
  private static Map<String, Target> expectedFinal(Map<String, Target> discovered) {
    Map<String, Target> out = new TreeMap<>();
    for (Target t : discovered.values()) {
      Map<String, String> labels = new TreeMap<>();
      t.labels().forEach((k, v) -> {
        if (!k.startsWith("__")) {
          labels.put(k, v);
        }
      });
      labels.put("team", "team-" + labels.getOrDefault("env", ""));
      labels.put("instance", t.address());
      out.put(t.address(), new Target(t.address(), labels));
    }
    return out;
  }

  /** Active targets by their final {@code instance} label, with their final labels. */
  private static Map<String, Target> activeFinal(JsonNode data) {
    Map<String, Target> out = new TreeMap<>();
    for (JsonNode t : data.get("activeTargets")) {
      Map<String, String> l = map(t.get("labels"));
      out.put(l.get("instance"), new Target(l.get("instance"), l));
    }
    return out;
  }

  /**
   * Active targets with their {@code discoveredLabels}. Only read where no rule rewrites a
   * discovered label: Prometheus 2.42 may show relabeling's output there instead (in-place reuse
   * of the label slice; seen with the http_sd path), a display bug that does not change which
   * targets it keeps.
   */
  private static Map<String, Target> activeDiscovered(JsonNode data) {
    Map<String, Target> out = new TreeMap<>();
    for (JsonNode t : data.get("activeTargets")) {
      Map<String, String> d = map(t.get("discoveredLabels"));
      out.put(d.get("__address__"), new Target(d.get("__address__"), d));
    }
    return out;
  }

  /** Equal maps, or a failure listing only what differs (the maps hold ~90 targets each). */
  private static void assertSameTargets(Map<String, Target> expected, Map<String, Target> actual, String what) {
    List<String> diff = new ArrayList<>();
    for (Map.Entry<String, Target> e : expected.entrySet()) {
      Target a = actual.get(e.getKey());
      if (a == null) {
        diff.add("missing " + e.getValue());
      } else if (!a.equals(e.getValue())) {
        diff.add("expected " + e.getValue() + " but was " + a);
      }
    }
    for (Map.Entry<String, Target> a : actual.entrySet()) {
      if (!expected.containsKey(a.getKey())) {
        diff.add("unexpected " + a.getValue());
      }
    }
    assertEquals(List.of(), diff, what);
  }

  private String generated(int shard, String query) {
    Http.Response r = Http.get(promgate() + "/api/v1/shards/" + shard + "/scrape_config" + query);
    assertEquals(200, r.status(), r.body());
    assertEquals("application/yaml; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
    return r.body();
  }

  private static void assertPromtoolAccepts(String yaml) {
    try {
      Path file = Files.createTempFile("shard-", ".yml");
      try {
        Files.writeString(file, yaml);
        RealPrometheus.ToolResult r = RealPrometheus.promtool("check", "config", file.toString());
        assertEquals(0, r.exitCode(), r.output());
      } finally {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void generatedScrapeConfig_realPrometheusPerShard_keepsExactlyTheSdTargets() {
    Await.until(Duration.ofSeconds(30), "every source refreshed", () -> {
      JsonNode data = json(promgate() + "/api/v1/shards").get("data");
      return data.get("discovered").asInt() == ShardingFixture.DISCOVERED;
    });
    JsonNode summary = json(promgate() + "/api/v1/shards").get("data");
    assertEquals(ShardingFixture.DROPPED, summary.get("dropped").asInt());
    assertEquals(ShardingFixture.INVALID, summary.get("invalid").asInt());
    int assigned = ShardingFixture.DISCOVERED - ShardingFixture.DROPPED - ShardingFixture.INVALID;
    assertEquals(assigned, summary.get("assigned").asInt());

    int modulus = ShardingFixture.MODULUS;
    List<Map<String, Target>> expected = new ArrayList<>();
    Set<String> all = new HashSet<>();
    for (int i = 0; i < modulus; i++) {
      Map<String, Target> sd = sdDiscovered(i);
      assertEquals(summary.get("shards").get(i).get("targets").asInt(), sd.size());
      for (String address : sd.keySet()) {
        assertTrue(all.add(address), address + " listed by two shards");
      }
      expected.add(sd);
    }
    assertEquals(assigned, all.size());
    int invalidShard = (int) Relabeler.hashmod(ShardingFixture.INVALID_HTTP_TARGET, modulus);

    List<RealPrometheus> slaves = new ArrayList<>();
    try {
      // 1. Every slave discovers every target from the original sources and keeps its share.
      for (int i = 0; i < modulus; i++) {
        String yaml = generated(i, "?sd=sources");
        assertPromtoolAccepts(yaml);
        slaves.add(RealPrometheus.start(yaml));
      }
      Set<String> activeAnywhere = new HashSet<>();
      for (int i = 0; i < modulus; i++) {
        RealPrometheus p = slaves.get(i);
        // The invalid static target is left out of the config; the invalid http_sd one is
        // neither active nor dropped on the shard whose hash keeps it (Prometheus refuses it).
        int listed = ShardingFixture.DISCOVERED - 1 - (i == invalidShard ? 1 : 0);
        Await.until(Duration.ofSeconds(60), "shard " + i + " discovered every target", () -> {
          JsonNode d = p.get("/api/v1/targets").get("data");
          return d.get("activeTargets").size() + d.get("droppedTargets").size() == listed;
        });
        JsonNode d = p.get("/api/v1/targets").get("data");
        Map<String, Target> active = activeFinal(d);
        // Same targets with the same final labels; and discovered with the very labels promgate
        // hashed, file paths and http_sd URL included.
        assertSameTargets(expectedFinal(expected.get(i)), active, "shard " + i + " (sources)");
        assertSameTargets(expected.get(i), activeDiscovered(d), "shard " + i + " (sources, discovered)");
        assertEquals(listed - active.size(), d.get("droppedTargets").size());
        for (String a : active.keySet()) {
          assertTrue(activeAnywhere.add(a), a + " active on two shards");
        }
      }
      assertEquals(all, activeAnywhere);

      // 2. Every slave reads its share from promgate: it keeps all of it, drops nothing.
      for (int i = 0; i < modulus; i++) {
        String yaml = generated(i, ""); // sd=promgate, URL from this request's Host
        String sdUrl = promgate() + "/sd/shards/" + i;
        assertTrue(yaml.contains("- url: " + sdUrl + "\n"), yaml);
        assertPromtoolAccepts(yaml);
        slaves.get(i).reload(yaml);
      }
      for (int i = 0; i < modulus; i++) {
        RealPrometheus p = slaves.get(i);
        int shard = i;
        // From ~350 discovered (sources) to the shard's own targets (promgate).
        Await.until(Duration.ofSeconds(60), "shard " + i + " reads promgate", () -> {
          JsonNode d = p.get("/api/v1/targets").get("data");
          return d.get("activeTargets").size() + d.get("droppedTargets").size() == expected.get(shard).size();
        });
        JsonNode d = p.get("/api/v1/targets").get("data");
        assertEquals(0, d.get("droppedTargets").size(), "shard " + i + " dropped " + d.get("droppedTargets"));
        assertSameTargets(expectedFinal(expected.get(i)), activeFinal(d), "shard " + i + " (promgate)");
      }
    } finally {
      slaves.forEach(RealPrometheus::close);
    }
  }

  @Test
  void metrics_sourcesAndShards_reported() {
    Await.until(Duration.ofSeconds(30), "every source refreshed", () ->
        json(promgate() + "/api/v1/shards").get("data").get("discovered").asInt() == ShardingFixture.DISCOVERED);
    Await.until(Duration.ofSeconds(30), "broken http_sd reported", () ->
        Http.get(promgate() + "/metrics").body()
            .contains("promgate_sd_last_refresh_success{source=\"http_sd_configs[1]\"} 0.0"));
    String metrics = Http.get(promgate() + "/metrics").body();
    Map<String, Double> values = new HashMap<>();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("promgate_sd_") || line.startsWith("promgate_shard_")) {
        int space = line.lastIndexOf(' ');
        values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    assertTrue(values.get("promgate_sd_refresh_failures_total{source=\"http_sd_configs[1]\"}") >= 1, metrics);
    assertEquals(0.0, values.get("promgate_sd_refresh_failures_total{source=\"http_sd_configs[0]\"}"));
    assertEquals(211.0, values.get("promgate_sd_targets{source=\"static_configs\"}"));
    assertEquals(100.0, values.get("promgate_sd_targets{source=\"file_sd_configs[0]\"}"));
    assertEquals(41.0, values.get("promgate_sd_targets{source=\"http_sd_configs[0]\"}"));
    assertEquals(0.0, values.get("promgate_sd_targets{source=\"http_sd_configs[1]\"}"));
    assertEquals(1.0, values.get("promgate_sd_last_refresh_success{source=\"file_sd_configs[0]\"}"));
    assertEquals(10.0, values.get("promgate_shard_dropped_targets"));
    assertEquals(2.0, values.get("promgate_shard_invalid_targets"));
    double sum = 0;
    for (int i = 0; i < ShardingFixture.MODULUS; i++) {
      sum += values.get("promgate_shard_targets{shard=\"" + i + "\"}");
    }
    assertEquals(ShardingFixture.DISCOVERED - ShardingFixture.DROPPED - ShardingFixture.INVALID, sum);
  }

  @Test
  void summary_sources_healthAndLastError() {
    Await.until(Duration.ofSeconds(30), "sources refreshed", () ->
        json(promgate() + "/api/v1/shards").get("data").get("discovered").asInt() == ShardingFixture.DISCOVERED);
    JsonNode data = json(promgate() + "/api/v1/shards").get("data");
    assertEquals(4, data.get("modulus").asInt());
    assertEquals("[\"__tmp_key\"]", data.get("sourceLabels").toString());
    Map<String, JsonNode> sources = new HashMap<>();
    data.get("sources").forEach(s -> sources.put(s.get("name").asText(), s));
    assertEquals(List.of("file_sd_configs[0]", "http_sd_configs[0]", "http_sd_configs[1]", "static_configs"),
        sources.keySet().stream().sorted().toList());
    assertEquals(true, sources.get("http_sd_configs[0]").get("healthy").asBoolean());
    assertEquals(false, sources.get("http_sd_configs[1]").get("healthy").asBoolean());
    assertEquals("server returned HTTP status 500 Internal Server Error",
        sources.get("http_sd_configs[1]").get("lastError").asText());
    int max = 0;
    int sum = 0;
    for (JsonNode s : data.get("shards")) {
      max = Math.max(max, s.get("targets").asInt());
      sum += s.get("targets").asInt();
      assertEquals("/sd/shards/" + s.get("index").asInt(), s.get("sd").asText());
    }
    assertEquals(Math.round(max / (sum / 4.0) * 1000) / 1000.0, data.get("skew").asDouble());
  }

  @Test
  void sd_unknownIndex_404() {
    for (String index : List.of("4", "-1", "01", "x", "99999")) {
      Http.Response r = Http.get(promgate() + "/sd/shards/" + index);
      assertEquals(404, r.status(), index);
    }
    assertEquals("unknown shard \"4\": shards are 0 to 3\n", Http.get(promgate() + "/sd/shards/4").body());
    assertEquals(404, Http.get(promgate() + "/api/v1/shards/4/scrape_config").status());
  }

  @Test
  void sd_knownIndex_exactlyApplicationJson() {
    Http.Response r = Http.get(promgate() + "/sd/shards/0");
    assertEquals(200, r.status());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void sd_post_methodNotAllowed() {
    assertEquals(405, Http.post(promgate() + "/sd/shards/0", "").status());
  }
}
