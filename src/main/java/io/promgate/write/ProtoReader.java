package io.promgate.write;

import io.promgate.write.InvalidWriteException.Reason;

/**
 * A bounds-checked protobuf wire-format cursor over a byte array, reused across messages.
 * Hand-rolled instead of {@code CodedInputStream} so the hot loop has no per-field objects and
 * every length is checked against the enclosing message before it is trusted (the wire is
 * hostile: a length may point past the end, a varint may never end).
 */
public final class ProtoReader {
  public static final int VARINT = 0;
  public static final int I64 = 1;
  public static final int LEN = 2;
  public static final int I32 = 5;

  byte[] buf;
  int pos;
  int limit;

  public ProtoReader reset(byte[] buf, int off, int len) {
    this.buf = buf;
    this.pos = off;
    this.limit = off + len;
    return this;
  }

  public boolean hasMore() {
    return pos < limit;
  }

  /** Reads a field key; returns {@code fieldNumber << 3 | wireType}. */
  public int readTag() {
    int p = pos;
    if (p < limit) {
      byte b0 = buf[p];
      if (b0 >= 8) { // one byte, field number ≥ 1
        pos = p + 1;
        return b0;
      }
    }
    long key = readVarint();
    if (key > 0xFFFF_FFFFL || (key >>> 3) == 0) {
      throw corrupt("invalid field key " + key);
    }
    return (int) key;
  }

  public long readVarint() {
    // One-byte varints (field keys, label and sample lengths) are nearly all of them: decide
    // those with one compare before the general loop.
    int p = pos;
    if (p < limit) {
      byte b0 = buf[p];
      if (b0 >= 0) {
        pos = p + 1;
        return b0;
      }
    }
    return readVarintSlow();
  }

  private long readVarintSlow() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw corrupt("truncated varint");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw corrupt("varint longer than 10 bytes");
  }

  public long readFixed64() {
    if (limit - pos < 8) {
      throw corrupt("truncated fixed64");
    }
    byte[] b = buf;
    int p = pos;
    pos = p + 8;
    return (b[p] & 0xffL)
        | (b[p + 1] & 0xffL) << 8
        | (b[p + 2] & 0xffL) << 16
        | (b[p + 3] & 0xffL) << 24
        | (b[p + 4] & 0xffL) << 32
        | (b[p + 5] & 0xffL) << 40
        | (b[p + 6] & 0xffL) << 48
        | (b[p + 7] & 0xffL) << 56;
  }

  /** Reads a length prefix and checks it fits the current message; returns the length. */
  public int readLength() {
    long n = readVarint();
    if (n < 0 || n > limit - pos) {
      throw corrupt("length " + n + " runs past the end of the message");
    }
    return (int) n;
  }

  /** Skips the value of a field of the given wire type. */
  public void skip(int wireType) {
    switch (wireType) {
      case VARINT -> readVarint();
      case I64 -> {
        if (limit - pos < 8) {
          throw corrupt("truncated fixed64");
        }
        pos += 8;
      }
      case LEN -> {
        int n = readLength(); // not `pos += readLength()`: Java would add to the pos read *before* the call
        pos += n;
      }
      case I32 -> {
        if (limit - pos < 4) {
          throw corrupt("truncated fixed32");
        }
        pos += 4;
      }
      default -> throw corrupt("unsupported wire type " + wireType);
    }
  }

  static InvalidWriteException corrupt(String what) {
    return new InvalidWriteException(Reason.CORRUPT_PROTOBUF, "corrupt protobuf: " + what);
  }
}
