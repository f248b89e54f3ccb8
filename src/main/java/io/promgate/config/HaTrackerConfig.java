package io.promgate.config;

import io.promgate.model.Labels;
import java.time.Duration;

/**
 * {@code remote_write.ha_tracker}: deduplication of HA Prometheus pairs (see {@code io.promgate.ha}).
 * Series carrying both {@code cluster_label} and {@code replica_label} belong to an HA cluster; only
 * the elected replica's samples are stored, without the replica label (and without the cluster
 * label when {@code drop_cluster_label}).
 */
public record HaTrackerConfig(
    boolean enabled, String clusterLabel, String replicaLabel, Duration failoverTimeout, boolean dropClusterLabel) {

  public static final HaTrackerConfig DISABLED =
      new HaTrackerConfig(false, "cluster", "__replica__", Duration.ofSeconds(30), false);

  static HaTrackerConfig read(YamlTree t) {
    HaTrackerConfig c = new HaTrackerConfig(
        t.bool("enabled", false),
        labelName(t, "cluster_label", "cluster"),
        labelName(t, "replica_label", "__replica__"),
        t.duration("failover_timeout", Duration.ofSeconds(30)),
        t.bool("drop_cluster_label", false));
    if (c.clusterLabel.equals(c.replicaLabel)) {
      t.error("replica_label", "must differ from cluster_label, both are \"" + c.replicaLabel + "\"");
    }
    if (c.failoverTimeout.toMillis() < 100) {
      t.error("failover_timeout", "must be at least 100ms, got " + c.failoverTimeout.toMillis() + "ms");
    }
    t.rejectUnknownKeys();
    return c;
  }

  private static String labelName(YamlTree t, String key, String dflt) {
    String v = t.string(key, dflt);
    if (v.isEmpty()) {
      t.error(key, "must not be empty");
      return dflt;
    }
    if (!Labels.isLabelName(v)) {
      t.error(key, "not a valid label name: \"" + v + "\"");
      return dflt;
    }
    if (v.equals("__name__")) {
      t.error(key, "must not be __name__");
      return dflt;
    }
    return v;
  }
}
