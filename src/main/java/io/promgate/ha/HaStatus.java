package io.promgate.ha;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * What {@code GET /api/v1/ha} shows (and the UI renders): the tracker's settings and, per cluster,
 * the elected replica and what this promgate knows of each replica (its own receipts merged with
 * the other promgates' from the shared state). Times in Unix ms; {@link HaTracker#NEVER} = unknown.
 */
public record HaStatus(boolean enabled, String clusterLabel, String replicaLabel, double failoverTimeoutSeconds,
    boolean dropClusterLabel, List<ClusterStatus> clusters) {

  /** {@code electedReplica} null while none is elected yet; {@code failovers}: elections after the first. */
  public record ClusterStatus(String database, String cluster, String electedReplica, long electedSinceMs, long failovers,
      long deduplicatedSamples, List<ReplicaStatus> replicas) {}

  public record ReplicaStatus(String replica, boolean elected, long lastSampleTimeMs, long lastReceivedMs) {}

  /** The Prometheus-API style answer (CONTRACTS.md). */
  public JsonObject toJson() {
    JsonArray cs = new JsonArray();
    for (ClusterStatus c : clusters) {
      JsonArray rs = new JsonArray();
      for (ReplicaStatus r : c.replicas) {
        rs.add(new JsonObject().put("replica", r.replica).put("elected", r.elected)
            .put("lastSampleTime", time(r.lastSampleTimeMs)).put("lastReceived", time(r.lastReceivedMs)));
      }
      cs.add(new JsonObject().put("cluster", c.cluster).put("database", c.database)
          .put("electedReplica", c.electedReplica).put("electedSince", time(c.electedSinceMs))
          .put("failovers", c.failovers).put("deduplicatedSamples", c.deduplicatedSamples).put("replicas", rs));
    }
    JsonObject data = new JsonObject().put("enabled", enabled).put("clusterLabel", clusterLabel)
        .put("replicaLabel", replicaLabel).put("failoverTimeoutSeconds", failoverTimeoutSeconds)
        .put("dropClusterLabel", dropClusterLabel).put("clusters", cs);
    return new JsonObject().put("status", "success").put("data", data);
  }

  private static String time(long ms) {
    return ms <= HaTracker.NEVER / 2 ? null : Instant.ofEpochMilli(ms).toString();
  }
}
