package io.promgate.ha;

import io.promgate.config.HaTrackerConfig;
import io.promgate.influx.InfluxClient;
import io.promgate.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The HA tracker: per HA cluster (the value of {@code cluster_label}) one elected replica (the
 * value of {@code replica_label}) whose samples are stored; the other replicas' samples are
 * acknowledged and dropped. What Cortex/Mimir call the HA tracker, with the state kept in the
 * InfluxDB database the samples go to ({@link InfluxHaStore}) instead of a KV store, so that
 * every promgate writing there agrees without a coordination service.
 *
 * <h2>Election</h2>
 * Each promgate keeps the elections in memory; a write asks that cache only ({@link Batch}, no
 * round trip). A replica other than the elected one takes over when, <em>both</em> in sample time
 * and in receipt time, the elected replica has been silent for {@code failover_timeout}: the
 * candidate's newest sample is more than the timeout past the elected replica's newest sample, and
 * nothing of the elected replica arrived for the timeout (at any promgate, as far as the shared
 * state tells). The new term records the old replica's newest sample time as its boundary: the new
 * replica's series are stored only from after it, so a failover never interleaves two replicas'
 * samples (and their counters) in one series (grafana/mimir#12331). A recovered replica finds the
 * elected one alive and stays deduplicated (no flapping back).
 *
 * <p>Agreement without compare-and-set: a promgate that wants a new term writes a proposal
 * (cluster, term, replica, boundary, its node id, a time stamp), waits {@link #settleMillis} so that
 * concurrent proposals become visible, then reads all proposals back; the winner of the highest
 * term is the earliest proposal (ties by node, replica) — the same answer for every reader. While
 * its own election is open, the cluster's series get 503 (Prometheus retries them after
 * Retry-After; nothing is lost, nothing stored twice). Every refresh ({@link #refreshMillis}) each
 * promgate writes what it saw of each replica and reads everything back, so a late proposal (one
 * whose write took longer than the settle time, or stamped by a skewed clock) still converges
 * everyone on the same winner at the next refresh: at most one refresh interval in which two
 * promgates store different replicas.
 *
 * <h2>State unreachable</h2>
 * No sample is lost because the state could not be read or written: the last known election
 * stays; an election that cannot be written or read back is decided locally for the replica that
 * asked (unconfirmed, written again at every refresh until InfluxDB takes it). With no InfluxDB
 * the samples themselves fail with 503 anyway and Prometheus retries them.
 */
public final class HaTracker {
  private static final Logger LOG = Logger.getLogger(HaTracker.class);
  /** "Never seen": far enough from Long.MIN_VALUE that differences do not overflow. */
  static final long NEVER = Long.MIN_VALUE / 4;

  /** Series verdicts of {@link Batch#decide}. */
  public static final int STORE = 1;
  public static final int DEDUPLICATE = 0;
  public static final int RETRY = -1;

  /** How the tracker waits (Vert.x timers in production, a manual clock in tests). */
  public interface Scheduler {
    void schedule(long delayMs, Runnable task);
  }

  private final Supplier<HaTrackerConfig> config;
  private final Function<String, HaStore> stores;
  private final LongSupplier clock;
  private final Scheduler scheduler;
  private final Metrics.Ha metrics;
  final String node = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
  // database -> cluster -> state
  private final Map<String, Map<String, Cluster>> databases = new ConcurrentHashMap<>();
  private final ThreadLocal<Batch> batches = ThreadLocal.withInitial(() -> new Batch(this));
  private volatile boolean closed;

  HaTracker(Supplier<HaTrackerConfig> config, Function<String, HaStore> stores, LongSupplier clock, Scheduler scheduler,
      Metrics.Ha metrics) {
    this.config = config;
    this.stores = stores;
    this.clock = clock;
    this.scheduler = scheduler;
    this.metrics = metrics;
  }

  /**
   * The tracker of a running promgate: state in {@code %pg:ha} of each database (through {@code
   * client}), refreshed on Vert.x timers.
   */
  public static HaTracker start(Vertx vertx, Supplier<HaTrackerConfig> config,
      Function<String, InfluxClient> client, Metrics.Ha metrics) {
    HaTracker t = new HaTracker(config, db -> new InfluxHaStore(() -> client.apply(db)), System::currentTimeMillis,
        (delay, task) -> vertx.setTimer(Math.max(1, delay), id -> task.run()), metrics);
    t.scheduleRefresh();
    return t;
  }

  public void close() {
    closed = true;
  }

  public HaTrackerConfig config() {
    return config.get();
  }

  /** Refresh period: a tenth of failover_timeout, within [100ms, 5s]. */
  long refreshMillis() {
    return Math.max(100, Math.min(5000, config.get().failoverTimeout().toMillis() / 10));
  }

  /** How long a proposal waits for concurrent ones before the winner is read: refresh period, at most 1s. */
  long settleMillis() {
    return Math.min(1000, refreshMillis());
  }

  void scheduleRefresh() {
    if (closed) {
      return;
    }
    scheduler.schedule(refreshMillis(), () -> {
      Future<Void> done = config.get().enabled() ? refresh() : Future.succeededFuture();
      done.onComplete(ar -> scheduleRefresh());
    });
  }

  /**
   * The per-thread scratch of one request's decode (reset here): the decoder asks it per HA series.
   */
  public Batch batch() {
    Batch b = batches.get();
    b.reset(clock.getAsLong());
    return b;
  }

  // ---- shared state --------------------------------------------------------------------------

  /** Writes this promgate's view of every replica it heard from, then reads and applies everyone's. */
  Future<Void> refresh() {
    List<Future<Void>> all = new ArrayList<>();
    for (Map.Entry<String, Map<String, Cluster>> db : databases.entrySet()) {
      all.add(refresh(db.getKey(), db.getValue()));
    }
    return Future.join(all).mapEmpty();
  }

  private Future<Void> refresh(String database, Map<String, Cluster> clusters) {
    HaStore store = stores.apply(database);
    long now = clock.getAsLong();
    List<HaStore.Seen> seen = new ArrayList<>();
    List<HaStore.Proposal> unconfirmed = new ArrayList<>();
    for (Cluster c : clusters.values()) {
      for (Replica r : c.replicas.values()) {
        if (r.dirty) {
          r.dirty = false;
          seen.add(new HaStore.Seen(c.name, r.name, node, r.localSample.get(), r.localReceived.get(), now));
        }
      }
      Election e = c.election;
      if (e != null && !e.confirmed && !c.resolving.get()) {
        unconfirmed.add(new HaStore.Proposal(c.name, e.term, e.replica, e.boundaryMs, node, e.sinceMs));
      }
    }
    return store.write(seen, unconfirmed)
        .recover(err -> {
          // Not written now: mark them to be written next time; the read may still work.
          for (HaStore.Seen s : seen) {
            Replica r = clusters.get(s.cluster()).replicas.get(s.replica());
            if (r != null) {
              r.dirty = true;
            }
          }
          return Future.succeededFuture();
        })
        .compose(v -> store.read())
        .map(snap -> {
          apply(database, snap);
          return (Void) null;
        })
        .recover(err -> {
          LOG.debugf("HA state of database %s not refreshed (last known elections kept): %s", database, err.getMessage());
          return Future.succeededFuture();
        });
  }

  /** Takes in a snapshot of the shared state: replicas' newest times, and each cluster's winner. */
  private void apply(String database, HaStore.Snapshot snap) {
    Map<String, Cluster> clusters = databases.computeIfAbsent(database, d -> new ConcurrentHashMap<>());
    snap.seen().forEach((cluster, replicas) -> {
      Cluster c = clusters.get(cluster);
      if (c == null) {
        return; // a cluster this promgate never received: not tracked here
      }
      replicas.forEach((name, times) -> {
        Replica r = c.replica(name);
        r.sharedSample = Math.max(r.sharedSample, times[0]);
        r.sharedReceived = Math.max(r.sharedReceived, times[1]);
      });
    });
    snap.proposals().forEach((cluster, proposals) -> {
      Cluster c = clusters.get(cluster);
      if (c == null) {
        return;
      }
      HaStore.Proposal w = winner(proposals);
      Election cur = c.election;
      if (w != null && (cur == null || w.term() > cur.term || (w.term() == cur.term
          && (!cur.confirmed || !w.replica().equals(cur.replica) || w.stampMs() != cur.sinceMs)))) {
        c.elect(new Election(w.replica(), w.term(), w.stampMs(), w.boundaryMs(), true));
      }
    });
  }

  static HaStore.Proposal winner(List<HaStore.Proposal> proposals) {
    HaStore.Proposal best = null;
    for (HaStore.Proposal p : proposals) {
      if (best == null || p.term() > best.term() || (p.term() == best.term() && p.beats(best))) {
        best = p;
      }
    }
    return best;
  }

  /**
   * Settles who is elected for {@code c} now that {@code candidate} (newest sample {@code
   * candidateTs}) asked and the cache could not answer: reads the shared state; if the elected
   * replica is still alive there, keeps it; else proposes {@code candidate} for the next term and
   * reads the winner back after the settle time. The cluster's series get 503 meanwhile.
   */
  private void resolve(Cluster c, String candidate, long candidateTs) {
    if (!c.resolving.compareAndSet(false, true)) {
      return;
    }
    HaStore store = stores.apply(c.database);
    long[] proposedTerm = {0};
    long[] boundary = {NEVER};
    store.read().compose(snap -> {
      apply(c.database, snap);
      Election cur = c.election;
      if (cur != null && (cur.replica.equals(candidate) || !failoverDue(c, cur, candidateTs, clock.getAsLong()))) {
        return Future.succeededFuture();
      }
      long maxTerm = cur == null ? 0 : cur.term;
      List<HaStore.Proposal> known = snap.proposals().get(c.name);
      if (known != null) {
        for (HaStore.Proposal p : known) {
          maxTerm = Math.max(maxTerm, p.term());
        }
      }
      proposedTerm[0] = maxTerm + 1;
      boundary[0] = cur == null ? NEVER : c.replica(cur.replica).lastSample();
      HaStore.Proposal mine =
          new HaStore.Proposal(c.name, proposedTerm[0], candidate, boundary[0], node, clock.getAsLong());
      return store.write(List.of(), List.of(mine))
          .compose(v -> {
            Promise<Void> settled = Promise.promise();
            scheduler.schedule(settleMillis(), settled::complete);
            return settled.future();
          })
          .compose(v -> store.read())
          .map(after -> {
            apply(c.database, after);
            return (Void) null;
          });
    }).onComplete(ar -> {
      if (ar.failed()) {
        Election cur = c.election;
        long now = clock.getAsLong();
        if (cur == null || (!cur.replica.equals(candidate) && failoverDue(c, cur, candidateTs, now))) {
          long term = Math.max(proposedTerm[0], cur == null ? 1 : cur.term + 1);
          long b = cur == null ? NEVER : c.replica(cur.replica).lastSample();
          LOG.warnf("HA cluster %s: election state unreachable (%s); electing replica %s locally until it is written",
              c.name, ar.cause().getMessage(), candidate);
          c.elect(new Election(candidate, term, now, b, false));
        }
      }
      c.resolving.set(false);
    });
  }

  /** Whether {@code cur}'s replica has been silent for failover_timeout, in sample time and in receipt time. */
  private boolean failoverDue(Cluster c, Election cur, long candidateTs, long now) {
    long timeout = config.get().failoverTimeout().toMillis();
    Replica e = c.replica(cur.replica);
    // A replica counts as alive from its election on, before anyone reported its samples.
    return candidateTs - Math.max(e.lastSample(), cur.sinceMs) > timeout
        && now - Math.max(e.lastReceived(), cur.sinceMs) > timeout;
  }

  // ---- the cache -----------------------------------------------------------------------------

  Cluster cluster(String database, String name) {
    Map<String, Cluster> clusters = databases.computeIfAbsent(database, d -> new ConcurrentHashMap<>());
    Cluster c = clusters.get(name);
    if (c != null) {
      return c;
    }
    return clusters.computeIfAbsent(name, n -> {
      metrics.clusterCount.incrementAndGet();
      return new Cluster(database, n, metrics.cluster(n));
    });
  }

  /** One election: immutable, swapped whole. */
  record Election(String replica, long term, long sinceMs, long boundaryMs, boolean confirmed) {}

  static final class Cluster {
    final String database;
    final String name;
    final Metrics.Ha.PerCluster meters;
    volatile Election election;
    final AtomicBoolean resolving = new AtomicBoolean();
    final Map<String, Replica> replicas = new ConcurrentHashMap<>();
    final LongAdder deduplicated = new LongAdder();

    Cluster(String database, String name, Metrics.Ha.PerCluster meters) {
      this.database = database;
      this.name = name;
      this.meters = meters;
    }

    Replica replica(String name) {
      Replica r = replicas.get(name);
      return r != null ? r : replicas.computeIfAbsent(name, Replica::new);
    }

    synchronized void elect(Election next) {
      Election prev = election;
      if (prev != null && !prev.replica.equals(next.replica)) {
        meters.changes().increment();
        LOG.infof("HA cluster %s: replica %s elected (term %d), was %s", name, next.replica, next.term, prev.replica);
      }
      election = next;
    }
  }

  static final class Replica {
    final String name;
    final AtomicLong localSample = new AtomicLong(NEVER);
    final AtomicLong localReceived = new AtomicLong(NEVER);
    volatile long sharedSample = NEVER;
    volatile long sharedReceived = NEVER;
    volatile boolean dirty;

    Replica(String name) {
      this.name = name;
    }

    long lastSample() {
      return Math.max(localSample.get(), sharedSample);
    }

    long lastReceived() {
      return Math.max(localReceived.get(), sharedReceived);
    }

    void saw(long sampleMs, long nowMs) {
      localSample.accumulateAndGet(sampleMs, Math::max);
      localReceived.accumulateAndGet(nowMs, Math::max);
      dirty = true;
    }
  }

  // ---- the hot path --------------------------------------------------------------------------

  /**
   * One request's view of the tracker, per decoder thread: remembers the (cluster, replica) pairs
   * of the request by their bytes, so a series costs a byte compare and a volatile read; times and
   * counts go to the shared cache once per request ({@link #finish}).
   */
  public static final class Batch {
    private final HaTracker tracker;
    private String database;
    private long now;
    private long timeout;
    private int n;
    private Slot[] slots = new Slot[4];
    private Slot last;
    private String retryCluster;

    Batch(HaTracker tracker) {
      this.tracker = tracker;
    }

    void reset(long nowMs) {
      now = nowMs;
      n = 0;
      last = null;
      retryCluster = null;
      timeout = tracker.config.get().failoverTimeout().toMillis();
    }

    /** The database this request writes to (each database has its own clusters and state). */
    public Batch database(String db) {
      this.database = db;
      return this;
    }

    /**
     * The verdict for one series of cluster {@code buf[cOff, cOff+cLen)} and replica {@code
     * buf[rOff, rOff+rLen)} whose samples span {@code [minTs, maxTs]}: {@link #STORE}, {@link
     * #DEDUPLICATE}, or {@link #RETRY} while the cluster's election is open.
     */
    public int decide(byte[] buf, int cOff, int cLen, int rOff, int rLen, long minTs, long maxTs, int samples) {
      Slot s = last;
      if (s == null || !s.is(buf, cOff, cLen, rOff, rLen)) {
        s = slot(buf, cOff, cLen, rOff, rLen);
        last = s;
      }
      if (maxTs > s.maxTs) {
        s.maxTs = maxTs;
      }
      // The usual case in a few loads: the elected replica's series, after its boundary. The
      // election seen at the request's first series of the pair holds for the whole request.
      if (s.elected != null && minTs > s.elected.boundaryMs) {
        return STORE;
      }
      if (maxTs <= s.dedupUpToTs) { // another replica's series, its elected one still alive
        s.deduplicated += samples;
        return DEDUPLICATE;
      }
      Cluster c = s.cluster;
      Election e = c.election;
      if (e == null || c.resolving.get()) {
        tracker.resolve(c, s.replica, maxTs);
        retryCluster = c.name;
        return RETRY;
      }
      if (s.replica.equals(e.replica)) {
        if (!c.resolving.get()) {
          s.elected = e;
        }
        if (minTs > e.boundaryMs) {
          return STORE;
        }
      } else if (tracker.failoverDue(c, e, maxTs, now)) {
        tracker.resolve(c, s.replica, maxTs);
        retryCluster = c.name;
        return RETRY;
      } else if (!c.resolving.get()) {
        // Within this request, failover can only become due through a newer sample time.
        Replica er = c.replica(e.replica);
        s.dedupUpToTs = now - Math.max(er.lastReceived(), e.sinceMs) > timeout
            ? Math.max(er.lastSample(), e.sinceMs) + timeout
            : Long.MAX_VALUE;
      }
      s.deduplicated += samples;
      return DEDUPLICATE;
    }

    /** Why the request must be retried (after a {@link #RETRY}), for the 503 answer. */
    public String retryReason() {
      return "HA tracker: electing the replica of cluster \"" + retryCluster
          + "\" (remote_write.ha_tracker), retry shortly";
    }

    /** Records what the request carried: each replica's newest sample and receipt, deduplicated counts. */
    public void finish() {
      for (int i = 0; i < n; i++) {
        Slot s = slots[i];
        s.cluster.replica(s.replica).saw(s.maxTs, now);
        if (s.deduplicated > 0) {
          s.cluster.deduplicated.add(s.deduplicated);
          s.cluster.meters.deduplicated().increment(s.deduplicated);
        }
        slots[i] = null;
      }
      n = 0;
      last = null;
    }

    private Slot slot(byte[] buf, int cOff, int cLen, int rOff, int rLen) {
      for (int i = 0; i < n; i++) {
        if (slots[i].is(buf, cOff, cLen, rOff, rLen)) {
          return slots[i];
        }
      }
      String cluster = new String(buf, cOff, cLen, StandardCharsets.UTF_8);
      String replica = new String(buf, rOff, rLen, StandardCharsets.UTF_8);
      Slot s = new Slot(Arrays.copyOfRange(buf, cOff, cOff + cLen), Arrays.copyOfRange(buf, rOff, rOff + rLen),
          tracker.cluster(database, cluster), replica);
      if (n == slots.length) {
        slots = Arrays.copyOf(slots, n * 2);
      }
      slots[n++] = s;
      return s;
    }

    private static final class Slot {
      final byte[] clusterBytes;
      final byte[] replicaBytes;
      final Cluster cluster;
      final String replica;
      long maxTs = NEVER;
      long deduplicated;
      Election elected; // non-null once this replica was found elected in this request
      long dedupUpToTs = Long.MIN_VALUE; // series up to this sample time are deduplicated without asking

      boolean is(byte[] buf, int cOff, int cLen, int rOff, int rLen) {
        return same(replicaBytes, buf, rOff, rLen) && same(clusterBytes, buf, cOff, cLen);
      }

      // Label values are short: a plain loop beats Arrays.equals' range checks and call here.
      private static boolean same(byte[] a, byte[] buf, int off, int len) {
        if (a.length != len) {
          return false;
        }
        for (int i = 0; i < len; i++) {
          if (a[i] != buf[off + i]) {
            return false;
          }
        }
        return true;
      }

      Slot(byte[] clusterBytes, byte[] replicaBytes, Cluster cluster, String replica) {
        this.clusterBytes = clusterBytes;
        this.replicaBytes = replicaBytes;
        this.cluster = cluster;
        this.replica = replica;
      }
    }
  }

  // ---- status --------------------------------------------------------------------------------

  /** An immutable view of every tracked cluster, for {@code GET /api/v1/ha} and the UI. */
  public HaStatus status() {
    HaTrackerConfig cfg = config.get();
    List<HaStatus.ClusterStatus> out = new ArrayList<>();
    databases.forEach((db, clusters) -> clusters.values().forEach(c -> {
      Election e = c.election;
      List<HaStatus.ReplicaStatus> replicas = new ArrayList<>();
      c.replicas.values().forEach(r -> replicas.add(new HaStatus.ReplicaStatus(r.name,
          e != null && e.replica.equals(r.name), r.lastSample(), r.lastReceived())));
      replicas.sort(Comparator.comparing(HaStatus.ReplicaStatus::replica));
      out.add(new HaStatus.ClusterStatus(db, c.name, e == null ? null : e.replica, e == null ? NEVER : e.sinceMs,
          e == null ? 0 : Math.max(0, e.term - 1), c.deduplicated.sum(), List.copyOf(replicas)));
    }));
    out.sort(Comparator.comparing(HaStatus.ClusterStatus::database)
        .thenComparing(HaStatus.ClusterStatus::cluster));
    return new HaStatus(cfg.enabled(), cfg.clusterLabel(), cfg.replicaLabel(), cfg.failoverTimeout().toMillis() / 1000.0,
        cfg.dropClusterLabel(), cfg.enabled() ? List.copyOf(out) : List.of());
  }
}
