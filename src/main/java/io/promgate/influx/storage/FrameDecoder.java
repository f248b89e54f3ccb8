package io.promgate.influx.storage;

import static io.promgate.influx.storage.Wire.getLongLE;
import static io.promgate.influx.storage.Wire.malformed;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes the frames of a {@code ReadResponse} (protobuf, as InfluxDB 1.6.7 sends them) with no
 * object per point: a series frame (its tags, including {@code _measurement} and {@code _field})
 * goes to {@link RowMapper#series}, a points frame (timestamps in ns and values) to {@link
 * RowMapper#points} as two reused arrays.
 */
final class FrameDecoder {
  private final RowMapper rows;
  private byte[] msg;

  // points of the current frame
  private long[] times = new long[2048];
  private long[] values = new long[2048];
  private String[] tagKeys = new String[16];
  private String[] tagValues = new String[16];

  FrameDecoder(RowMapper rows) {
    this.rows = rows;
  }

  /** One {@code Frame}: a oneof of series (1), float (2), integer (3) or unsigned (4) points. */
  void frame(byte[] b, int off, int len) {
    msg = b;
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
    rows.series(measurement, field, tagKeys, tagValues, tags);
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
    rows.points(type, times, values, nt);
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

  /** The length of the last varint read. */
  int varintLength;

  /** A varint that must end before {@code end}. */
  private long varintIn(int p, int end) {
    return varint(msg, p, end, true);
  }

  /** A varint in {@code msg} at {@code p}; -1 if it is not all there yet (unless it must be). */
  long varint(byte[] msg, int p, int end, boolean mustBeThere) {
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
}
