package io.promgate.ha;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.config.InfluxDbConfig;
import io.promgate.config.TlsConfig;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.StorageException;
import io.promgate.testing.FreePorts;
import io.promgate.testing.RealInfluxDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared election state in a real InfluxDB: what two promgates write, each reads back whole. */
class InfluxHaStoreTest {
  private static Vertx vertx;
  private static RealInfluxDb influx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    influx = RealInfluxDb.shared();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private static InfluxClient client(String url, String db) {
    return new InfluxClient(vertx, new InfluxDbConfig(URI.create(url), db, "", "", "", "", Duration.ofSeconds(5),
        false, 1 << 20, 2, TlsConfig.NONE));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void writeThenRead_twoNodes_maxTimesPerReplicaAndEveryProposal() throws Exception {
    String db = influx.freshDatabase("ha_store");
    InfluxHaStore store = new InfluxHaStore(() -> client(influx.url(), db));
    long now = System.currentTimeMillis();
    String odd = "c 1,=\"x\\"; // every character line protocol escapes
    await(store.write(List.of(
        new HaStore.Seen("c1", "a", "n1", now - 2000, now - 1900, now - 1000),
        new HaStore.Seen("c1", "a", "n2", now - 1000, now - 990, now - 1000),
        new HaStore.Seen("c1", "b", "n2", now - 500, now - 400, now - 1000),
        new HaStore.Seen(odd, "r é", "n1", now - 100, now - 50, now - 1000)),
        List.of(
            new HaStore.Proposal("c1", 1, "a", HaTracker.NEVER, "n1", now - 5000),
            new HaStore.Proposal("c1", 1, "b", HaTracker.NEVER, "n2", now - 4999),
            new HaStore.Proposal("c1", 2, "b", now - 3000, "n2", now - 2000),
            new HaStore.Proposal(odd, 1, "r \"é\"", HaTracker.NEVER, "n1", now - 3000))));
    HaStore.Snapshot snap = await(store.read());

    assertArrayEquals(new long[] {now - 1000, now - 990}, snap.seen().get("c1").get("a"));
    assertArrayEquals(new long[] {now - 500, now - 400}, snap.seen().get("c1").get("b"));
    assertArrayEquals(new long[] {now - 100, now - 50}, snap.seen().get(odd).get("r é"));
    List<HaStore.Proposal> c1 = snap.proposals().get("c1").stream()
        .sorted(Comparator.comparingLong(HaStore.Proposal::stampMs)).toList();
    assertEquals(List.of(
        new HaStore.Proposal("c1", 1, "a", HaTracker.NEVER, "n1", now - 5000),
        new HaStore.Proposal("c1", 1, "b", HaTracker.NEVER, "n2", now - 4999),
        new HaStore.Proposal("c1", 2, "b", now - 3000, "n2", now - 2000)), c1);
    assertEquals(List.of(new HaStore.Proposal(odd, 1, "r \"é\"", HaTracker.NEVER, "n1", now - 3000)),
        snap.proposals().get(odd));
    assertEquals("b", HaTracker.winner(c1).replica());
  }

  @Test
  void readAndWrite_noClientForTheDatabase_failTheFuture() throws Exception {
    InfluxHaStore store = new InfluxHaStore(() -> {
      throw new IllegalStateException("more than 2 tenants (tenancy.max_tenants)");
    });
    assertTrue(store.read().failed());
    assertTrue(store.write(List.of(new HaStore.Seen("c", "r", "n", 1, 1, 1)), List.of()).failed());
  }

  @Test
  void read_influxDbDown_fails() {
    InfluxHaStore store = new InfluxHaStore(() -> client("http://127.0.0.1:" + FreePorts.next(), "x"));
    Exception e = Assertions.assertThrows(Exception.class, () -> await(store.read()));
    assertTrue(e.getCause() instanceof StorageException, String.valueOf(e.getCause()));
  }
}
