package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealPrometheus;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's scenario, as a user runs it: three real Prometheus shards take their targets from a
 * packaged promgate's http_sd, with the scrape configs promgate generates, and scrape 30 real
 * targets (HTTP servers in this JVM serving a /metrics exposition). All healthy, each target is
 * scraped by exactly its hashmod shard; shard 1 stopped, after failover_after and an SD refresh
 * every target is scraped by exactly one live shard; shard 1 back, the hashmod assignment
 * returns. Which shard scrapes what is read from each Prometheus's own /api/v1/targets.
 */
class ShardFailoverIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SHARDS = 3;
  private static final int TARGETS = 30;
  private static final Duration WAIT = Duration.ofSeconds(45);

  /** Prometheus's hashmod, computed here independently: md5, bytes 8..15 unsigned, mod n. */
  private static int hashmod(String value, int n) throws Exception {
    byte[] md5 = MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8));
    byte[] low = new byte[9]; // leading 0: unsigned
    System.arraycopy(md5, 8, low, 1, 8);
    return new BigInteger(low).mod(BigInteger.valueOf(n)).intValueExact();
  }

  /** Active targets of a shard Prometheus that it scraped successfully, by address. */
  private static Set<String> scrapedBy(RealPrometheus shard) {
    Set<String> up = new TreeSet<>();
    for (JsonNode t : shard.get("/api/v1/targets?state=active").get("data").get("activeTargets")) {
      if ("up".equals(t.get("health").asText())) {
        up.add(t.get("labels").get("instance").asText());
      }
    }
    return up;
  }

  /** All active targets of a shard, scraped yet or not. */
  private static Set<String> activeOn(RealPrometheus shard) {
    Set<String> all = new TreeSet<>();
    for (JsonNode t : shard.get("/api/v1/targets?state=active").get("data").get("activeTargets")) {
      all.add(t.get("labels").get("instance").asText());
    }
    return all;
  }

  private static JsonNode shardsSummary(PromgateProcess p) throws IOException {
    Http.Response r = Http.get(p.url() + "/api/v1/shards");
    assertEquals(200, r.status(), r.body());
    return JSON.readTree(r.body()).get("data");
  }

  private static String metric(PromgateProcess p, String series) {
    for (String line : Http.get(p.url() + "/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return line.substring(series.length() + 1);
      }
    }
    throw new AssertionError("no " + series);
  }

  @Test
  void threeShards_oneStoppedThenBack_everyTargetScrapedByExactlyOneLiveShard() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<HttpServer> targets = new ArrayList<>();
    List<RealPrometheus> shards = new ArrayList<>();
    try {
      byte[] exposition = "# TYPE demo_up gauge\ndemo_up 1\n".getBytes(StandardCharsets.UTF_8);
      List<String> addresses = new ArrayList<>();
      for (int k = 0; k < TARGETS; k++) {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        s.createContext("/metrics", ex -> {
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, exposition.length);
          ex.getResponseBody().write(exposition);
          ex.close();
        });
        s.setExecutor(pool);
        s.start();
        targets.add(s);
        addresses.add("127.0.0.1:" + s.getAddress().getPort());
      }
      Map<String, Integer> home = new TreeMap<>();
      List<Set<String>> expected = new ArrayList<>();
      for (int i = 0; i < SHARDS; i++) {
        expected.add(new TreeSet<>());
      }
      for (String a : addresses) {
        home.put(a, hashmod(a, SHARDS));
        expected.get(home.get(a)).add(a);
      }
      for (int i = 0; i < SHARDS; i++) {
        // Until promgate hands it a config: no scrape jobs.
        shards.add(RealPrometheus.start("scrape_configs: []\n"));
      }
      String promgateYml = """
          storage: {influxdb: {url: 'http://127.0.0.1:%d', create_database: false}}
          sharding:
            modulus: %d
            scrape_interval: 1s
            sd_refresh_interval: 1s
            static_configs: [{targets: [%s]}]
            shard_urls: [%s]
            failover_after: 3s
          """.formatted(FreePorts.next(), SHARDS, String.join(", ", addresses),
          String.join(", ", shards.stream().map(RealPrometheus::url).toList()));
      try (PromgateProcess promgate = PromgateProcess.start(promgateYml)) {
        for (int i = 0; i < SHARDS; i++) {
          Http.Response config = Http.get(promgate.url() + "/api/v1/shards/" + i + "/scrape_config?url="
              + Http.param(promgate.url()));
          assertEquals(200, config.status(), config.body());
          assertTrue(config.body().contains("There is no hashmod keep rule"), config.body());
          shards.get(i).reload(config.body());
        }

        // All healthy: each target on exactly its hashmod shard.
        Await.until(WAIT, "every target scraped by its hashmod shard", () -> {
          for (int i = 0; i < SHARDS; i++) {
            if (!scrapedBy(shards.get(i)).equals(expected.get(i)) || !activeOn(shards.get(i)).equals(expected.get(i))) {
              return false;
            }
          }
          return true;
        });
        for (int i = 0; i < SHARDS; i++) {
          assertEquals(expected.get(i), activeOn(shards.get(i)), "shard " + i);
        }
        assertEquals(TARGETS, expected.get(0).size() + expected.get(1).size() + expected.get(2).size());
        assertTrue(!expected.get(1).isEmpty(), "shard 1 has targets to lose");

        // Shard 1 stopped: its targets (only those) go to the live shards, each to exactly one.
        shards.get(1).stop();
        Await.until(WAIT, "every target scraped by exactly one live shard", () -> {
          Set<String> on0 = activeOn(shards.get(0));
          Set<String> on2 = activeOn(shards.get(2));
          Set<String> union = new TreeSet<>(on0);
          union.addAll(on2);
          return on0.size() + on2.size() == TARGETS && union.size() == TARGETS
              && scrapedBy(shards.get(0)).equals(on0) && scrapedBy(shards.get(2)).equals(on2);
        });
        JsonNode summary = shardsSummary(promgate);
        assertEquals("down", summary.get("shards").get(1).get("health").asText());
        assertTrue(summary.get("shards").get(1).get("failedOver").asBoolean());
        Map<String, Integer> movedTo = new HashMap<>();
        for (JsonNode m : summary.get("moved")) {
          assertEquals(1, m.get("from").asInt(), m.toString());
          movedTo.put(m.get("target").asText(), m.get("to").asInt());
        }
        assertEquals(expected.get(1), new TreeSet<>(movedTo.keySet()), "exactly shard 1's targets moved");
        for (int live : new int[] {0, 2}) {
          Set<String> want = new TreeSet<>(expected.get(live));
          movedTo.forEach((t, to) -> {
            if (to == live) {
              want.add(t);
            }
          });
          assertEquals(want, activeOn(shards.get(live)), "shard " + live + ": its own targets and those moved to it");
          assertEquals(want.size(), summary.get("shards").get(live).get("targets").asInt());
        }
        assertEquals("0.0", metric(promgate, "promgate_shard_up{shard=\"1\"}"));
        assertEquals("1.0", metric(promgate, "promgate_shard_failovers_total{shard=\"1\"}"));
        assertEquals("0.0", metric(promgate, "promgate_shard_targets{shard=\"1\"}"));

        // Shard 1 back: after the hysteresis, the hashmod assignment returns.
        shards.get(1).restart();
        Await.until(WAIT, "every target back on its hashmod shard", () -> {
          for (int i = 0; i < SHARDS; i++) {
            if (!scrapedBy(shards.get(i)).equals(expected.get(i)) || !activeOn(shards.get(i)).equals(expected.get(i))) {
              return false;
            }
          }
          return true;
        });
        summary = shardsSummary(promgate);
        assertEquals("up", summary.get("shards").get(1).get("health").asText());
        assertEquals(0, summary.get("moved").size());
        assertEquals("1.0", metric(promgate, "promgate_shard_up{shard=\"1\"}"));
        assertEquals("1.0", metric(promgate, "promgate_shard_failovers_total{shard=\"1\"}"));
      }
    } finally {
      shards.forEach(RealPrometheus::close);
      targets.forEach(s -> s.stop(0));
      pool.shutdownNow();
    }
  }
}
