package io.promgate.influx;

import java.nio.charset.StandardCharsets;

/**
 * InfluxDB's MessagePack answer ({@code Accept: application/x-msgpack}, served by 1.x and by 2.x's
 * v1 API) as the same tokens {@link JsonLexer} gives: the same maps and arrays, one document per
 * chunk, written back to back. InfluxDB spends markedly less CPU writing it than JSON (it is the
 * bottleneck of every remote read) and floats arrive as their 8 IEEE-754 bytes: nothing to print
 * or parse, every bit (and the sign of zero) exact.
 *
 * <p>Maps and arrays carry their element count instead of an end marker; the lexer counts down
 * per level and emits END_OBJECT/END_ARRAY when a level is exhausted. Strings in key position of
 * a map are KEYs. Extension and binary types, which InfluxDB does not use with {@code epoch=ms},
 * end the read.
 */
final class MsgpackLexer extends Lexer {
  private final boolean[] isMap = new boolean[MAX_DEPTH];
  private final long[] remaining = new long[MAX_DEPTH];
  private int depth;

  MsgpackLexer() {
    super("MessagePack", "value");
  }

  @Override
  int next() {
    if (depth > 0 && remaining[depth - 1] == 0) {
      depth--;
      return isMap[depth] ? END_OBJECT : END_ARRAY;
    }
    if (pos >= end) {
      return pending(pos, depth > 0);
    }
    int start = pos;
    int type = buf[pos] & 0xff;
    int t = token(type);
    if (t == NEED_MORE) {
      return pending(start, depth > 0);
    }
    return t;
  }

  private int token(int type) {
    if (type <= 0x7f) {
      pos++;
      return integer(type);
    }
    if (type >= 0xe0) {
      pos++;
      return integer((byte) type);
    }
    if (type <= 0x8f) {
      pos++;
      return container(true, type & 0x0f);
    }
    if (type <= 0x9f) {
      pos++;
      return container(false, type & 0x0f);
    }
    if (type <= 0xbf) {
      return string(1, type & 0x1f);
    }
    switch (type) {
      case 0xc0 -> {
        pos++;
        return value(NULL);
      }
      case 0xc2 -> {
        pos++;
        return value(FALSE);
      }
      case 0xc3 -> {
        pos++;
        return value(TRUE);
      }
      case 0xca -> {
        if (!has(5)) {
          return NEED_MORE;
        }
        doubleValue = Float.intBitsToFloat((int) bigEndian(pos + 1, 4));
        pos += 5;
        return value(FLOAT);
      }
      case 0xcb -> {
        if (!has(9)) {
          return NEED_MORE;
        }
        doubleValue = Double.longBitsToDouble(bigEndian(pos + 1, 8));
        pos += 9;
        return value(FLOAT);
      }
      case 0xcc, 0xcd, 0xce, 0xcf -> {
        int n = 1 << (type - 0xcc);
        if (!has(1 + n)) {
          return NEED_MORE;
        }
        long v = bigEndian(pos + 1, n);
        pos += 1 + n;
        if (n == 8 && v < 0) {
          doubleValue = (double) (v >>> 1) * 2 + (v & 1); // uint64 above 2^63: as a float
          return value(FLOAT);
        }
        return integer(v);
      }
      case 0xd0, 0xd1, 0xd2, 0xd3 -> {
        int n = 1 << (type - 0xd0);
        if (!has(1 + n)) {
          return NEED_MORE;
        }
        long v = bigEndian(pos + 1, n);
        int shift = 64 - 8 * n;
        pos += 1 + n;
        return integer((v << shift) >> shift);
      }
      case 0xd9, 0xda, 0xdb -> {
        int n = 1 << (type - 0xd9);
        if (!has(1 + n)) {
          return NEED_MORE;
        }
        long len = bigEndian(pos + 1, n);
        if (len > MAX_TOKEN) {
          throw malformed("a string of " + len + " bytes");
        }
        return string(1 + n, (int) len);
      }
      case 0xdc, 0xdd, 0xde, 0xdf -> {
        int n = type == 0xdc || type == 0xde ? 2 : 4;
        if (!has(1 + n)) {
          return NEED_MORE;
        }
        long count = bigEndian(pos + 1, n);
        pos += 1 + n;
        return container(type >= 0xde, count);
      }
      default -> throw malformed(String.format("unsupported MessagePack type 0x%02x", type));
    }
  }

  private int integer(long v) {
    longValue = v;
    doubleValue = v;
    return value(INTEGER);
  }

  /** A scalar (or the start of a container) takes one slot of the enclosing level. */
  private int value(int token) {
    if (depth > 0) {
      remaining[depth - 1]--;
    }
    return token;
  }

  private int container(boolean map, long count) {
    boolean keyPosition = depth > 0 && isMap[depth - 1] && remaining[depth - 1] % 2 == 0;
    if (keyPosition) {
      throw malformed("a map or array as a map key");
    }
    value(0);
    if (depth == MAX_DEPTH) {
      throw malformed("nested deeper than " + MAX_DEPTH);
    }
    isMap[depth] = map;
    remaining[depth] = map ? 2 * count : count;
    depth++;
    return map ? BEGIN_OBJECT : BEGIN_ARRAY;
  }

  private int string(int header, int len) {
    if (!has(header + len)) {
      return NEED_MORE;
    }
    text = new String(buf, pos + header, len, StandardCharsets.UTF_8);
    pos += header + len;
    boolean key = depth > 0 && isMap[depth - 1] && remaining[depth - 1] % 2 == 0;
    value(0);
    return key ? KEY : STRING;
  }

  private boolean has(int n) {
    return end - pos >= n;
  }

  private long bigEndian(int at, int n) {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | (buf[at + i] & 0xff);
    }
    return v;
  }

}
