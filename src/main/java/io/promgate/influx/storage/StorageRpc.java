package io.promgate.influx.storage;

import static io.promgate.influx.storage.Wire.malformed;

import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.StorageException;
import io.promgate.influx.storagepb.StoragePb;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.WriteStream;
import java.util.function.Supplier;

/**
 * One read from InfluxDB 1.6's storage service: the streaming read InfluxDB serves on its
 * {@code [ifql] bind-address} for its Flux/IFQL prototypes, one level below InfluxQL. It hands out
 * the stored points as packed arrays straight from the storage engine's cursors, series after
 * series, which costs InfluxDB a fraction of answering the same read in InfluxQL and, unlike
 * InfluxDB's own {@code /api/v1/prom/read}, never builds the whole answer in memory.
 *
 * <p>The wire, as InfluxDB 1.6.7 speaks it (checked against the real server by {@code
 * StorageRpcTest}), one class per layer:
 *
 * <ul>
 *   <li>{@link YamuxSession}: yamux (HashiCorp's multiplexer) over one TCP connection, stream 1
 *       opened with a window update carrying SYN, pings answered, the server's send window given
 *       back as bytes are taken in. Each read gets its own connection: nothing is shared between
 *       requests.
 *   <li>{@link YarpcStream}: yarpc on the stream, the request and every answer message as a
 *       length and the protobuf bytes. The server ends the stream (FIN) after the last message.
 *   <li>{@link FrameDecoder}: the answer ({@link StoragePb.ReadResponse}) is a list of frames, a
 *       series frame (its tags, including {@code _measurement} and {@code _field}) followed by
 *       points frames of timestamps (ns) and values; parsed frame by frame as the bytes arrive,
 *       each frame at most {@link #MAX_FRAME_BYTES}, with no object per point.
 *   <li>{@link RowMapper}: each series frame is passed on as a {@link ChunkedQueryReader.Handler}
 *       series whose columns are {@code time} and the field's name, and each point as a row (time
 *       in ms, the value as the field's type), so the remote-read consumers read this exactly like
 *       an InfluxQL answer.
 * </ul>
 *
 * <p>Back-pressure: while {@code flow}'s write queue is full the parsed bytes wait and no new
 * window is granted, so InfluxDB stops after at most {@link #WINDOW} bytes; the socket itself
 * keeps being read so that InfluxDB's keep-alive pings are answered.
 *
 * <p>A read that ends early for the caller (cancelled, failed, or a handler that threw) is drained,
 * never reset or closed while InfluxDB is still sending: InfluxDB 1.6.7 panics — and influxd exits
 * — when its reader goes away mid-read (see {@link #fail}).
 *
 * <p>What this protocol cannot say: InfluxDB reports a failed read (an unknown database, a
 * predicate it cannot evaluate) only in its log, by ending the stream early. Callers only send
 * requests built by {@link StoragePredicate}, whose shapes are tested against the real server.
 */
public final class StorageRpc {
  /** The largest single frame accepted (InfluxDB's are ~2,000 points, ~32 KiB). */
  static final int MAX_FRAME_BYTES = 64 << 20;
  /** The receive window promgate grants (yamux starts every stream at 256 KiB). */
  static final int WINDOW = 4 << 20;

  private final String address;
  private final WriteStream<?> flow;
  private final Supplier<Future<Void>> beforeSeries;
  private final Promise<Void> done = Promise.promise();
  private final YarpcStream stream;
  private final YamuxSession session;
  private NetSocket socket;
  private boolean cancelled;

  private boolean paused; // waiting for the client's socket to drain, or held by beforeSeries
  private boolean waitingForDrain;
  private boolean holding;

  private StorageRpc(String address, ChunkedQueryReader.Handler handler, WriteStream<?> flow,
      Supplier<Future<Void>> beforeSeries) {
    this.address = address;
    this.flow = flow;
    this.beforeSeries = beforeSeries;
    this.stream = new YarpcStream(new YarpcStream.Reader() {
      @Override
      public boolean paused() {
        return paused;
      }

      @Override
      public boolean hold() {
        return StorageRpc.this.hold();
      }

      @Override
      public void framed() {
        if (flow != null && flow.writeQueueFull()) {
          pause();
        }
      }
    }, new FrameDecoder(new RowMapper(handler)));
    this.session = new YamuxSession(address, stream);
  }

