package io.promgate.ha;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * Where the promgate replicas of one database share their election state: {@link InfluxHaStore}
 * (the database itself) in production, a map in the election tests. Writes are acknowledged when
 * readable; there is no compare-and-set, which is why proposals settle before they are read back
 * ({@link HaTracker}).
 */
interface HaStore {
  /** One promgate's latest view of one replica ({@code kind=seen} points). */
  record Seen(String cluster, String replica, String node, long lastSampleMs, long lastReceivedMs, long stampMs) {}

  /** A proposal to elect {@code replica} for {@code term} ({@code kind=elect} points). */
  record Proposal(String cluster, long term, String replica, long boundaryMs, String node, long stampMs) {
    /** The deterministic winner among proposals of one term: earliest, then by node, then replica. */
    boolean beats(Proposal o) {
      if (stampMs != o.stampMs) {
        return stampMs < o.stampMs;
      }
      int c = node.compareTo(o.node);
      return c != 0 ? c < 0 : replica.compareTo(o.replica) < 0;
    }
  }

  /** Everything shared for the database: per cluster its proposals, and per cluster and replica the newest times. */
  record Snapshot(Map<String, List<Proposal>> proposals, Map<String, Map<String, long[]>> seen) {}

  Future<Void> write(List<Seen> seen, List<Proposal> proposals);

  Future<Snapshot> read();
}
