package io.promgate.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.HaTrackerConfig;
import io.promgate.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The election on a manual clock: promgates ({@link HaTracker}s) sharing one {@link MemoryHaStore},
 * Prometheus replicas as calls to {@link HaTracker.Batch#decide} with their sample times.
 * failover_timeout 5s, so refresh and settle take 500ms.
 */
class HaTrackerTest {
  private static final long T0 = 1_764_770_000_000L;
  private static final long TIMEOUT = 5_000;
  private static final HaTrackerConfig CONFIG =
      new HaTrackerConfig(true, "cluster", "__replica__", Duration.ofMillis(TIMEOUT), false);

  private final ManualTime time = new ManualTime(T0);
  private final MemoryHaStore store = new MemoryHaStore();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private HaTracker promgate(long clockOffsetMs) {
    HaTracker t = new HaTracker(() -> CONFIG, db -> store, () -> time.now() + clockOffsetMs, time,
        new Metrics(registry).ha);
    t.scheduleRefresh();
    return t;
  }

  /** One request of replica {@code replica} of cluster c1 with one series sampled at {@code ts}. */
  private static int write(HaTracker t, String replica, long ts) {
    byte[] buf = ("c1" + replica).getBytes(StandardCharsets.UTF_8);
    HaTracker.Batch b = t.batch().database("db");
    int verdict = b.decide(buf, 0, 2, 2, buf.length - 2, ts, ts, 1);
    b.finish();
    return verdict;
  }

  private static String elected(HaTracker t) {
    return t.status().clusters().get(0).electedReplica();
  }

  @Test
  void decide_firstContact_retriesUntilElectedThenStoresOnlyThatReplica() {
    HaTracker p = promgate(0);
    assertEquals(HaTracker.RETRY, write(p, "a", T0));
    assertEquals(HaTracker.RETRY, write(p, "b", T0), "the election is open: every replica retries");
    time.advance(600);
    assertEquals(HaTracker.STORE, write(p, "a", time.now()));
    assertEquals(HaTracker.DEDUPLICATE, write(p, "b", time.now()));
    assertEquals("a", elected(p));
    assertEquals(1, store.proposals.size());
    assertEquals(1, p.status().clusters().get(0).deduplicatedSamples());
  }

  @Test
  void decide_twoPromgatesSeeDifferentReplicasFirst_bothElectTheEarliestProposal() {
    store.time = time;
    store.latencyMs = 50; // neither sees the other's proposal before writing its own
    HaTracker p1 = promgate(0);
    HaTracker p2 = promgate(1); // one ms later: its proposal is the later one
    assertEquals(HaTracker.RETRY, write(p1, "a", T0));
    assertEquals(HaTracker.RETRY, write(p2, "b", T0));
    time.advance(200);
    assertEquals(2, store.proposals.size(), "both proposed term 1");
    assertEquals(Set.of(1L), store.proposals.stream().map(HaStore.Proposal::term).collect(
        Collectors.toSet()));
    time.advance(600);
    assertEquals("a", elected(p1));
    assertEquals("a", elected(p2));
    assertEquals(HaTracker.STORE, write(p1, "a", time.now()));
    assertEquals(HaTracker.DEDUPLICATE, write(p2, "b", time.now()));
  }

  @Test
  void decide_electedSilentForFailoverTimeout_failsOverAfterItsLastSample() {
    HaTracker p = promgate(0);
    write(p, "a", T0);
    time.advance(600);
    long lastA = 0;
    for (int i = 0; i < 10; i++) { // both scrape every second; a is elected
      lastA = time.now();
      assertEquals(HaTracker.STORE, write(p, "a", lastA));
      assertEquals(HaTracker.DEDUPLICATE, write(p, "b", time.now()));
      time.advance(1000);
    }
    // a dies; b is deduplicated until a has been silent for the timeout, in sample and receipt time
    while (time.now() - lastA <= TIMEOUT) {
      assertEquals(HaTracker.DEDUPLICATE, write(p, "b", time.now()));
      time.advance(1000);
    }
    assertEquals(HaTracker.RETRY, write(p, "b", time.now()));
    time.advance(600);
    assertEquals("b", elected(p));
    assertEquals(HaTracker.STORE, write(p, "b", time.now()));
    assertEquals(HaTracker.DEDUPLICATE, write(p, "b", lastA), "b's samples up to a's last one would interleave");
    assertEquals(1.0, registry.get("promgate.ha.elected_replica_changes").tag("cluster", "c1").counter().count());
    assertEquals(1, p.status().clusters().get(0).failovers());
  }

  @Test
  void decide_recoveredReplica_staysDeduplicatedWhileElectedAlive() {
    HaTracker p = promgate(0);
    write(p, "a", T0);
    time.advance(600);
    write(p, "a", time.now());
    time.advance(TIMEOUT + 2000); // a silent: b takes over
    write(p, "b", time.now());
    time.advance(600);
    assertEquals("b", elected(p));
    for (int i = 0; i < 30; i++) { // a is back, both alive for 30 s
      assertEquals(HaTracker.STORE, write(p, "b", time.now()));
      assertEquals(HaTracker.DEDUPLICATE, write(p, "a", time.now()));
      time.advance(1000);
    }
    assertEquals("b", elected(p));
  }

  @Test
  void decide_electedReachesOnlyTheOtherPromgate_isNotFailedOver() {
    HaTracker p1 = promgate(0); // a only reaches p1
    HaTracker p2 = promgate(0); // b only reaches p2
    write(p1, "a", T0);
    time.advance(600);
    assertEquals("a", elected(p1));
    // p2 has never seen a: it learns from the shared state that a is elected and alive
    for (int i = 0; i < 3 * TIMEOUT / 1000; i++) {
      assertEquals(HaTracker.STORE, write(p1, "a", time.now()));
      int v = write(p2, "b", time.now());
      if (i > 0) {
        assertEquals(HaTracker.DEDUPLICATE, v, "second " + i);
      }
      time.advance(1000);
    }
    assertEquals("a", elected(p2));
    assertEquals(1, store.proposals.size(), "nobody proposed a second term");
  }

  @Test
  void decide_electedStopsOnOnePromgate_otherPromgateFailsOverAndBothAgree() {
    HaTracker p1 = promgate(0);
    HaTracker p2 = promgate(0);
    write(p1, "a", T0);
    time.advance(600);
    for (int i = 0; i < 5; i++) {
      write(p1, "a", time.now());
      write(p2, "b", time.now());
      time.advance(1000);
    }
    long lastA = time.now() - 1000;
    int stored = 0;
    for (int i = 0; i < 15; i++) { // a stopped
      if (write(p2, "b", time.now()) == HaTracker.STORE) {
        stored++;
      }
      time.advance(1000);
    }
    assertEquals("b", elected(p2));
    assertEquals("b", elected(p1), "p1 learnt it at a refresh");
    assertTrue(stored >= 15 - (TIMEOUT / 1000) - 3, "b stored from about a's last sample + timeout: " + stored);
    assertEquals(HaTracker.DEDUPLICATE, write(p1, "a", time.now()), "a, back at p1, does not take over");
    assertTrue(lastA > 0);
  }

  @Test
  void decide_stateUnreachableWithNoKnowledge_electsTheAskingReplicaLocally() {
    store.unreachable = true;
    HaTracker p = promgate(0);
    assertEquals(HaTracker.RETRY, write(p, "a", T0), "a failed read answers at once; the retry is decided");
    assertEquals(HaTracker.STORE, write(p, "a", T0 + 1000));
    assertEquals(HaTracker.DEDUPLICATE, write(p, "b", T0 + 1000));
    assertEquals("a", elected(p));
    store.unreachable = false;
    time.advance(600); // a refresh writes the local election
    assertEquals(1, store.proposals.size());
    assertEquals("a", store.proposals.get(0).replica());
  }

  @Test
  void decide_stateUnreachable_keepsTheElectionAndStillFailsOver() {
    HaTracker p = promgate(0);
    write(p, "a", T0);
    time.advance(600);
    store.unreachable = true;
    for (int i = 0; i < 10; i++) {
      assertEquals(HaTracker.STORE, write(p, "a", time.now()), "the last known election holds");
      assertEquals(HaTracker.DEDUPLICATE, write(p, "b", time.now()));
      time.advance(1000);
    }
    time.advance(TIMEOUT); // a stops: b must not be deduplicated for lack of the state
    assertEquals(HaTracker.RETRY, write(p, "b", time.now()));
    assertEquals(HaTracker.STORE, write(p, "b", time.now()));
    assertEquals("b", elected(p));
    assertFalse(store.proposals.stream().anyMatch(x -> x.replica().equals("b")));
    store.unreachable = false;
    time.advance(600);
    assertTrue(store.proposals.stream().anyMatch(x -> x.replica().equals("b") && x.term() == 2), "written once back");
  }

  @Test
  void status_trackerDisabled_enabledFalseAndNoClusters() {
    HaTracker t = new HaTracker(() -> HaTrackerConfig.DISABLED, db -> store, time::now, time, new Metrics(registry).ha);
    assertEquals("{\"status\":\"success\",\"data\":{\"enabled\":false,\"clusterLabel\":\"cluster\","
        + "\"replicaLabel\":\"__replica__\",\"failoverTimeoutSeconds\":30.0,\"dropClusterLabel\":false,\"clusters\":[]}}",
        t.status().toJson().encode());
  }

  @Test
  void status_electedCluster_contractShape() {
    HaTracker p = promgate(0);
    write(p, "a", T0);
    time.advance(600);
    write(p, "a", T0 + 1000);
    write(p, "b", T0 + 1200);
    assertEquals("{\"status\":\"success\",\"data\":{\"enabled\":true,\"clusterLabel\":\"cluster\","
        + "\"replicaLabel\":\"__replica__\",\"failoverTimeoutSeconds\":5.0,\"dropClusterLabel\":false,\"clusters\":["
        + "{\"cluster\":\"c1\",\"database\":\"db\",\"electedReplica\":\"a\",\"electedSince\":\"2025-12-03T13:53:20Z\","
        + "\"failovers\":0,\"deduplicatedSamples\":1,\"replicas\":["
        + "{\"replica\":\"a\",\"elected\":true,\"lastSampleTime\":\"2025-12-03T13:53:21Z\",\"lastReceived\":\"2025-12-03T13:53:20.600Z\"},"
        + "{\"replica\":\"b\",\"elected\":false,\"lastSampleTime\":\"2025-12-03T13:53:21.200Z\",\"lastReceived\":\"2025-12-03T13:53:20.600Z\"}]}]}}",
        p.status().toJson().encode());
  }

  @Test
  void refresh_lateProposalThatWinsTerm_convergesEveryPromgate() {
    HaTracker p1 = promgate(0);
    HaTracker p2 = promgate(0);
    write(p1, "a", T0);
    time.advance(600);
    write(p2, "b", time.now());
    time.advance(600);
    assertEquals("a", elected(p2));
    // a proposal for term 1 stamped before a's shows up late (a skewed clock or a slow write)
    store.proposals.add(new HaStore.Proposal("c1", 1, "b", HaTracker.NEVER, "zz", T0 - 10));
    time.advance(600);
    assertEquals("b", elected(p1));
    assertEquals("b", elected(p2));
  }
}
