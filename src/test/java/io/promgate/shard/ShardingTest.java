package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.promgate.testing.Await;
import io.vertx.core.Vertx;
import java.time.Duration;
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
}