  /**
   * Starts {@code request} on the storage service at {@code host:port}; {@code handler} gets the
   * answer as it arrives (exceptions it throws end the read and fail {@link #done()}). {@code
   * beforeSeries} (may be null) is asked before each series frame and before the end: a future it
   * returns holds the read (as back-pressure does) until it completes, so the caller can read
   * more of the previous series in between.
   */
  public static StorageRpc start(NetClient client, String host, int port, StoragePb.ReadRequest request,
      ChunkedQueryReader.Handler handler, WriteStream<?> flow, Supplier<Future<Void>> beforeSeries) {
    StorageRpc r = new StorageRpc(host + ":" + port, handler, flow, beforeSeries);
    client.connect(port, host).onComplete(ar -> {
      if (ar.failed()) {
        r.fail(unreachable(r.address, ar.cause()));
        return;
      }
      r.socket = ar.result();
      r.session.attach(r.socket);
      if (r.cancelled) {
        r.socket.close();
        return;
      }
      r.socket.handler(r::receive);
      r.socket.exceptionHandler(t -> r.fail(unreachable(r.address, t)));
      r.socket.closeHandler(v -> r.closed());
      r.send(request);
    });
    return r;
  }

  /** Completes when InfluxDB ended the stream after whole messages; fails with a {@link StorageException}. */
  public Future<Void> done() {
    return done.future();
  }

  /** Stops the read for the caller; what InfluxDB still sends is dropped (see {@link #fail}). */
  public void cancel() {
    cancelled = true;
    fail(new StorageException(StorageException.Kind.UNAVAILABLE, "storage read cancelled"));
  }

  private void send(StoragePb.ReadRequest request) {
    session.open(YarpcStream.request(request));
  }

  private void receive(Buffer b) {
    if (done.future().isComplete()) {
      drain(b);
      return;
    }
    try {
      session.append(b);
      session.frames();
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    proceed();
  }

  private void pause() {
    waitingForDrain = true;
    paused = true;
    flow.drainHandler(v -> {
      // A drain handler stays registered: only the pause that set it may end here, not a hold.
      if (waitingForDrain) {
        waitingForDrain = false;
        resume();
      }
    });
  }

  /** Asks {@link #beforeSeries}; true when the read is now held until its future completes. */
  private boolean hold() {
    if (beforeSeries == null) {
      return false;
    }
    Future<Void> wait = beforeSeries.get();
    if (wait == null) {
      return false;
    }
    holding = true;
    paused = true;
    wait.onComplete(ar -> {
      holding = false;
      if (ar.failed()) {
        fail(ar.cause());
      } else {
        resume();
      }
    });
    return true;
  }

  private void resume() {
    if (done.future().isComplete() || holding || waitingForDrain) {
      return;
    }
    paused = false;
    proceed();
  }

  /** Parses what can be parsed now, gives the window back, and ends the read at InfluxDB's end. */
  private void proceed() {
    try {
      if (!paused) {
        stream.parse();
        session.grant();
      }
      if (session.remoteClosed && !paused) { // all parsable was parsed: whatever is left is cut off
        finish();
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void closed() {
    if (done.future().isComplete()) {
      return;
    }
    if (session.remoteClosed && !paused) { // all parsable was parsed: whatever is left is cut off
      finish();
    } else if (!session.remoteClosed) {
      fail(new StorageException(StorageException.Kind.UNAVAILABLE,
          "InfluxDB storage service at " + address + " closed the connection mid-read"));
    }
    // else: paused with bytes still to parse; the drain finishes (or the client cancels)
  }

  private void finish() {
    if (stream.midMessage()) {
      fail(malformed("the stream ended inside a message"));
      return;
    }
    if (hold()) {
      return; // the last series is read on first; the hold's end finishes
    }
    if (done.tryComplete() && socket != null) {
      socket.close(); // InfluxDB ended the stream: closing now is safe
    }
  }

  /**
   * Ends the read for the caller. The connection is not closed while InfluxDB is still sending:
   * InfluxDB 1.6.7's storage service panics — and influxd exits — when its reader goes away
   * mid-read (a double close of its cursor after the failed send). So the rest of the answer is
   * received and dropped ({@link #drain}) and the connection closed after InfluxDB ended it.
   */
  private void fail(Throwable t) {
    if (!done.tryFail(t) || socket == null) {
      return;
    }
    if (session.remoteClosed) {
      socket.close();
      return;
    }
    stream.reset();
    try {
      session.grantAll();
    } catch (RuntimeException e) {
      socket.close();
    }
  }

  /** After the read ended for the caller: take frames in (pings answered), drop the data, close at the end. */
  private void drain(Buffer b) {
    if (socket == null) {
      return;
    }
    try {
      session.append(b);
      session.frames();
      stream.drop();
      session.grantAll();
      if (session.remoteClosed) {
        socket.close();
      }
    } catch (RuntimeException e) {
      socket.close(); // the stream itself is unreadable: nothing better is left
    }
  }

  private static StorageException unreachable(String address, Throwable cause) {
    return new StorageException(StorageException.Kind.UNAVAILABLE,
        "InfluxDB unreachable at " + address + " (storage service): " + cause.getMessage());
  }
}
