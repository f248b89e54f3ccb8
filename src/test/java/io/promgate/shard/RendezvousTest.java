package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.relabel.Relabeler;
import org.junit.jupiter.api.Test;

/**
 * Highest random weight: the weights are pinned (replicas on different promgate versions must
 * agree), and the movement and balance properties are measured on 10,000 targets against
 * binomial bounds: with n targets and probability p, the measured count lies within 6 standard
 * deviations ({@code 6 * sqrt(n p (1-p))}) of {@code n p} except with probability below 2e-9.
 */
class RendezvousTest {
  private static final int N = 10_000;

  private static long hash(int k) {
    return Relabeler.hash64("10.0." + (k / 250) + "." + (k % 250) + ":9100");
  }

  private static double sixSigma(int n, double p) {
    return 6 * Math.sqrt(n * p * (1 - p));
  }

  @Test
  void weight_pinnedValues_splitMix64OfTheHash() {
    // SplitMix64 seeded with 0: its first outputs are the published reference values.
    assertEquals(0xE220A8397B1DCDAFL, Rendezvous.weight(0, 0));
    assertEquals(0x6E789E6AA1B965F4L, Rendezvous.weight(0, 1));
    assertEquals(0x06C45D188009454FL, Rendezvous.weight(0, 2));
  }

  @Test
  void pick_modulusGrowsByOne_movesAboutOneInMAllToTheNewShard() {
    for (int from : new int[] {3, 4, 9}) {
      int to = from + 1;
      int moved = 0;
      for (int k = 0; k < N; k++) {
        int a = Rendezvous.pick(hash(k), from, null);
        int b = Rendezvous.pick(hash(k), to, null);
        if (a != b) {
          moved++;
          assertEquals(from, b, "a target only ever moves to the new shard");
        }
      }
      double p = 1.0 / to;
      assertTrue(Math.abs(moved - N * p) <= sixSigma(N, p),
          from + "→" + to + ": " + moved + " of " + N + " moved, expected about " + N * p);
    }
  }

  @Test
  void pick_hashmodForComparison_movesAboutFourFifthsFromFourToFive() {
    // hash mod 4 == hash mod 5 exactly when hash mod 20 < 4: 1/5 stays, 4/5 move.
    int moved = 0;
    for (int k = 0; k < N; k++) {
      if (Long.remainderUnsigned(hash(k), 4) != Long.remainderUnsigned(hash(k), 5)) {
        moved++;
      }
    }
    assertTrue(Math.abs(moved - N * 0.8) <= sixSigma(N, 0.8), moved + " of " + N);
  }

  @Test
  void pick_manyTargets_balancedOverTheShards() {
    int m = 7;
    int[] counts = new int[m];
    for (int k = 0; k < N; k++) {
      counts[Rendezvous.pick(hash(k), m, null)]++;
    }
    for (int j = 0; j < m; j++) {
      assertTrue(Math.abs(counts[j] - N / (double) m) <= sixSigma(N, 1.0 / m), "shard " + j + ": " + counts[j]);
    }
  }

  @Test
  void pick_excludedShards_skippedAndSecondChoiceTaken() {
    boolean[] excluded = new boolean[5];
    for (int k = 0; k < 1000; k++) {
      int first = Rendezvous.pick(hash(k), 5, null);
      excluded[first] = true;
      int second = Rendezvous.pick(hash(k), 5, excluded);
      excluded[first] = false;
      assertTrue(second != first && second >= 0);
      // The second choice is the highest weight among the others.
      for (int j = 0; j < 5; j++) {
        if (j != first) {
          assertTrue(Long.compareUnsigned(Rendezvous.weight(hash(k), second), Rendezvous.weight(hash(k), j)) >= 0);
        }
      }
    }
    assertEquals(-1, Rendezvous.pick(hash(0), 2, new boolean[] {true, true}));
  }
}
