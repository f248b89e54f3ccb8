package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.promgate.relabel.Relabeler;
import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.promgate.testing.RealPrometheus;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The running sharding: assignment after start, and a replacement (reload) taking over. */
class ShardingTest {
  private final Vertx vertx = Vertx.vertx();
  private final Metrics.Shards meters = new Metrics(new SimpleMeterRegistry()).shards;

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static ShardingConfig config(String yaml) throws ConfigException {
    return PromgateConfig.parse("<test>", "sharding: " + yaml).sharding();
  }

  @Test
  void start_staticTargets_assignedAndCounted() throws Exception {
    Sharding s = Sharding.start(vertx, config("{modulus: 4, static_configs: [{targets: ['localhost:9100', 'a:1']}]}"),
        meters);
    try {
      Await.until(Duration.ofSeconds(5), "assigned", () -> s.current() != null && s.current().discovered == 2);
      assertEquals(1, s.current().count(3)); // hashmod("localhost:9100", 4) = 3
      assertEquals(2, meters.source("static_configs").targets.get());
      assertEquals(1, meters.shardTargets(3).get());
      assertEquals(1.0, meters.source("static_configs").refreshes.count());
    } finally {
      s.close();
    }
  }

  @Test
  void start_noSources_emptyAssignment() throws Exception {
    Sharding s = Sharding.start(vertx, config("{modulus: 2}"), meters);
    try {
      Await.until(Duration.ofSeconds(5), "assigned", () -> s.current() != null);
      assertEquals("[]", s.current().json(1).toString());
    } finally {
      s.close();
    }
  }

  @Test
  void start_replacingAnother_metersFollowTheNewOne() throws Exception {
    Sharding old = Sharding.start(vertx,
        config("{modulus: 4, static_configs: [{targets: ['localhost:9100', 'a:1', 'b:1']}]}"), meters);
    Await.until(Duration.ofSeconds(5), "old assigned", () -> old.current() != null && old.current().discovered == 3);
    assertEquals(1, meters.shardTargets(3).get());

    Sharding next = Sharding.start(vertx, config("{modulus: 2, static_configs: [{targets: ['a:1']}]}"), meters);
    old.close();
    try {
      Await.until(Duration.ofSeconds(5), "new assigned", () -> next.current() != null && next.current().discovered == 1);
      assertEquals(1, meters.source("static_configs").targets.get());
      assertEquals(1, meters.shardTargets(0).get() + meters.shardTargets(1).get());
      // Shards the new config no longer has read 0, not their old counts.
      assertEquals(0, meters.shardTargets(2).get() + meters.shardTargets(3).get());
    } finally {
      next.close();
    }
  }

  @Test
  void config_sameFileSdSection_equalSoAReloadKeepsTheRunningSharding() throws ConfigException {
    String yaml = "{modulus: 2, file_sd_configs: [{files: ['/t/*.json']}]}";
    assertEquals(config(yaml), config(yaml));
  }

  private static Map<String, Integer> placed(Assignment a) {
    Map<String, Integer> m = new TreeMap<>();
    for (int i = 0; i < a.modulus; i++) {
      for (TargetGroup g : a.shards.get(i)) {
        for (String t : g.targets()) {
          m.put(t, i);
        }
      }
    }
    return m;
  }

  @Test
  void health_shardStoppedThenBack_itsTargetsFailOverThenReturn() throws Exception {
    List<String> targets = new ArrayList<>();
    for (int k = 0; k < 20; k++) {
      targets.add("node-" + k + ":9100");
    }
    try (RealPrometheus p0 = RealPrometheus.start("scrape_configs: []\n");
        RealPrometheus p1 = RealPrometheus.start("scrape_configs: []\n")) {
      Sharding s = Sharding.start(vertx, config("""
              {modulus: 2, shard_urls: ['%s', '%s'], failover_after: 1s,
               static_configs: [{targets: [%s]}]}""".formatted(p0.url(), p1.url(), String.join(", ", targets))),
          List.of(), meters, null);
      try {
        Map<String, Integer> hashmod = new TreeMap<>();
        for (String t : targets) {
          hashmod.put(t, (int) Relabeler.hashmod(t, 2));
        }
        Await.until(Duration.ofSeconds(10), "both shards probed up",
            () -> meters.up(0).get() == 1 && meters.up(1).get() == 1 && s.current() != null);
        assertEquals(hashmod, placed(s.current()));

        p1.stop();
        Await.until(Duration.ofSeconds(20), "shard 1 failed over", () -> s.current().failedOver(1));
        Assignment out = s.current();
        assertEquals(20, out.count(0));
        assertEquals(0, out.count(1));
        List<String> home1 = targets.stream().filter(t -> hashmod.get(t) == 1).toList();
        assertEquals(home1, out.moved.stream().map(Assignment.Move::target).toList());
        assertEquals(home1.size(), out.movedOut(1));
        assertEquals(home1.size(), out.movedIn(0));
        assertEquals(0, meters.up(1).get());
        assertEquals(1.0, meters.failovers(1).count());
        assertEquals(20, meters.shardTargets(0).get(), "per-shard targets after reassignment");
        assertEquals(ShardHealth.Health.DOWN, s.health().state(1).health());

        p1.restart();
        Await.until(Duration.ofSeconds(20), "shard 1 back", () -> !s.current().failedOver(1));
        assertEquals(hashmod, placed(s.current()));
        assertEquals(List.of(), s.current().moved);
        assertEquals(1, meters.up(1).get());
        assertEquals(1.0, meters.failovers(1).count());
        assertEquals(0.0, meters.failovers(0).count());
      } finally {
        s.close();
      }
    }
  }

  @Test
  void start_replacingAnother_failedOverShardStaysFailedOver() throws Exception {
    int dead = FreePorts.next();
    String yaml = "{modulus: 2, shard_urls: ['http://127.0.0.1:%d', 'http://127.0.0.1:%d'], failover_after: 1s,"
        + " static_configs: [{targets: [%s]}]}";
    Sharding old = Sharding.start(vertx, config(yaml.formatted(dead, dead, "'a:1', 'b:1'")), List.of(), meters, null);
    Await.until(Duration.ofSeconds(20), "both failed over", () -> old.health().state(0).failedOver()
        && old.health().state(1).failedOver());
    Sharding next = Sharding.start(vertx, config(yaml.formatted(dead, dead, "'a:1', 'b:1', 'c:1'")), List.of(), meters, old);
    old.close();
    try {
      // Carried over by URL: no second clock of failover_after before it counts as failed over.
      assertTrue(next.health().state(0).failedOver());
      assertEquals(old.health().state(1).sinceNanos(), next.health().state(1).sinceNanos());
    } finally {
      next.close();
    }
  }
}
