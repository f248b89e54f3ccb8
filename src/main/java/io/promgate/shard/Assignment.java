package io.promgate.shard;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One immutable result of {@link #distribute}: the targets of every shard, grouped as
 * discovered, with each shard's http_sd answer rendered once, so that serving
 * {@code /sd/shards/i} is a reference read however often slaves poll.
 *
 * <p>A target goes to its home shard ({@link HashedTargets#home}); when that shard is failed
 * over, to the live shard with the highest {@link Rendezvous} weight for the target's hash. That
 * depends on nothing but the target's hash and the set of failed-over shards: every promgate
 * replica seeing the same health computes the same assignment, whatever order it discovered the
 * targets in, and only the failed-over shards' targets move, spread evenly over the live ones.
 * With every shard failed over nothing moves (there is nowhere to go).
 */
final class Assignment {
  /** A target placed elsewhere than its home shard. */
  record Move(String target, int from, int to) {}

  final int modulus;
  /** Per shard, the discovered groups cut down to the shard's targets, original labels kept. */
  final List<List<TargetGroup>> shards;
  /** Targets discovered, dropped by relabel_configs, and kept but refused by Prometheus. */
  final int discovered;
  final int dropped;
  final int invalid;
  /** The relabeled, hashed targets this was distributed from (for resharding previews). */
  final HashedTargets hashed;
  /** Targets away from their home shard because it is failed over, in discovery order. */
  final List<Move> moved;
  private final boolean[] failedOver;
  private final int[] counts;
  private final int[] movedIn;
  private final int[] movedOut;
  private final Buffer[] json;

  private Assignment(HashedTargets hashed, boolean[] failedOver, List<List<TargetGroup>> shards,
      List<Move> moved, int[] movedIn, int[] movedOut) {
    this.modulus = hashed.modulus;
    this.hashed = hashed;
    this.failedOver = failedOver.clone();
    this.shards = shards.stream().map(List::copyOf).toList();
    this.discovered = hashed.discovered;
    this.dropped = hashed.dropped;
    this.invalid = hashed.invalid;
    this.moved = List.copyOf(moved);
    this.movedIn = movedIn;
    this.movedOut = movedOut;
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

  /**
   * Places every target of {@code hashed}: on its home shard unless {@code failedOver} marks that
   * one, else on the live shard of highest rendezvous weight.
   */
  static Assignment distribute(HashedTargets hashed, boolean[] failedOver) {
    int modulus = hashed.modulus;
    boolean anyLive = false;
    for (int i = 0; i < modulus; i++) {
      anyLive |= !failedOver[i];
    }
    List<List<TargetGroup>> shards = new ArrayList<>(modulus);
    List<List<String>> picked = new ArrayList<>(modulus);
    for (int i = 0; i < modulus; i++) {
      shards.add(new ArrayList<>());
      picked.add(new ArrayList<>());
    }
    List<Move> moved = new ArrayList<>();
    int[] movedIn = new int[modulus];
    int[] movedOut = new int[modulus];
    int k = 0;
    for (int gi = 0; gi < hashed.groups.size(); gi++) {
      for (; k < hashed.size && hashed.group(k) == gi; k++) {
        int home = hashed.home(k);
        int shard = home;
        if (failedOver[home] && anyLive) {
          shard = Rendezvous.pick(hashed.hash(k), modulus, failedOver);
          moved.add(new Move(hashed.target(k), home, shard));
          movedOut[home]++;
          movedIn[shard]++;
        }
        picked.get(shard).add(hashed.target(k));
      }
      TargetGroup g = hashed.groups.get(gi);
      for (int i = 0; i < modulus; i++) {
        List<String> targets = picked.get(i);
        if (!targets.isEmpty()) {
          shards.get(i).add(new TargetGroup(g.source(), List.copyOf(targets), g.labels()));
          targets.clear();
        }
      }
    }
    return new Assignment(hashed, failedOver, shards, moved, movedIn, movedOut);
  }

  /** Targets on shard {@code i}, moved ones included. */
  int count(int i) {
    return counts[i];
  }

  /** Targets moved onto shard {@code i} from failed-over shards. */
  int movedIn(int i) {
    return movedIn[i];
  }

  /** Targets of shard {@code i} placed elsewhere because it is failed over. */
  int movedOut(int i) {
    return movedOut[i];
  }

  /** Whether this assignment treated shard {@code i} as failed over. */
  boolean failedOver(int i) {
    return failedOver[i];
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
