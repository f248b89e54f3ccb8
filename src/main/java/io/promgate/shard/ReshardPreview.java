package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What changing {@code sharding.modulus} would do ({@code GET /api/v1/shards/preview?modulus=M}):
 * each assigned target's home shard today against its home shard among {@code M} shards under the
 * configured algorithm, both computed from the one hash kept per target (the number hashmod
 * reduces, so the hashmod answer is exactly what Prometheus would compute). Health is left out:
 * it compares the two healthy layouts.
 *
 * @param targets the assigned targets compared
 * @param moves the targets whose home shard changes, in discovery order
 */
record ReshardPreview(int fromModulus, int toModulus, ShardingConfig.Algorithm algorithm,
    int targets, List<Assignment.Move> moves) {

  static ReshardPreview of(HashedTargets hashed, int toModulus) {
    List<Assignment.Move> moves = new ArrayList<>();
    for (int k = 0; k < hashed.size; k++) {
      int from = hashed.home(k);
      int to = HashedTargets.home(hashed.algorithm, hashed.hash(k), toModulus);
      if (from != to) {
        moves.add(new Assignment.Move(hashed.target(k), from, to));
      }
    }
    return new ReshardPreview(hashed.modulus, toModulus, hashed.algorithm, hashed.size, List.copyOf(moves));
  }

  int moving() {
    return moves.size();
  }
}
