package io.promgate.shard;

import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * One immutable result of {@link ShardAssigner}: the targets of every shard, grouped as
 * discovered, with each shard's http_sd answer rendered once, so that serving
 * {@code /sd/shards/i} is a reference read however often slaves poll.
 */
final class Assignment {
  final int modulus;
  /** Per shard, the discovered groups cut down to the shard's targets, original labels kept. */
  final List<List<TargetGroup>> shards;
  /** Targets discovered, dropped by relabel_configs, and kept but refused by Prometheus. */
  final int discovered;
  final int dropped;
  final int invalid;
  private final int[] counts;
  private final Buffer[] json;

  Assignment(int modulus, List<List<TargetGroup>> shards, int discovered, int dropped, int invalid) {
    this.modulus = modulus;
    this.shards = shards.stream().map(List::copyOf).toList();
    this.discovered = discovered;
    this.dropped = dropped;
    this.invalid = invalid;
    this.counts = new int[modulus];
    this.json = new Buffer[modulus];
    for (int i = 0; i < modulus; i++) {
      int n = 0;
      for (TargetGroup g : this.shards.get(i)) {
        n += g.targets().size();
      }
      counts[i] = n;
      json[i] = TargetGroups.toJson(this.shards.get(i));
    }
  }

  /** Targets on shard {@code i}. */
  int count(int i) {
    return counts[i];
  }

  int assigned() {
    return discovered - dropped - invalid;
  }

  /** The http_sd JSON of shard {@code i}; a fresh slice, so writing it never races. */
  Buffer json(int i) {
    return json[i].slice();
  }

  /**
   * Load imbalance: the fullest shard's targets over the mean (1 = perfectly even; 2 = one shard
   * scrapes twice its share). 1 when there is nothing to assign.
   */
  double skew() {
    int assigned = assigned();
    if (assigned == 0) {
      return 1.0;
    }
    int max = 0;
    for (int c : counts) {
      max = Math.max(max, c);
    }
    return max / ((double) assigned / modulus);
  }
}
