package io.promgate.read;

import java.nio.charset.StandardCharsets;

/**
 * The few protobuf wire-format writes the response encoders need, into byte arrays: varints,
 * fixed64, field keys, and the {@code Label} messages shared by both response types.
 */
final class Proto {
  static final int VARINT = 0;
  static final int I64 = 1;
  static final int LEN = 2;

  private Proto() {}

  static int key(int field, int wireType) {
    return field << 3 | wireType;
  }

  /** Bytes of {@code v} as an unsigned varint (a negative int64 takes 10). */
  static int varintSize(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  static int putVarint(byte[] b, int pos, long v) {
    while ((v & ~0x7FL) != 0) {
      b[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[pos++] = (byte) v;
    return pos;
  }

  /**
   * {@code v} as a varint of exactly {@code width} bytes: minimal encoding continued by
   * {@code 0x80} groups. Protobuf parsers accept such over-long varints (up to 10 bytes: Go,
   * gogo, Java); fixed widths let a response's size be known before its timestamps are.
   */
  static int putPaddedVarint(byte[] b, int pos, long v, int width) {
    for (int i = 1; i < width; i++) {
      b[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[pos++] = (byte) (v & 0x7F);
    return pos;
  }

  static int putFixed64(byte[] b, int pos, long v) {
    for (int i = 0; i < 8; i++) {
      b[pos++] = (byte) v;
      v >>>= 8;
    }
    return pos;
  }

  /**
   * The repeated {@code labels} field ({@code field}) of a series: {@code Label{name=1, value=2}}
   * per label, names and values as UTF-8. {@code nv} alternates names and values.
   */
  static byte[] labels(int field, String[] nv, int n) {
    byte[][] utf8 = new byte[n * 2][];
    int size = 0;
    for (int i = 0; i < n * 2; i += 2) {
      utf8[i] = nv[i].getBytes(StandardCharsets.UTF_8);
      utf8[i + 1] = nv[i + 1].getBytes(StandardCharsets.UTF_8);
      int msg = labelSize(utf8[i].length, utf8[i + 1].length);
      size += 1 + varintSize(msg) + msg;
    }
    byte[] out = new byte[size];
    int pos = 0;
    for (int i = 0; i < n * 2; i += 2) {
      int msg = labelSize(utf8[i].length, utf8[i + 1].length);
      out[pos++] = (byte) key(field, LEN);
      pos = putVarint(out, pos, msg);
      pos = putBytes(out, pos, 1, utf8[i]);
      pos = putBytes(out, pos, 2, utf8[i + 1]);
    }
    return out;
  }

  /** Size of one {@code Label} message (without its own key and length). */
  static int labelSize(int nameBytes, int valueBytes) {
    return 1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes;
  }

  private static int putBytes(byte[] out, int pos, int field, byte[] v) {
    out[pos++] = (byte) key(field, LEN);
    pos = putVarint(out, pos, v.length);
    System.arraycopy(v, 0, out, pos, v.length);
    return pos + v.length;
  }
}
