package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.PromgateConfig;
import io.promgate.metrics.Metrics;
import io.promgate.relabel.Relabeler;
import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.promgate.testing.Http;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The endpoints on a bare Vert.x router (the wiring through Routes is covered by
 * ShardingPrometheusTest): no sharding, unknown shards, and the scrape_config parameters.
 */
class ShardEndpointsTest {
  private Vertx vertx;
  private String base;
  private final AtomicReference<Sharding> sharding = new AtomicReference<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    ShardEndpoints endpoints = new ShardEndpoints(sharding::get, i -> "/sd/shards/" + i);
    Router router = Router.router(vertx);
    router.route(HttpMethod.GET, "/sd/shards/:index").handler(endpoints::sd);
    router.route(HttpMethod.GET, "/api/v1/shards").handler(endpoints::summary);
    router.route(HttpMethod.GET, "/api/v1/shards/:index/scrape_config").handler(endpoints::scrapeConfig);
    router.route(HttpMethod.GET, "/api/v1/shards/preview").handler(endpoints::preview);
    // This server doubles as a ready shard for the health tests.
    router.route(HttpMethod.GET, "/-/ready").handler(rc -> rc.response().end("Prometheus Server is Ready.\n"));
    int port = FreePorts.next();
    vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + port;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (sharding.get() != null) {
      sharding.get().close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void startSharding() throws Exception {
    startSharding("");
  }

  private void startSharding(String extraKeys) throws Exception {
    Sharding s = Sharding.start(vertx, PromgateConfig.parse("<test>",
            "sharding: {modulus: 2, static_configs: [{targets: ['localhost:9100', 'a:1', 'b:1']}]" + extraKeys + "}")
            .sharding(),
        new Metrics(new SimpleMeterRegistry()).shards);
    sharding.set(s);
    Await.until(Duration.ofSeconds(5), "assigned", () -> s.current() != null && s.current().discovered == 3);
  }

  @Test
  void everyEndpoint_shardingNotConfigured_404() {
    assertEquals(404, Http.get(base + "/sd/shards/0").status());
    assertEquals("sharding is not configured\n", Http.get(base + "/sd/shards/0").body());
    Http.Response summary = Http.get(base + "/api/v1/shards");
    assertEquals(404, summary.status());
    assertEquals("{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"sharding is not configured\"}",
        summary.body());
    assertEquals(404, Http.get(base + "/api/v1/shards/0/scrape_config").status());
  }

  private List<String> targets(int shard) {
    List<String> out = new ArrayList<>();
    for (Object g : new JsonArray(Http.get(base + "/sd/shards/" + shard).body())) {
      ((JsonObject) g).getJsonArray("targets").forEach(t -> out.add((String) t));
    }
    return out;
  }

  @Test
  void sd_shards_disjointAndComplete() throws Exception {
    startSharding();
    // hashmod("localhost:9100", 2) = 1 (it is 3 modulo 4, SPEC §6)
    List<String> all = new ArrayList<>(targets(0));
    assertTrue(!all.contains("localhost:9100"), all.toString());
    List<String> s1 = targets(1);
    assertTrue(s1.contains("localhost:9100"), s1.toString());
    all.addAll(s1);
    all.sort(null);
    assertEquals(List.of("a:1", "b:1", "localhost:9100"), all);
    assertEquals(404, Http.get(base + "/sd/shards/2").status());
  }

  @Test
  void scrapeConfig_urlParam_usedForTheHttpSdUrl() throws Exception {
    startSharding();
    String yaml = Http.get(base + "/api/v1/shards/1/scrape_config?url="
        + Http.param("https://promgate.example:9201/prefix/")).body();
    assertTrue(yaml.contains("  - url: https://promgate.example:9201/prefix/sd/shards/1\n"), yaml);
  }

  @Test
  void scrapeConfig_noUrlParam_schemeAndHostOfTheRequest() throws Exception {
    startSharding();
    String yaml = Http.get(base + "/api/v1/shards/0/scrape_config").body();
    assertTrue(yaml.contains("  - url: " + base + "/sd/shards/0\n"), yaml);
  }

  @Test
  void scrapeConfig_badParams_400WithReason() throws Exception {
    startSharding();
    Http.Response sd = Http.get(base + "/api/v1/shards/0/scrape_config?sd=consul");
    assertEquals(400, sd.status());
    assertEquals("sd must be \"promgate\" or \"sources\", got \"consul\"\n", sd.body());
    Http.Response url = Http.get(base + "/api/v1/shards/0/scrape_config?url=" + Http.param("ftp://x/"));
    assertEquals(400, url.status());
    assertEquals("url: scheme must be http or https\n", url.body());
    assertEquals("url: must not have a query or fragment\n",
        Http.get(base + "/api/v1/shards/0/scrape_config?url=" + Http.param("http://x/?a=b")).body());
    assertEquals("url: host is missing\n",
        Http.get(base + "/api/v1/shards/0/scrape_config?url=" + Http.param("http:///p")).body());
  }

  @Test
  void scrapeConfig_sourcesMode_noPromgateUrlNeeded() throws Exception {
    startSharding();
    String yaml = Http.get(base + "/api/v1/shards/0/scrape_config?sd=sources").body();
    assertTrue(yaml.contains("  static_configs:\n  - targets:\n    - localhost:9100\n    - a:1\n    - b:1\n"), yaml);
    assertTrue(!yaml.contains("http_sd_configs"), yaml);
  }

  private static JsonObject json(Http.Response r) {
    return new JsonObject(r.body());
  }

  @Test
  void summary_noShardUrls_healingFieldsAtTheirDefaults() throws Exception {
    startSharding();
    JsonObject data = json(Http.get(base + "/api/v1/shards")).getJsonObject("data");
    assertEquals(0.0, data.getDouble("failoverAfterSeconds"));
    assertEquals("hashmod", data.getString("algorithm"));
    assertEquals(new JsonArray(), data.getJsonArray("moved"));
    JsonObject shard1 = data.getJsonArray("shards").getJsonObject(1);
    assertEquals(new JsonObject().put("index", 1).put("targets", 1).put("sd", "/sd/shards/1").putNull("url")
        .put("health", "unknown").putNull("healthSince").put("lastProbeError", "").put("failedOver", false)
        .put("movedIn", 0).put("movedOut", 0), shard1);
  }

  @Test
  void summary_shardDownForFailoverAfter_healthAndMovedTargetsReported() throws Exception {
    String deadUrl = "http://127.0.0.1:" + FreePorts.next();
    startSharding(", shard_urls: ['" + base + "', '" + deadUrl + "/'], failover_after: 1s");
    Await.until(Duration.ofSeconds(20), "shard 1 failed over", () -> json(Http.get(base + "/api/v1/shards"))
        .getJsonObject("data").getJsonArray("shards").getJsonObject(1).getBoolean("failedOver"));
    JsonObject data = json(Http.get(base + "/api/v1/shards")).getJsonObject("data");
    assertEquals(1.0, data.getDouble("failoverAfterSeconds"));
    JsonObject shard0 = data.getJsonArray("shards").getJsonObject(0);
    JsonObject shard1 = data.getJsonArray("shards").getJsonObject(1);
    assertEquals(base, shard0.getString("url"));
    assertEquals("up", shard0.getString("health"));
    assertEquals("", shard0.getString("lastProbeError"));
    assertEquals(deadUrl, shard1.getString("url"));
    assertEquals("down", shard1.getString("health"));
    assertTrue(!shard1.getString("lastProbeError").isEmpty(), shard1.encode());
    assertTrue(Instant.parse(shard1.getString("healthSince")).toEpochMilli() > 0);
    // hashmod("localhost:9100", 2) = 1: the one target of shard 1 now on shard 0.
    assertEquals(3, shard0.getInteger("targets"));
    assertEquals(0, shard1.getInteger("targets"));
    assertEquals(1, shard0.getInteger("movedIn"));
    assertEquals(1, shard1.getInteger("movedOut"));
    assertEquals(new JsonArray().add(new JsonObject().put("target", "localhost:9100").put("from", 1).put("to", 0)),
        data.getJsonArray("moved"));
    assertEquals(List.of("localhost:9100", "a:1", "b:1"), targets(0));
    assertEquals(List.of(), targets(1));
  }

  @Test
  void scrapeConfig_failoverOn_noKeepRuleAndSourcesModeRefused() throws Exception {
    startSharding(", shard_urls: ['http://127.0.0.1:1', 'http://127.0.0.1:2'], failover_after: 30s");
    String yaml = Http.get(base + "/api/v1/shards/0/scrape_config").body();
    assertTrue(yaml.contains("There is no hashmod keep rule"), yaml);
    assertTrue(!yaml.contains("action: keep"), yaml);
    Http.Response sources = Http.get(base + "/api/v1/shards/0/scrape_config?sd=sources");
    assertEquals(400, sources.status());
    assertEquals("sd=sources needs the hashmod keep rule, which sharding.failover_after rules out: use sd=promgate\n",
        sources.body());
  }

  @Test
  void preview_badModulus_400WithReason() throws Exception {
    startSharding();
    Http.Response missing = Http.get(base + "/api/v1/shards/preview");
    assertEquals(400, missing.status());
    assertEquals("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
        + "\"modulus is required: the number of shards to compare with\"}", missing.body());
    for (String bad : new String[] {"0", "1025", "-1", "x", "07", ""}) {
      Http.Response r = Http.get(base + "/api/v1/shards/preview?modulus=" + bad);
      assertEquals(400, r.status(), bad);
      assertEquals("modulus must be a whole number from 1 to 1024, got \"" + bad + "\"",
          json(r).getString("error"));
    }
  }

  @Test
  void preview_modulusThree_theTargetsWhoseHashmodChanges() throws Exception {
    startSharding();
    JsonObject data = json(Http.get(base + "/api/v1/shards/preview?modulus=3")).getJsonObject("data");
    JsonArray moves = new JsonArray();
    for (String t : new String[] {"localhost:9100", "a:1", "b:1"}) {
      int from = (int) Relabeler.hashmod(t, 2);
      int to = (int) Relabeler.hashmod(t, 3);
      if (from != to) {
        moves.add(new JsonObject().put("target", t).put("from", from).put("to", to));
      }
    }
    assertEquals(new JsonObject().put("fromModulus", 2).put("toModulus", 3).put("algorithm", "hashmod")
        .put("targets", 3).put("moving", moves.size()).put("moves", moves), data);
  }

  @Test
  void preview_shardingNotConfigured_404() {
    assertEquals(404, Http.get(base + "/api/v1/shards/preview?modulus=3").status());
  }
}
