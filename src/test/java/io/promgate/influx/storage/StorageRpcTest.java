package io.promgate.influx.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.config.InfluxDbConfig;
import io.promgate.config.TlsConfig;
import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.StorageException;
import io.promgate.influx.storage.StoragePredicate.Fields;
import io.promgate.model.Matcher;
import io.promgate.model.Matcher.Type;
import io.promgate.testing.FreePorts;
import io.promgate.testing.RealInfluxDb;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link StorageRpc} and {@link StoragePredicate} against the real InfluxDB's storage service. */
class StorageRpcTest {
  private static final long STALE = 0x7ff0000000000002L;
  private static Vertx vertx;
  private static RealInfluxDb influx;
  private static String db;
  private static InfluxClient client;
  private static String host;
  private static int port;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    influx = RealInfluxDb.shared();
    db = influx.freshDatabase("storagerpc");
    client = new InfluxClient(vertx, new InfluxDbConfig(URI.create(influx.url()), db, "", "", "", "", Duration.ofSeconds(10),
        false, 1 << 20, 2, TlsConfig.NONE));
    String address = influx.storageAddress();
    host = address.substring(0, address.lastIndexOf(':'));
    port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    // (ms precision) promgate's schema: float "value", specials as integer "value_bits"; a marker-encoded value;
    // a series without the "job" tag; a second measurement
    influx.write(db, String.join("\n",
        "up,__name__=up,instance=x,job=a value=1 1000",
        "up,__name__=up,instance=x,job=a value=-0.5 16000",
        "up,__name__=up,instance=x,job=a value_bits=" + STALE + "i 31000",
        "up,__name__=up,job=%pg:a%2Cb value=3 1000",
        "up,__name__=up,instance=y value=4 2000",
        "http_total,__name__=http_total,code=200 value=5 1000"));
  }

  @AfterAll
  static void stop() {
    client.close();
    vertx.close();
  }

  /** What a handler saw: "series measurement tags field" lines and "t v" rows. */
  static final class Recorder implements ChunkedQueryReader.Handler {
    final List<String> events = new ArrayList<>();

    @Override
    public void series(String measurement, String[] keys, String[] values, int n, String[] columns, int cn) {
      StringBuilder sb = new StringBuilder("series ").append(measurement);
      for (int i = 0; i < n; i++) {
        sb.append(' ').append(keys[i]).append('=').append(values[i]);
      }
      events.add(sb.append(" [").append(columns[0]).append(',').append(columns[1]).append(']').toString());
    }

    @Override
    public void row(ChunkedQueryReader.Row row) {
      String v = row.kind(1) == ChunkedQueryReader.Row.INTEGER ? row.longValue(1) + "i" : String.valueOf(row.doubleValue(1));
      events.add(row.longValue(0) + " " + v);
    }
  }

  private static List<String> read(List<Matcher> matchers, long startMs, long endMs, Fields fields, boolean count)
      throws Exception {
    Recorder r = new Recorder();
    StoragePredicate p = StoragePredicate.of(db, "", matchers, startMs, endMs);
    client.storageRead(host, port, p, fields, count, null, r, null).done()
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return r.events;
  }

  @Test
  void read_bothFields_seriesInIndexOrderWithRowsInMs() throws Exception {
    assertEquals(List.of(
        "series up __name__=up instance=x job=a [time,value]",
        "1000 1.0",
        "16000 -0.5",
        "series up __name__=up instance=x job=a [time,value_bits]",
        "31000 " + STALE + "i",
        "series up __name__=up instance=y [time,value]",
        "2000 4.0",
        "series up __name__=up job=%pg:a%2Cb [time,value]",
        "1000 3.0"), read(List.of(Matcher.of(Type.EQ, "__name__", "up")), 0, 100_000, Fields.BOTH, false));
  }

  @Test
  void read_count_onePointPerSeriesAndField() throws Exception {
    assertEquals(List.of(
        "series up __name__=up instance=x job=a [time,value]",
        "0 2i",
        "series up __name__=up instance=x job=a [time,value_bits]",
        "0 1i"), read(List.of(Matcher.of(Type.EQ, "__name__", "up"), Matcher.of(Type.EQ, "job", "a")), 0, 100_000,
            Fields.BOTH, true).stream().map(e -> e.replaceFirst("^-?\\d+ (\\d+i)$", "0 $1")).toList());
  }

  @Test
  void read_timeRangeInclusiveInMs() throws Exception {
    assertEquals(List.of("series up __name__=up instance=x job=a [time,value]", "16000 -0.5"),
        read(List.of(Matcher.of(Type.EQ, "instance", "x")), 16_000, 16_000, Fields.VALUE, false));
  }

  @Test
  void read_regexPushedDownAnchoredWithMarkerAlternative() throws Exception {
    // "a.*" anchored: not "xa"; the %pg: series comes along (a superset the reader decodes and filters)
    List<String> got = read(List.of(Matcher.of(Type.RE, "job", "a.*")), 0, 100_000, Fields.VALUE, false);
    assertEquals(List.of(
        "series up __name__=up instance=x job=a [time,value]", "1000 1.0", "16000 -0.5",
        "series up __name__=up job=%pg:a%2Cb [time,value]", "1000 3.0"), got);
  }

  /**
   * InfluxDB 1.6.7's storage service panics, killing influxd, on some predicates (a tag {@code !=}
   * that series without the tag satisfy; see {@link StoragePredicate}). Every matcher shape goes
   * through here and the server must still be up after each read.
   */
  @Test
  void everyMatcherShape_pushedDownSafely_influxdStaysUp() throws Exception {
    List<List<Matcher>> shapes = new ArrayList<>();
    String[] values = {"", "a", "nope", ".*", ".+", "a|", "x"};
    for (Type t : Type.values()) {
      for (String v : values) {
        for (String name : new String[] {"job", "instance", "nosuchtag", "__name__"}) {
          if ((t == Type.RE || t == Type.NRE) || !v.contains("|") && !v.contains("*") && !v.contains("+")) {
            shapes.add(List.of(Matcher.of(t, name, v)));
            shapes.add(List.of(Matcher.of(Type.EQ, "__name__", "up"), Matcher.of(t, name, v)));
            shapes.add(List.of(Matcher.of(Type.EQ, "__name__", "nosuchmetric"), Matcher.of(t, name, v)));
            shapes.add(List.of(Matcher.of(Type.NEQ, "__name__", "up"), Matcher.of(t, name, v)));
          }
        }
      }
    }
    for (List<Matcher> shape : shapes) {
      for (Fields f : Fields.values()) {
        for (boolean count : new boolean[] {true, false}) {
          read(shape, 0, 100_000, f, count);
          assertTrue(influx.ping(), "influxd died on " + shape + " " + f + " count=" + count);
        }
      }
    }
  }

  @Test
  void read_seriesList_onlyThoseSeries() throws Exception {
    Recorder r = new Recorder();
    StoragePredicate p = StoragePredicate.of(db, "", List.of(Matcher.of(Type.EQ, "__name__", "up")), 0, 100_000);
    client.storageRead(host, port, p, Fields.VALUE, false,
            List.<String[]>of(new String[] {"up", "__name__", "up", "instance", "y"}), r, null)
        .done().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(List.of("series up __name__=up instance=y [time,value]", "2000 4.0"), r.events);
  }

  @Test
  void read_retentionPolicyInDatabaseName() throws Exception {
    Recorder r = new Recorder();
    StoragePredicate p = StoragePredicate.of(db, "autogen", List.of(Matcher.of(Type.EQ, "code", "200")), 0, 100_000);
    client.storageRead(host, port, p, Fields.VALUE, false, null, r, null)
        .done().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(List.of("series http_total __name__=http_total code=200 [time,value]", "1000 5.0"), r.events);
  }

  @Test
  void read_nothingListening_unavailable() throws Exception {
    int free = FreePorts.next();
    StoragePredicate p = StoragePredicate.of(db, "", List.of(Matcher.of(Type.EQ, "__name__", "up")), 0, 1);
    Future<Void> f = client.storageRead("127.0.0.1", free, p, Fields.VALUE, false, null, new Recorder(), null).done();
    ExecutionException e = Assertions.assertThrows(ExecutionException.class,
        () -> f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    StorageException se = assertInstanceOf(StorageException.class, e.getCause());
    assertEquals(StorageException.Kind.UNAVAILABLE, se.kind());
    assertTrue(se.getMessage().startsWith("InfluxDB unreachable at 127.0.0.1:" + free + " (storage service): "), se.getMessage());
  }

  /**
   * influxd 1.6.7 panics and exits when a storage reader disconnects mid-read of TSM-resident
   * data (the test InfluxDB snapshots its cache at 1 MiB, so most of this is in TSM files); a
   * cancelled read must drain the rest instead. Closing the connection here kills influxd (checked
   * by hand: this test then fails). Enough data that InfluxDB is still sending when the read is
   * cancelled at its first row.
   */
  @Test
  void cancel_midRead_drainsAndInfluxdStaysUp() throws Exception {
    StringBuilder lp = new StringBuilder();
    for (int s = 0; s < 40; s++) {
      for (int i = 0; i < 5000; i++) {
        lp.append("big,__name__=big,s=s").append(s).append(" value=").append(i).append(' ').append(1_000_000 + i * 15_000L)
            .append('\n');
      }
      influx.write(db, lp.toString());
      lp.setLength(0);
    }
    CompletableFuture<StorageRpc> rpc = new CompletableFuture<>();
    int[] rows = {0};
    ChunkedQueryReader.Handler cancelling = new ChunkedQueryReader.Handler() {
      @Override
      public void series(String m, String[] k, String[] v, int n, String[] c, int cn) {}

      @Override
      public void row(ChunkedQueryReader.Row row) {
        if (rows[0]++ == 0) {
          rpc.join().cancel();
        }
      }
    };
    StoragePredicate p = StoragePredicate.of(db, "", List.of(Matcher.of(Type.EQ, "__name__", "big")), 0, Long.MAX_VALUE / 2);
    rpc.complete(client.storageRead(host, port, p, Fields.VALUE, false, null, cancelling, null));
    ExecutionException e = Assertions.assertThrows(ExecutionException.class,
        () -> rpc.join().done().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertEquals("storage read cancelled", e.getCause().getMessage());
    Thread.sleep(3000); // InfluxDB finishes sending what is drained (200,000 points)
    assertTrue(influx.ping(), "influxd died after a cancelled storage read");
    assertEquals(List.of("series http_total __name__=http_total code=200 [time,value]", "1000 5.0"),
        read(List.of(Matcher.of(Type.EQ, "code", "200")), 0, 100_000, Fields.VALUE, false));
  }

  // ---- hostile wire: a fake server answering garbage

  private static String failureFrom(Buffer answer) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(s -> s.handler(b -> s.write(answer)));
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      StoragePredicate p = StoragePredicate.of(db, "", List.of(Matcher.of(Type.EQ, "__name__", "up")), 0, 1);
      Future<Void> f = client.storageRead("127.0.0.1", server.actualPort(), p, Fields.VALUE, false, null, new Recorder(), null)
          .done();
      ExecutionException e = Assertions.assertThrows(ExecutionException.class,
          () -> f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
      return assertInstanceOf(StorageException.class, e.getCause()).getMessage();
    } finally {
      server.close();
    }
  }

  private static Buffer yamux(int type, int flags, int length, byte[] payload) {
    Buffer b = Buffer.buffer().appendByte((byte) 0).appendByte((byte) type).appendShort((short) flags).appendInt(1)
        .appendInt(length);
    return payload == null ? b : b.appendBytes(payload);
  }

  @Test
  void hostile_unknownFrameType_malformed() throws Exception {
    assertEquals("InfluxDB storage answer malformed: yamux frame type 9", failureFrom(yamux(9, 0, 0, null)));
  }

  @Test
  void hostile_streamEndsInsideAMessage_malformed() throws Exception {
    byte[] cut = {0, 0, 0, 10, 0x0a, 0x02}; // a 10-byte message, 2 bytes sent
    assertEquals("InfluxDB storage answer malformed: the stream ended inside a message",
        failureFrom(yamux(0, 4, cut.length, cut)));
  }

  @Test
  void hostile_hugeFrameLength_refusedBeforeBuffering() throws Exception {
    // message of 2^31 bytes declaring one frame of 2^30 bytes
    byte[] head = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0a, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04};
    assertEquals("InfluxDB storage answer malformed: a frame of 1073741824 bytes (over 67108864)",
        failureFrom(yamux(0, 0, head.length, head)));
  }

  @Test
  void hostile_timestampsAndValuesDisagree_malformed() throws Exception {
    // Frame{float_points{timestamps: [1, 2] packed, values: [1.0] packed}}
    Buffer points = Buffer.buffer().appendByte((byte) 0x0a).appendByte((byte) 16).appendLongLE(1).appendLongLE(2)
        .appendByte((byte) 0x12).appendByte((byte) 8).appendLongLE(Double.doubleToRawLongBits(1.0));
    Buffer frame = Buffer.buffer().appendByte((byte) 0x12).appendByte((byte) points.length()).appendBuffer(points);
    Buffer message = Buffer.buffer().appendByte((byte) 0x0a).appendByte((byte) frame.length()).appendBuffer(frame);
    Buffer payload = Buffer.buffer().appendInt(message.length()).appendBuffer(message);
    assertEquals("InfluxDB storage answer malformed: 2 timestamps but 1 values in a points frame",
        failureFrom(yamux(0, 4, payload.length(), payload.getBytes())));
  }
}
