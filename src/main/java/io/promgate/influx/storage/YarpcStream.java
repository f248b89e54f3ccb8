package io.promgate.influx.storage;

import static io.promgate.influx.storage.StorageRpc.MAX_FRAME_BYTES;
import static io.promgate.influx.storage.Wire.getInt;
import static io.promgate.influx.storage.Wire.malformed;

import io.promgate.influx.storagepb.StoragePb;
import io.vertx.core.buffer.Buffer;

/**
 * yarpc on the yamux stream: the request goes out as a 2-byte service/method id ({@code 0x0000},
 * Storage.Read), a 4-byte big-endian length and the protobuf bytes; every answer message comes
 * back as a length and a {@link StoragePb.ReadResponse}, whose frames are cut out here as soon as
 * each is whole and decoded ({@link FrameDecoder}); the {@link Reader} may stop the parsing between frames.
 */
final class YarpcStream implements YamuxSession.Payload {
  /** What the frames go to: the read, which may pause (back-pressure) or hold (before a series). */
  interface Reader {
    boolean paused();

    /** Before a series frame: true when the read is now held (the frame is read when the hold ends). */
    boolean hold();

    /** After each frame: the read may pause. */
    void framed();
  }

  private final Reader reader;
  private final FrameDecoder decoder;

  // the stream's payload: yarpc messages
  private final ByteWindow msg = new ByteWindow(64 * 1024);
  private long messageLeft = -1; // -1: at a message boundary

  YarpcStream(Reader reader, FrameDecoder decoder) {
    this.reader = reader;
    this.decoder = decoder;
  }

  /** The request message: method id 0 (Storage.Read), its length, its bytes. */
  static Buffer request(StoragePb.ReadRequest request) {
    byte[] body = request.toByteArray();
    return Buffer.buffer(6 + body.length).appendShort((short) 0).appendInt(body.length).appendBytes(body);
  }

  @Override
  public void data(byte[] b, int off, int len) {
    msg.append(b, off, len);
  }

  /** Parses whole yarpc messages and their frames out of the payload bytes; stops when paused. */
  void parse() {
    while (!reader.paused()) {
      if (messageLeft < 0) {
        if (msg.length() < 4) {
          break;
        }
        messageLeft = getInt(msg.bytes, msg.start) & 0xffffffffL;
        msg.start += 4;
        continue;
      }
      if (messageLeft == 0) {
        messageLeft = -1;
        continue;
      }
      // One field of ReadResponse: key, and for frames (1, length-delimited) the frame.
      int p = msg.start;
      long key = varint(p);
      if (key < 0) {
        break; // incomplete
      }
      p += decoder.varintLength;
      int wire = (int) (key & 7);
      long bodyLength;
      if (wire == 2) {
        bodyLength = varint(p);
        if (bodyLength < 0) {
          break;
        }
        p += decoder.varintLength;
        if (bodyLength > MAX_FRAME_BYTES) {
          throw malformed("a frame of " + bodyLength + " bytes (over " + MAX_FRAME_BYTES + ")");
        }
      } else {
        throw malformed("ReadResponse field " + (key >>> 3) + " with wire type " + wire);
      }
      if (msg.end - p < bodyLength) {
        break; // wait for the whole frame
      }
      long used = (p - msg.start) + bodyLength;
      if (used > messageLeft) {
        throw malformed("a frame running past its message");
      }
      if ((key >>> 3) == 1) {
        if (bodyLength > 0 && msg.bytes[p] == 0x0a && reader.hold()) {
          break; // this series frame is read when the hold ends
        }
        decoder.frame(msg.bytes, p, (int) bodyLength);
      }
      msg.start = p + (int) bodyLength;
      messageLeft -= used;
      reader.framed();
    }
    msg.rewindIfEmpty();
  }

  /** A varint in the payload bytes at {@code p}; -1 if it is not all there yet. */
  private long varint(int p) {
    return decoder.varint(msg.bytes, p, msg.end, false);
  }

  /** True when the stream ended inside a message. */
  boolean midMessage() {
    return messageLeft >= 0 || msg.length() != 0;
  }

  /** Drops what was taken in and not parsed (the read ended for the caller). */
  void drop() {
    msg.clear();
  }

  /** As {@link #drop}, at a message boundary again. */
  void reset() {
    msg.clear();
    messageLeft = -1;
  }
}
