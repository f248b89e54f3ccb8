package io.promgate.shard;

/**
 * Rendezvous (highest random weight) hashing, Thaler and Ravishankar, "Using name-based mappings
 * to increase hit rates" (IEEE/ACM ToN 6(1), 1998): a target goes to the shard with the highest
 * weight {@code w(target, shard)}. Taking a shard away moves only the targets it held (each to
 * its second-highest shard), and adding the M-th shard moves only the targets whose new weight
 * is the highest, about 1/M of them; hashmod moves about (M-1)/M.
 *
 * <p>The target's part is {@link io.promgate.relabel.Relabeler#hash64} of its
 * {@code source_labels} (the number Prometheus's hashmod reduces), so every promgate replica
 * computes the same weights. {@code w(h, j)} is the (j+1)-th output of SplitMix64 (Steele, Lea
 * and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) seeded with
 * {@code h}: the outputs for different {@code j} are as independent as SplitMix64's stream.
 * Weights compare unsigned; a tie (probability 2^-64) goes to the lower index.
 */
final class Rendezvous {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private Rendezvous() {}

  /** The weight of shard {@code shard} for a target hashing to {@code hash}. */
  static long weight(long hash, int shard) {
    long z = hash + (shard + 1L) * GOLDEN_GAMMA;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The shard in {@code [0, modulus)} with the highest weight, skipping those {@code excluded}
   * marks (null: none); -1 when every shard is excluded.
   */
  static int pick(long hash, int modulus, boolean[] excluded) {
    int best = -1;
    long bestWeight = 0;
    for (int j = 0; j < modulus; j++) {
      if (excluded != null && excluded[j]) {
        continue;
      }
      long w = weight(hash, j);
      if (best < 0 || Long.compareUnsigned(w, bestWeight) > 0) {
        best = j;
        bestWeight = w;
      }
    }
    return best;
  }
}
