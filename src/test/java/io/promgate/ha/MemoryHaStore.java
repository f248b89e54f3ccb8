package io.promgate.ha;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The shared state as {@link InfluxHaStore} keeps it (max per cluster/replica over all nodes; every
 * proposal), in memory, for election tests on a manual clock. {@code unreachable} fails every call
 * as a down InfluxDB does. {@link InfluxHaStoreTest} checks the real store against real InfluxDB.
 */
final class MemoryHaStore implements HaStore {
  final List<Seen> seen = new ArrayList<>();
  final List<Proposal> proposals = new ArrayList<>();
  boolean unreachable;
  /** With {@code time}: each call takes this long (a write becomes visible when it completes). */
  ManualTime time;
  long latencyMs;

  private <T> Future<T> later(Supplier<T> action) {
    if (time == null || latencyMs == 0) {
      return Future.succeededFuture(action.get());
    }
    Promise<T> p = Promise.promise();
    time.schedule(latencyMs, () -> p.complete(action.get()));
    return p.future();
  }

  @Override
  public synchronized Future<Void> write(List<Seen> s, List<Proposal> p) {
    if (unreachable) {
      return Future.failedFuture(new IllegalStateException("InfluxDB unreachable"));
    }
    return later(() -> {
      synchronized (this) {
        seen.addAll(s);
        proposals.addAll(p);
      }
      return null;
    });
  }

  @Override
  public synchronized Future<Snapshot> read() {
    if (unreachable) {
      return Future.failedFuture(new IllegalStateException("InfluxDB unreachable"));
    }
    Map<String, List<Proposal>> ps = new HashMap<>();
    for (Proposal p : proposals) {
      ps.computeIfAbsent(p.cluster(), c -> new ArrayList<>()).add(p);
    }
    Map<String, Map<String, long[]>> ss = new HashMap<>();
    for (Seen s : seen) {
      long[] t = ss.computeIfAbsent(s.cluster(), c -> new HashMap<>())
          .computeIfAbsent(s.replica(), r -> new long[] {HaTracker.NEVER, HaTracker.NEVER});
      t[0] = Math.max(t[0], s.lastSampleMs());
      t[1] = Math.max(t[1], s.lastReceivedMs());
    }
    Snapshot snap = new Snapshot(ps, ss); // what was visible when asked
    return later(() -> snap);
  }
}
