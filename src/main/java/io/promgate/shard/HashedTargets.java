package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import java.util.List;

/**
 * Every discovered target relabeled and hashed once ({@link ShardAssigner#hash}): for each kept
 * target its group, address, 64-bit hash and home shard (where it goes while every shard is
 * live). Health changes and resharding previews work from this table without relabeling again.
 * Immutable once built; the arrays are never handed out.
 */
final class HashedTargets {
  final int modulus;
  final ShardingConfig.Algorithm algorithm;
  final List<TargetGroup> groups;
  final int discovered;
  final int dropped;
  final int invalid;
  /** Kept targets, in discovery order. */
  final int size;
  private final int[] group;
  private final String[] target;
  private final long[] hash;
  private final int[] home;

  HashedTargets(int modulus, ShardingConfig.Algorithm algorithm, List<TargetGroup> groups,
      int discovered, int dropped, int invalid, int size, int[] group, String[] target, long[] hash,
      int[] home) {
    this.modulus = modulus;
    this.algorithm = algorithm;
    this.groups = List.copyOf(groups);
    this.discovered = discovered;
    this.dropped = dropped;
    this.invalid = invalid;
    this.size = size;
    this.group = group;
    this.target = target;
    this.hash = hash;
    this.home = home;
  }

  /** Index into {@link #groups} of kept target {@code k}. */
  int group(int k) {
    return group[k];
  }

  /** The discovered {@code __address__} of kept target {@code k}. */
  String target(int k) {
    return target[k];
  }

  /** {@link io.promgate.relabel.Relabeler#hash64} of kept target {@code k}'s source labels. */
  long hash(int k) {
    return hash[k];
  }

  /** The shard of kept target {@code k} while every shard is live. */
  int home(int k) {
    return home[k];
  }

  /** The home shard of a target hashing to {@code hash} among {@code modulus} shards. */
  static int home(ShardingConfig.Algorithm algorithm, long hash, int modulus) {
    return switch (algorithm) {
      case HASHMOD -> (int) Long.remainderUnsigned(hash, modulus);
      case RENDEZVOUS -> Rendezvous.pick(hash, modulus, null);
    };
  }
}
