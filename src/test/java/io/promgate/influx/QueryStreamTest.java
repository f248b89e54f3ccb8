package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.config.InfluxDbConfig;
import io.promgate.config.TlsConfig;
import io.promgate.testing.RealInfluxDb;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link InfluxClient#query} against a real InfluxDB, in both answer encodings. */
class QueryStreamTest {
  private static Vertx vertx;
  private static RealInfluxDb influx;
  private static String db;
  private static InfluxClient client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    influx = RealInfluxDb.shared();
    db = influx.freshDatabase("querystream");
    client = new InfluxClient(vertx, new InfluxDbConfig(URI.create(influx.url()), db, "", "", "", "", Duration.ofSeconds(10),
        false, 1 << 20, 2, TlsConfig.NONE));
    StringBuilder lp = new StringBuilder();
    // -0.0, whole floats, tiny and huge floats, raw bits of a staleness marker, a tag needing quotes
    lp.append("m,__name__=m,job=a value=-0 1000\n");
    lp.append("m,__name__=m,job=a value=2 2000\n");
    lp.append("m,__name__=m,job=a value=100000000000000000000 3000\n");
    lp.append("m,__name__=m,job=a value=1e-05 4000\n");
    lp.append("m,__name__=m,job=a value_bits=9218868437227405314i 5000\n");
    lp.append("m,__name__=m,job=b\\ c value=-1.5 1000\n");
    for (int i = 0; i < 3000; i++) {
      lp.append("big,__name__=big value=").append(i * 0.5).append(' ').append(10_000 + i).append('\n');
    }
    influx.write(db, lp.toString());
  }

  @AfterAll
  static void stop() {
    client.close();
    vertx.close();
  }

  /** Rows as text with exact bits; the encoding's own integer/float distinction left out. */
  static final class Rows implements ChunkedQueryReader.Handler {
    final List<String> out = new ArrayList<>();

    @Override
    public void series(String m, String[] keys, String[] values, int n, String[] columns, int cn) {
      // InfluxDB's MessagePack answer encodes tags as a Go map: their order varies from run to
      // run and carries no meaning, so compare the tag sets in key order.
      TreeMap<String, String> tags = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        tags.put(keys[i], values[i]);
      }
      StringBuilder sb = new StringBuilder(m);
      tags.forEach((k, v) -> sb.append(',').append(k).append('=').append(v));
      out.add(sb.toString());
    }

    @Override
    public void row(ChunkedQueryReader.Row row) {
      StringBuilder sb = new StringBuilder().append(row.longValue(0));
      if (!row.isNull(1)) {
        sb.append(" value=").append(Long.toHexString(Double.doubleToRawLongBits(row.doubleValue(1))));
      }
      if (!row.isNull(2)) {
        sb.append(" bits=").append(row.longValue(2));
      }
      out.add(sb.toString());
    }
  }

  static List<String> run(String q, boolean msgpack, int chunkSize) throws Exception {
    Rows rows = new Rows();
    Future<Void> done = vertx.getOrCreateContext().<Future<Void>>executeBlocking(() ->
        client.query(q, chunkSize, msgpack, new ChunkedQueryReader(rows), null).done()).compose(f -> f);
    done.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return rows.out;
  }

  @Test
  void query_jsonAndMsgpack_sameSeriesRowsAndBits() throws Exception {
    String q = "SELECT \"value\"::field, \"value_bits\"::field FROM \"m\" WHERE time >= 0 GROUP BY *";
    List<String> json = run(q, false, 2);
    List<String> msgpack = run(q, true, 2);
    assertEquals(List.of(
        "m,__name__=m,job=a", "1000 value=8000000000000000", "2000 value=4000000000000000",
        "m,__name__=m,job=a", "3000 value=4415af1d78b58c40", "4000 value=3ee4f8b588e368f1",
        "m,__name__=m,job=a", "5000 bits=9218868437227405314",
        "m,__name__=m,job=b c", "1000 value=bff8000000000000"), json);
    assertEquals(json, msgpack);
  }

  @Test
  void query_manyChunks_everyRowOnceInOrder() throws Exception {
    for (boolean msgpack : new boolean[] {false, true}) {
      List<String> rows = run("SELECT \"value\" FROM \"big\" WHERE time >= 0 GROUP BY *", msgpack, 700);
      assertEquals(3000 + 5, rows.size(), "3000 rows, 5 series headers of chunks of 700");
      assertEquals("10000 value=0", rows.get(1));
      assertEquals("12999 value=" + Long.toHexString(Double.doubleToRawLongBits(1499.5)), rows.get(rows.size() - 1));
    }
  }

  @Test
  void query_badStatement_rejectedWithInfluxDbsReason() {
    for (boolean msgpack : new boolean[] {false, true}) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> run("SELECT FROM nowhere", msgpack, 10));
      StorageException se = (StorageException) e.getCause();
      assertEquals(StorageException.Kind.REJECTED, se.kind());
      assertEquals("InfluxDB answered 400: error parsing query: found FROM, expected identifier, string, number, bool at line 1, char 8",
          se.getMessage());
    }
  }

  @Test
  void query_missingDatabase_unavailable() throws Exception {
    InfluxClient other = new InfluxClient(vertx, new InfluxDbConfig(URI.create(influx.url()), "promgate_no_such_db", "", "", "",
        "", Duration.ofSeconds(10), false, 1 << 20, 2, TlsConfig.NONE));
    try {
      ExecutionException e = assertThrows(ExecutionException.class, () -> {
        Future<Void> f = vertx.getOrCreateContext().<Future<Void>>executeBlocking(() ->
            other.query("SELECT * FROM m", 10, true, new ChunkedQueryReader(new Rows()), null).done()).compose(x -> x);
        f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      });
      StorageException se = (StorageException) e.getCause();
      assertEquals(StorageException.Kind.UNAVAILABLE, se.kind());
      assertEquals("InfluxDB: database not found: promgate_no_such_db", se.getMessage());
    } finally {
      other.close();
    }
  }

  /** A consumer whose queue is full until the test drains it: the answer must wait, then finish. */
  static final class Stalled implements WriteStream<Buffer> {
    volatile boolean full = true;
    volatile Handler<Void> drain;

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
      return Future.succeededFuture();
    }

    @Override
    public void write(Buffer data, Handler<AsyncResult<Void>> handler) {}

    @Override
    public void end(Handler<AsyncResult<Void>> handler) {}

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return full;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      drain = handler;
      return this;
    }
  }

  @Test
  void query_consumerFull_pausesUntilDrained() throws Exception {
    Rows rows = new Rows();
    Stalled consumer = new Stalled();
    var ctx = vertx.getOrCreateContext();
    Future<Void> done = ctx.<Future<Void>>executeBlocking(() ->
        client.query("SELECT \"value\" FROM \"big\" WHERE time >= 0 GROUP BY *", 10, true, new ChunkedQueryReader(rows), consumer)
            .done()).compose(f -> f);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (consumer.drain == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(consumer.drain != null, "the answer never paused");
    Thread.sleep(300);
    assertTrue(!done.isComplete() && rows.out.size() < 3300, rows.out.size() + " rows read while paused");
    consumer.full = false;
    ctx.runOnContext(v -> consumer.drain.handle(null));
    done.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(3300, rows.out.size(), "3000 rows and 300 series parts of 10");
  }
}
