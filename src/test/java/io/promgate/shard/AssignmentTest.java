package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.relabel.Relabeler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Distributing hashed targets over the shards: bit-exact hashmod while every shard is live; a
 * failed-over shard's targets (and only those) spread evenly over the live shards; the same
 * targets and health give the same assignment whatever the discovery order. Spread bounds are
 * binomial, 6 standard deviations (see RendezvousTest).
 */
class AssignmentTest {
  private static final int N = 10_000;

  private static ShardingConfig config(String sharding) {
    try {
      return PromgateConfig.parse("<test>", "sharding: " + sharding).sharding();
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code n} targets in groups of 100, each group with its own label. */
  private static List<TargetGroup> groups(int n) {
    List<TargetGroup> groups = new ArrayList<>();
    for (int g = 0; g * 100 < n; g++) {
      List<String> targets = new ArrayList<>();
      for (int k = g * 100; k < Math.min(n, (g + 1) * 100); k++) {
        targets.add("10.0." + (k / 250) + "." + (k % 250) + ":9100");
      }
      groups.add(new TargetGroup("static", targets, Map.of("group", String.valueOf(g))));
    }
    return groups;
  }

  private static Map<String, Integer> shardOfTarget(Assignment a) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < a.modulus; i++) {
      for (TargetGroup g : a.shards.get(i)) {
        for (String t : g.targets()) {
          assertEquals(null, m.put(t, i), t + " on two shards");
        }
      }
    }
    return m;
  }

  private static boolean[] failed(int modulus, int... shards) {
    boolean[] out = new boolean[modulus];
    for (int s : shards) {
      out[s] = true;
    }
    return out;
  }

  @Test
  void distribute_everyShardLive_prometheusHashmodOfEachTarget() {
    HashedTargets h = new ShardAssigner(config("{modulus: 4}")).hash(groups(N));
    Map<String, Integer> placed = shardOfTarget(Assignment.distribute(h, failed(4)));
    assertEquals(N, placed.size());
    placed.forEach((t, shard) -> assertEquals(Relabeler.hashmod(t, 4), (long) shard, t));
  }

  @Test
  void distribute_oneShardFailedOver_onlyItsTargetsMoveSpreadOverTheLiveShards() {
    HashedTargets h = new ShardAssigner(config("{modulus: 4}")).hash(groups(N));
    Map<String, Integer> healthy = shardOfTarget(Assignment.distribute(h, failed(4)));
    Assignment a = Assignment.distribute(h, failed(4, 1));
    Map<String, Integer> placed = shardOfTarget(a);

    assertEquals(N, placed.size(), "every target still on exactly one shard");
    int[] movedTo = new int[4];
    int moved = 0;
    for (Map.Entry<String, Integer> e : placed.entrySet()) {
      int home = healthy.get(e.getKey());
      if (home == 1) {
        assertTrue(e.getValue() != 1, e.getKey());
        movedTo[e.getValue()]++;
        moved++;
      } else {
        assertEquals(home, e.getValue(), e.getKey() + " was on a live shard and must stay");
      }
    }
    assertEquals(0, a.count(1));
    assertEquals(moved, a.movedOut(1));
    assertEquals(moved, a.moved.size());
    for (int live : new int[] {0, 2, 3}) {
      assertEquals(movedTo[live], a.movedIn(live));
      assertTrue(Math.abs(movedTo[live] - moved / 3.0) <= 6 * Math.sqrt(moved * (1 / 3.0) * (2 / 3.0)),
          "shard " + live + " took " + movedTo[live] + " of " + moved);
    }
    for (Assignment.Move m : a.moved) {
      assertEquals(1, m.from());
      assertEquals((int) placed.get(m.target()), m.to());
    }
  }

  @Test
  void distribute_secondShardFailsToo_onlyTargetsOnItMove() {
    HashedTargets h = new ShardAssigner(config("{modulus: 5}")).hash(groups(N));
    Map<String, Integer> one = shardOfTarget(Assignment.distribute(h, failed(5, 1)));
    Map<String, Integer> two = shardOfTarget(Assignment.distribute(h, failed(5, 1, 3)));
    one.forEach((t, shard) -> {
      if (shard != 3) {
        assertEquals(shard, two.get(t), t);
      } else {
        assertTrue(two.get(t) != 1 && two.get(t) != 3, t);
      }
    });
  }

  @Test
  void distribute_sameTargetsOtherOrderOtherAssigner_sameShardPerTarget() {
    List<TargetGroup> groups = groups(N);
    List<TargetGroup> shuffled = new ArrayList<>();
    for (TargetGroup g : groups) {
      List<String> t = new ArrayList<>(g.targets());
      Collections.shuffle(t, new Random(7));
      shuffled.add(new TargetGroup(g.source(), t, g.labels()));
    }
    Collections.shuffle(shuffled, new Random(11));
    for (String algorithm : new String[] {"hashmod", "rendezvous"}) {
      ShardingConfig c = config("{modulus: 6, algorithm: " + algorithm + "}");
      boolean[] out = failed(6, 2, 4);
      Map<String, Integer> a = shardOfTarget(Assignment.distribute(new ShardAssigner(c).hash(groups), out));
      Map<String, Integer> b = shardOfTarget(Assignment.distribute(new ShardAssigner(c).hash(shuffled), out));
      assertEquals(a, b, algorithm);
    }
  }

  @Test
  void distribute_everyShardFailedOver_nothingMoves() {
    HashedTargets h = new ShardAssigner(config("{modulus: 3}")).hash(groups(300));
    assertEquals(shardOfTarget(Assignment.distribute(h, failed(3))),
        shardOfTarget(Assignment.distribute(h, failed(3, 0, 1, 2))));
    assertEquals(List.of(), Assignment.distribute(h, failed(3, 0, 1, 2)).moved);
  }

  @Test
  void distribute_movedTargets_keepTheirGroupLabelsInTheLiveShardsHttpSd() {
    List<TargetGroup> groups = List.of(
        new TargetGroup("s", List.of("a:1", "b:1", "c:1", "d:1", "e:1", "f:1"), Map.of("env", "prod")));
    HashedTargets h = new ShardAssigner(config("{modulus: 2}")).hash(groups);
    Assignment a = Assignment.distribute(h, failed(2, 0));
    assertEquals(0, a.count(0));
    assertEquals(6, a.count(1));
    JsonArray sd = new JsonArray(a.json(1));
    assertEquals(1, sd.size());
    JsonObject g = sd.getJsonObject(0);
    assertEquals(new JsonObject().put("env", "prod"), g.getJsonObject("labels"));
    assertEquals(List.of("a:1", "b:1", "c:1", "d:1", "e:1", "f:1"), g.getJsonArray("targets").getList());
  }

  @Test
  void distribute_rendezvous_everyShardLive_highestWeightOfTheHashmodHash() {
    HashedTargets h = new ShardAssigner(config("{modulus: 5, algorithm: rendezvous}")).hash(groups(1000));
    shardOfTarget(Assignment.distribute(h, failed(5))).forEach((t, shard) ->
        assertEquals(Rendezvous.pick(Relabeler.hash64(t), 5, null), (int) shard, t));
  }
}
