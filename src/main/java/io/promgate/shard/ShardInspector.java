package io.promgate.shard;

import io.promgate.model.Labels;
import io.promgate.relabel.RelabelConfig;
import io.promgate.relabel.Relabeler;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Read-only answers about a running {@link Sharding} for the operator UI ({@code io.promgate.ui}):
 * every discovered target with its labels and shard, and "why this shard" as the relabel steps
 * Prometheus would run. Computed on demand from the sources' current groups with a fresh
 * {@link ShardAssigner} (about a microsecond per target), never touching the live assignment.
 */
public final class ShardInspector {
  /** The shard value for a target a {@code relabel_configs} rule dropped. */
  public static final int DROPPED = ShardAssigner.DROPPED;
  /** The shard value for a target kept by the rules but refused by Prometheus (bad address, ...). */
  public static final int INVALID = ShardAssigner.INVALID;

  /**
   * One discovered target.
   *
   * @param hashShard the shard its labels hash to ({@link #DROPPED}, {@link #INVALID})
   * @param shard the shard of the current assignment that lists it, -1 when none does (dropped,
   *     invalid, or discovered after the last assignment)
   */
  public record Target(String source, String address, Labels discovered, int hashShard, int shard) {}

  private ShardInspector() {}

  /** The {@code data} of {@code GET /api/v1/shards} for {@code s}, or null before the first assignment. */
  public static JsonObject summary(Sharding s, IntFunction<String> sdPath) {
    Assignment a = s.current();
    return a == null ? null : ShardEndpoints.summaryData(s, a, sdPath);
  }

  /** Every target the sources currently list, in source and group order. */
  public static List<Target> targets(Sharding s) {
    ShardAssigner assigner = new ShardAssigner(s.config());
    Map<String, Integer> assigned = new HashMap<>();
    Assignment a = s.current();
    if (a != null) {
      for (int i = 0; i < a.shards.size(); i++) {
        for (TargetGroup g : a.shards.get(i)) {
          for (String t : g.targets()) {
            assigned.put(g.source() + "\u0000" + t, i);
          }
        }
      }
    }
    List<Target> out = new ArrayList<>();
    for (TargetSource src : s.sources()) {
      for (TargetGroup g : src.groups()) {
        for (String t : g.targets()) {
          Labels discovered = assigner.discovered(g, t);
          out.add(new Target(g.source(), t, discovered, assigner.shardOf(discovered),
              assigned.getOrDefault(g.source() + "\u0000" + t, -1)));
        }
      }
    }
    return out;
  }

  /** The rules a target goes through: {@code sharding.relabel_configs}, then the generated hashmod. */
  public static List<RelabelConfig> rules(Sharding s) {
    return new ShardAssigner(s.config()).rules();
  }

  /** The relabel steps of {@code discovered} through {@link #rules}. */
  public static List<Relabeler.Step> explain(Sharding s, Labels discovered) {
    return new ShardAssigner(s.config()).relabeler().trace(discovered);
  }

  /** The temporary label the hashmod rule writes the shard into. */
  public static String shardLabel() {
    return ShardAssigner.SHARD_LABEL;
  }

  /** Whether Prometheus would scrape a target with these relabeled labels (see ShardAssigner). */
  public static boolean scrapable(Labels relabeled) {
    return ShardAssigner.scrapable(relabeled);
  }

  public static int modulus(Sharding s) {
    return s.config().modulus();
  }
}
