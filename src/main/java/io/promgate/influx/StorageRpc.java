package io.promgate.influx;

import io.promgate.influx.storagepb.StoragePb;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.WriteStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One read from InfluxDB 1.6's storage service: the streaming read InfluxDB serves on its
 * {@code [ifql] bind-address} for its Flux/IFQL prototypes, one level below InfluxQL. It hands out
 * the stored points as packed arrays straight from the storage engine's cursors, series after
 * series, which costs InfluxDB a fraction of answering the same read in InfluxQL and, unlike
 * InfluxDB's own {@code /api/v1/prom/read}, never builds the whole answer in memory.
 *
 * <p>The wire, as InfluxDB 1.6.7 speaks it (checked against the real server by {@code
 * StorageRpcTest}):
 *
 * <ul>
 *   <li><b>yamux</b> (HashiCorp's multiplexer) over one TCP connection: 12-byte frame headers
 *       (version 0, type, flags, stream id, length, big-endian); promgate opens stream 1 with a
 *       window update carrying SYN, answers pings, and gives the server send window as it takes
 *       bytes in. Each read gets its own connection: nothing is shared between requests and a
 *       cancelled read is simply closed.
 *   <li><b>yarpc</b> on the stream: a 2-byte service/method id ({@code 0x0000}, Storage.Read),
 *       then the request and every answer message as a 4-byte big-endian length and the protobuf
 *       bytes. The server ends the stream (FIN) after the last message.
 *   <li>the answer ({@link StoragePb.ReadResponse}) is a list of frames: a series frame (its
 *       tags, including {@code _measurement} and {@code _field}) followed by points frames of
 *       timestamps (ns) and values; parsed frame by frame as the bytes arrive, each frame at most
 *       {@link #MAX_FRAME_BYTES}, with no object per point.
 * </ul>
 *
 * Each series frame is passed on as a {@link ChunkedQueryReader.Handler} series whose columns
 * are {@code time} and the field's name, and each point as a row (time in ms, the value as the
 * field's type), so the remote-read consumers read this exactly like an InfluxQL answer.
 *
 * <p>Back-pressure: while {@code flow}'s write queue is full the parsed bytes wait and no new
 * window is granted, so InfluxDB stops after at most {@link #WINDOW} bytes; the socket itself
 * keeps being read so that InfluxDB's keep-alive pings are answered.
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

  private static final int HEADER = 12;
  private static final int DATA = 0;
  private static final int WINDOW_UPDATE = 1;
  private static final int PING = 2;
  private static final int GO_AWAY = 3;
  private static final int SYN = 1;
  private static final int ACK = 2;
  private static final int FIN = 4;
  private static final int RST = 8;
  private static final int STREAM_ID = 1;
  private static final int INITIAL_WINDOW = 256 * 1024;

  private final String address;
  private final ChunkedQueryReader.Handler handler;
  private final WriteStream<?> flow;
  private final java.util.function.Supplier<Future<Void>> beforeSeries;
  private final Promise<Void> done = Promise.promise();
  private NetSocket socket;
  private boolean cancelled;

  // yamux, socket side: unparsed socket bytes
  private byte[] in = new byte[64 * 1024];
  private int inStart;
  private int inEnd;
  private long sendWindow = INITIAL_WINDOW;
  private Buffer unsent;
  private boolean remoteClosed;

  // the stream's payload: yarpc messages
  private byte[] msg = new byte[64 * 1024];
  private int msgStart;
  private int msgEnd;
  private long messageLeft = -1; // -1: at a message boundary
  private long ungranted;
  private boolean paused; // waiting for the client's socket to drain, or held by beforeSeries
  private boolean waitingForDrain;
  private boolean holding;

  // points of the current frame
  private long[] times = new long[2048];
  private long[] values = new long[2048];
  private final ChunkedQueryReader.Row row = new ChunkedQueryReader.Row();
  private final String[] columns = {"time", null};
  private String[] tagKeys = new String[16];
  private String[] tagValues = new String[16];

  private StorageRpc(String address, ChunkedQueryReader.Handler handler, WriteStream<?> flow,
      java.util.function.Supplier<Future<Void>> beforeSeries) {
    this.address = address;
    this.handler = handler;
    this.flow = flow;
    this.beforeSeries = beforeSeries;
  }

  /**
   * Starts {@code request} on the storage service at {@code host:port}; {@code handler} gets the
   * answer as it arrives (exceptions it throws end the read and fail {@link #done()}). {@code
   * beforeSeries} (may be null) is asked before each series frame and before the end: a future it
   * returns holds the read (as back-pressure does) until it completes, so the caller can read
   * more of the previous series in between.
   */
  static StorageRpc start(NetClient client, String host, int port, StoragePb.ReadRequest request,
      ChunkedQueryReader.Handler handler, WriteStream<?> flow, java.util.function.Supplier<Future<Void>> beforeSeries) {
    StorageRpc r = new StorageRpc(host + ":" + port, handler, flow, beforeSeries);
    client.connect(port, host).onComplete(ar -> {
      if (ar.failed()) {
        r.fail(unreachable(r.address, ar.cause()));
        return;
      }
      r.socket = ar.result();
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
    byte[] body = request.toByteArray();
    Buffer payload = Buffer.buffer(6 + body.length).appendShort((short) 0).appendInt(body.length).appendBytes(body);
    // Open the stream granting the window we want instead of yamux's 256 KiB.
    socket.write(header(WINDOW_UPDATE, SYN, WINDOW - INITIAL_WINDOW));
    unsent = payload;
    flushUnsent();
  }

  /** The request goes out within the server's window (a long series list can exceed 256 KiB). */
  private void flushUnsent() {
    if (unsent == null) {
      return;
    }
    while (unsent.length() > 0 && sendWindow > 0) {
      int n = (int) Math.min(Math.min(unsent.length(), sendWindow), 64 * 1024);
      Buffer frame = header(DATA, 0, n).appendBuffer(unsent, 0, n);
      socket.write(frame);
      sendWindow -= n;
      unsent = unsent.getBuffer(n, unsent.length());
    }
    if (unsent.length() == 0) {
      unsent = null;
      socket.write(header(WINDOW_UPDATE, FIN, 0)); // the request is all we send
    }
  }

  private static Buffer header(int type, int flags, long length) {
    return Buffer.buffer(HEADER)
        .appendByte((byte) 0)
        .appendByte((byte) type)
        .appendShort((short) flags)
        .appendInt(type == PING || type == GO_AWAY ? 0 : STREAM_ID)
        .appendInt((int) length);
  }

  private void receive(Buffer b) {
    if (done.future().isComplete()) {
      drain(b);
      return;
    }
    try {
      append(b);
      frames();
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    proceed();
  }

  private void append(Buffer b) {
    int n = b.length();
    if (inEnd + n > in.length) {
      System.arraycopy(in, inStart, in, 0, inEnd - inStart);
      inEnd -= inStart;
      inStart = 0;
      if (inEnd + n > in.length) {
        in = Arrays.copyOf(in, Math.max(in.length * 2, inEnd + n));
      }
    }
    b.getBytes(0, n, in, inEnd);
    inEnd += n;
  }

  /** Takes every complete yamux frame out of the socket bytes. */
  private void frames() {
    while (inEnd - inStart >= HEADER) {
      int p = inStart;
      if (in[p] != 0) {
        throw malformed("yamux version " + in[p]);
      }
      int type = in[p + 1];
      int flags = ((in[p + 2] & 0xff) << 8) | (in[p + 3] & 0xff);
      int stream = getInt(in, p + 4);
      long length = getInt(in, p + 8) & 0xffffffffL;
      switch (type) {
        case DATA -> {
          if (length > WINDOW + (long) MAX_FRAME_BYTES) {
            throw malformed("a data frame of " + length + " bytes");
          }
          if (inEnd - inStart < HEADER + length) {
            return; // wait for the rest
          }
          if (stream == STREAM_ID) {
            payload(in, p + HEADER, (int) length);
          }
          inStart += HEADER + (int) length;
        }
        case WINDOW_UPDATE -> {
          inStart += HEADER;
          if (stream == STREAM_ID) {
            sendWindow += length;
            flushUnsent();
          }
        }
        case PING -> {
          inStart += HEADER;
          if ((flags & SYN) != 0) {
            socket.write(header(PING, ACK, length));
          }
        }
        case GO_AWAY -> {
          inStart += HEADER;
          if (!remoteClosed) {
            throw new StorageException(StorageException.Kind.UNAVAILABLE,
                "InfluxDB storage service at " + address + " closed the session (yamux go-away " + length + ")");
          }
        }
        default -> throw malformed("yamux frame type " + type);
      }
      if (stream == STREAM_ID && (flags & RST) != 0) {
        throw new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB storage service at " + address + " reset the read");
      }
      if (stream == STREAM_ID && (flags & FIN) != 0) {
        remoteClosed = true;
      }
    }
    if (inStart == inEnd) {
      inStart = inEnd = 0;
    }
  }

  private void payload(byte[] b, int off, int len) {
    if (msgEnd + len > msg.length) {
      System.arraycopy(msg, msgStart, msg, 0, msgEnd - msgStart);
      msgEnd -= msgStart;
      msgStart = 0;
      if (msgEnd + len > msg.length) {
        msg = Arrays.copyOf(msg, Math.max(msg.length * 2, msgEnd + len));
      }
    }
    System.arraycopy(b, off, msg, msgEnd, len);
    msgEnd += len;
    ungranted += len;
  }

  /** Gives InfluxDB back the window for what was taken in, in steps of a quarter window. */
  private void grant() {
    if (ungranted >= WINDOW / 4 && !remoteClosed) {
      socket.write(header(WINDOW_UPDATE, 0, ungranted));
      ungranted = 0;
    }
  }

  /** Parses whole yarpc messages and their frames out of the payload bytes; stops when paused. */
  private void parse() {
    while (!paused) {
      if (messageLeft < 0) {
        if (msgEnd - msgStart < 4) {
          break;
        }
        messageLeft = getInt(msg, msgStart) & 0xffffffffL;
        msgStart += 4;
        continue;
      }
      if (messageLeft == 0) {
        messageLeft = -1;
        continue;
      }
      // One field of ReadResponse: key, and for frames (1, length-delimited) the frame.
      int p = msgStart;
      long key = varint(p);
      if (key < 0) {
        break; // incomplete
      }
      p += varintLength;
      int wire = (int) (key & 7);
      long bodyLength;
      if (wire == 2) {
        bodyLength = varint(p);
        if (bodyLength < 0) {
          break;
        }
        p += varintLength;
        if (bodyLength > MAX_FRAME_BYTES) {
          throw malformed("a frame of " + bodyLength + " bytes (over " + MAX_FRAME_BYTES + ")");
        }
      } else {
        throw malformed("ReadResponse field " + (key >>> 3) + " with wire type " + wire);
      }
      if (msgEnd - p < bodyLength) {
        break; // wait for the whole frame
      }
      long used = (p - msgStart) + bodyLength;
      if (used > messageLeft) {
        throw malformed("a frame running past its message");
      }
      if ((key >>> 3) == 1) {
        if (bodyLength > 0 && msg[p] == 0x0a && hold()) {
          break; // this series frame is read when the hold ends
        }
        frame(p, (int) bodyLength);
      }
      msgStart = p + (int) bodyLength;
      messageLeft -= used;
      if (flow != null && flow.writeQueueFull()) {
        pause();
      }
    }
    if (msgStart == msgEnd) {
      msgStart = msgEnd = 0;
    }
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
        parse();
        grant();
      }
      if (remoteClosed && !paused) { // all parsable was parsed: whatever is left is cut off
        finish();
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  /** One {@code Frame}: a oneof of series (1), float (2), integer (3) or unsigned (4) points. */
  private void frame(int off, int len) {
    int end = off + len;
    int p = off;
    while (p < end) {
      long key = varintIn(p, end);
      p += varintLength;
      int field = (int) (key >>> 3);
      if ((key & 7) != 2) {
        throw malformed("Frame field " + field + " with wire type " + (key & 7));
      }
      long n = varintIn(p, end);
      p += varintLength;
      if (n > end - p) {
        throw malformed("a frame field running past its frame");
      }
      switch (field) {
        case 1 -> series(p, p + (int) n);
        case 2, 3, 4 -> points(field, p, p + (int) n);
        default -> {} // boolean and string points, group frames: not samples
      }
      p += (int) n;
    }
  }

  private void series(int p, int end) {
    String measurement = null;
    String field = null;
    int tags = 0;
    while (p < end) {
      long key = varintIn(p, end);
      p += varintLength;
      int wire = (int) (key & 7);
      if ((key >>> 3) == 1 && wire == 2) {
        long n = varintIn(p, end);
        p += varintLength;
        int tagEnd = checkedEnd(p, n, end);
        String k = null;
        String v = "";
        int q = p;
        while (q < tagEnd) {
          long tk = varintIn(q, tagEnd);
          q += varintLength;
          if ((tk & 7) != 2) {
            throw malformed("Tag field with wire type " + (tk & 7));
          }
          long tn = varintIn(q, tagEnd);
          q += varintLength;
          int te = checkedEnd(q, tn, tagEnd);
          String s = new String(msg, q, te - q, StandardCharsets.UTF_8);
          if ((tk >>> 3) == 1) {
            k = s;
          } else if ((tk >>> 3) == 2) {
            v = s;
          }
          q = te;
        }
        p = tagEnd;
        if (k == null) {
          throw malformed("a tag without a key");
        }
        switch (k) {
          case "_measurement" -> measurement = v;
          case "_field" -> field = v;
          default -> {
            if (tags == tagKeys.length) {
              tagKeys = Arrays.copyOf(tagKeys, tags * 2);
              tagValues = Arrays.copyOf(tagValues, tags * 2);
            }
            tagKeys[tags] = k;
            tagValues[tags++] = v;
          }
        }
      } else {
        p = skip(p, end, wire);
      }
    }
    if (measurement == null || field == null) {
      throw malformed("a series frame without _measurement or _field");
    }
    columns[1] = field;
    handler.series(measurement, tagKeys, tagValues, tags, columns, 2);
  }

  /** A points frame: packed (or, equally valid protobuf, unpacked) timestamps and values. */
  private void points(int type, int p, int end) {
    int nt = 0;
    int nv = 0;
    while (p < end) {
      long key = varintIn(p, end);
      p += varintLength;
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 1) {
        times = fixed64s(times, nt, p, end, wire, "timestamps");
        nt = fixedCount;
        p = fixedEnd;
      } else if (field == 2) {
        if (type == 2) { // doubles: fixed 64
          values = fixed64s(values, nv, p, end, wire, "float values");
          nv = fixedCount;
          p = fixedEnd;
        } else { // int64 / uint64: varints
          if (wire == 2) {
            long n = varintIn(p, end);
            p += varintLength;
            int e = checkedEnd(p, n, end);
            while (p < e) {
              values = room(values, nv + 1);
              values[nv++] = varintIn(p, e);
              p += varintLength;
            }
          } else if (wire == 0) {
            values = room(values, nv + 1);
            values[nv++] = varintIn(p, end);
            p += varintLength;
          } else {
            throw malformed("integer values with wire type " + wire);
          }
        }
      } else {
        p = skip(p, end, wire);
      }
    }
    if (nt != nv) {
      throw malformed(nt + " timestamps but " + nv + " values in a points frame");
    }
    ChunkedQueryReader.Row r = row;
    for (int i = 0; i < nt; i++) {
      r.size = 0;
      int t = r.add();
      r.kinds[t] = ChunkedQueryReader.Row.INTEGER;
      r.longs[t] = Math.floorDiv(times[i], 1_000_000L);
      int v = r.add();
      long x = values[i];
      switch (type) {
        case 2 -> {
          r.kinds[v] = ChunkedQueryReader.Row.FLOAT;
          r.doubles[v] = Double.longBitsToDouble(x);
        }
        case 3 -> {
          r.kinds[v] = ChunkedQueryReader.Row.INTEGER;
          r.longs[v] = x;
          r.doubles[v] = x;
        }
        default -> { // unsigned: a float of its value, as InfluxQL would answer it
          r.kinds[v] = ChunkedQueryReader.Row.FLOAT;
          r.doubles[v] = x >= 0 ? x : (double) (x >>> 1) * 2.0 + (x & 1);
        }
      }
      handler.row(r);
    }
  }

  private int fixedCount;
  private int fixedEnd;

  /**
   * 64-bit little-endian values at {@code p}, packed (wire type 2) or one (wire type 1), appended
   * to {@code a} after its first {@code n}; the new count is left in {@link #fixedCount} and the
   * position after them in {@link #fixedEnd}.
   */
  private long[] fixed64s(long[] a, int n, int p, int end, int wire, String what) {
    int e;
    if (wire == 2) {
      long len = varintIn(p, end);
      p += varintLength;
      e = checkedEnd(p, len, end);
      if ((e - p) % 8 != 0) {
        throw malformed("packed " + what + " of " + (e - p) + " bytes");
      }
    } else if (wire == 1) {
      e = checkedEnd(p, 8, end);
    } else {
      throw malformed(what + " with wire type " + wire);
    }
    a = room(a, n + (e - p) / 8);
    for (; p < e; p += 8) {
      a[n++] = getLongLE(msg, p);
    }
    fixedCount = n;
    fixedEnd = e;
    return a;
  }

  private static long[] room(long[] a, int n) {
    if (n <= a.length) {
      return a;
    }
    return Arrays.copyOf(a, Math.max(n, a.length * 2));
  }

  private int skip(int p, int end, int wire) {
    switch (wire) {
      case 0 -> {
        varintIn(p, end);
        return p + varintLength;
      }
      case 1 -> {
        return checkedEnd(p, 8, end);
      }
      case 2 -> {
        long n = varintIn(p, end);
        p += varintLength;
        return checkedEnd(p, n, end);
      }
      case 5 -> {
        return checkedEnd(p, 4, end);
      }
      default -> throw malformed("wire type " + wire);
    }
  }

  private static int checkedEnd(int p, long n, int end) {
    if (n < 0 || n > end - p) {
      throw malformed("a length running past its frame");
    }
    return p + (int) n;
  }

  private int varintLength;

  /** A varint in the payload bytes at {@code p}; -1 if it is not all there yet. */
  private long varint(int p) {
    return varint(p, msgEnd, false);
  }

  /** A varint that must end before {@code end}. */
  private long varintIn(int p, int end) {
    return varint(p, end, true);
  }

  private long varint(int p, int end, boolean mustBeThere) {
    long v = 0;
    for (int i = 0; i < 10; i++) {
      if (p + i >= end) {
        if (mustBeThere) {
          throw malformed("a varint cut off");
        }
        return -1;
      }
      byte b = msg[p + i];
      v |= (long) (b & 0x7f) << (7 * i);
      if (b >= 0) {
        varintLength = i + 1;
        return v;
      }
    }
    throw malformed("a varint longer than 10 bytes");
  }

  private static int getInt(byte[] b, int p) {
    return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
  }

  private static long getLongLE(byte[] b, int p) {
    return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24
        | (b[p + 4] & 0xffL) << 32 | (b[p + 5] & 0xffL) << 40 | (b[p + 6] & 0xffL) << 48 | (b[p + 7] & 0xffL) << 56;
  }

  private void closed() {
    if (done.future().isComplete()) {
      return;
    }
    if (remoteClosed && !paused) { // all parsable was parsed: whatever is left is cut off
      finish();
    } else if (!remoteClosed) {
      fail(new StorageException(StorageException.Kind.UNAVAILABLE,
          "InfluxDB storage service at " + address + " closed the connection mid-read"));
    }
    // else: paused with bytes still to parse; the drain finishes (or the client cancels)
  }

  private void finish() {
    if (messageLeft >= 0 || msgEnd != msgStart) {
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
    if (remoteClosed) {
      socket.close();
      return;
    }
    msgStart = msgEnd = 0;
    messageLeft = -1;
    try {
      grantAll();
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
      append(b);
      frames();
      msgStart = msgEnd = 0;
      grantAll();
      if (remoteClosed) {
        socket.close();
      }
    } catch (RuntimeException e) {
      socket.close(); // the stream itself is unreadable: nothing better is left
    }
  }

  private void grantAll() {
    if (ungranted > 0 && !remoteClosed) {
      socket.write(header(WINDOW_UPDATE, 0, ungranted));
      ungranted = 0;
    }
  }

  private static StorageException malformed(String what) {
    return new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB storage answer malformed: " + what);
  }

  private static StorageException unreachable(String address, Throwable cause) {
    return new StorageException(StorageException.Kind.UNAVAILABLE,
        "InfluxDB unreachable at " + address + " (storage service): " + cause.getMessage());
  }
}
