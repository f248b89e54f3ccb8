package io.promgate.influx.storage;

import static io.promgate.influx.storage.StorageRpc.MAX_FRAME_BYTES;
import static io.promgate.influx.storage.StorageRpc.WINDOW;
import static io.promgate.influx.storage.Wire.getInt;
import static io.promgate.influx.storage.Wire.malformed;

import io.promgate.influx.StorageException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * The yamux side of a storage read (HashiCorp's multiplexer, as InfluxDB 1.6.7 speaks it): one
 * stream (id 1) over the connection, 12-byte frame headers (version 0, type, flags, stream id,
 * length, big-endian). It takes the socket's bytes in, answers pings, hands the stream's data on
 * to its {@link Payload}, sends the request within the server's send window, and gives the server
 * receive window back as the data is taken in ({@link #grant}).
 */
final class YamuxSession {
  /** Where the stream's data bytes go, in order. */
  interface Payload {
    void data(byte[] b, int off, int len);
  }

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
  private final Payload stream;
  private NetSocket socket;

  private final ByteWindow in = new ByteWindow(64 * 1024); // unparsed socket bytes
  private long sendWindow = INITIAL_WINDOW;
  private Buffer unsent;
  /** The server ended the stream (FIN). */
  boolean remoteClosed;
  private long ungranted;

  YamuxSession(String address, Payload stream) {
    this.address = address;
    this.stream = stream;
  }

  void attach(NetSocket socket) {
    this.socket = socket;
  }

  /** Opens stream 1 and sends {@code payload} on it, then half-closes it. */
  void open(Buffer payload) {
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

  void append(Buffer b) {
    in.append(b);
  }

  /** Takes every complete yamux frame out of the socket bytes. */
  void frames() {
    while (in.length() >= HEADER) {
      byte[] b = in.bytes;
      int p = in.start;
      if (b[p] != 0) {
        throw malformed("yamux version " + b[p]);
      }
      int type = b[p + 1];
      int flags = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
      int stream = getInt(b, p + 4);
      long length = getInt(b, p + 8) & 0xffffffffL;
      switch (type) {
        case DATA -> {
          if (length > WINDOW + (long) MAX_FRAME_BYTES) {
            throw malformed("a data frame of " + length + " bytes");
          }
          if (in.length() < HEADER + length) {
            return; // wait for the rest
          }
          if (stream == STREAM_ID) {
            payload(b, p + HEADER, (int) length);
          }
          in.start += HEADER + (int) length;
        }
        case WINDOW_UPDATE -> {
          in.start += HEADER;
          if (stream == STREAM_ID) {
            sendWindow += length;
            flushUnsent();
          }
        }
        case PING -> {
          in.start += HEADER;
          if ((flags & SYN) != 0) {
            socket.write(header(PING, ACK, length));
          }
        }
        case GO_AWAY -> {
          in.start += HEADER;
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
    in.rewindIfEmpty();
  }

  private void payload(byte[] b, int off, int len) {
    stream.data(b, off, len);
    ungranted += len;
  }

  /** Gives InfluxDB back the window for what was taken in, in steps of a quarter window. */
  void grant() {
    if (ungranted >= WINDOW / 4 && !remoteClosed) {
      socket.write(header(WINDOW_UPDATE, 0, ungranted));
      ungranted = 0;
    }
  }

  void grantAll() {
    if (ungranted > 0 && !remoteClosed) {
      socket.write(header(WINDOW_UPDATE, 0, ungranted));
      ungranted = 0;
    }
  }
}
