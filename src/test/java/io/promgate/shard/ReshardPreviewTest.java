package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.relabel.Relabeler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The resharding preview: exact for hashmod, about 1/M for rendezvous, nothing at the same M. */
class ReshardPreviewTest {
  private static HashedTargets hashed(String sharding, int n) {
    ShardingConfig c;
    try {
      c = PromgateConfig.parse("<test>", "sharding: " + sharding).sharding();
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
    List<String> targets = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      targets.add("node-" + k + ":9100");
    }
    return new ShardAssigner(c).hash(List.of(new TargetGroup("s", targets, Map.of())));
  }

  @Test
  void of_hashmod_exactlyTheTargetsWhoseHashmodChanges() {
    HashedTargets h = hashed("{modulus: 3}", 500);
    ReshardPreview p = ReshardPreview.of(h, 4);
    List<Assignment.Move> expected = new ArrayList<>();
    for (int k = 0; k < 500; k++) {
      String t = "node-" + k + ":9100";
      int from = (int) Relabeler.hashmod(t, 3);
      int to = (int) Relabeler.hashmod(t, 4);
      if (from != to) {
        expected.add(new Assignment.Move(t, from, to));
      }
    }
    assertEquals(expected, p.moves());
    assertEquals(3, p.fromModulus());
    assertEquals(4, p.toModulus());
    assertEquals(500, p.targets());
    assertEquals(ShardingConfig.Algorithm.HASHMOD, p.algorithm());
  }

  @Test
  void of_sameModulus_nothingMoves() {
    assertEquals(0, ReshardPreview.of(hashed("{modulus: 3}", 500), 3).moving());
    assertEquals(0, ReshardPreview.of(hashed("{modulus: 3, algorithm: rendezvous}", 500), 3).moving());
  }

  @Test
  void of_rendezvousTenThousandTargetsFourToFive_aboutOneFifthMoveAllToTheNewShard() {
    int n = 10_000;
    ReshardPreview p = ReshardPreview.of(hashed("{modulus: 4, algorithm: rendezvous}", n), 5);
    // Binomial(10000, 1/5): 6 standard deviations are 240 targets.
    assertTrue(Math.abs(p.moving() - n / 5.0) <= 6 * Math.sqrt(n * 0.2 * 0.8), p.moving() + " moved");
    for (Assignment.Move m : p.moves()) {
      assertEquals(4, m.to(), m.toString());
    }
  }

  @Test
  void of_rendezvousShrinking_onlyTheRemovedShardsTargetsMove() {
    HashedTargets h = hashed("{modulus: 5, algorithm: rendezvous}", 2000);
    ReshardPreview p = ReshardPreview.of(h, 4);
    int onShard4 = 0;
    for (int k = 0; k < h.size; k++) {
      onShard4 += h.home(k) == 4 ? 1 : 0;
    }
    assertEquals(onShard4, p.moving());
    p.moves().forEach(m -> assertEquals(4, m.from()));
  }
}
