package io.promgate.influx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array that InfluxDB line protocol is written into, byte by byte, with no
 * per-sample objects: the remote-write decoder appends straight from the decompressed request,
 * and the array is handed to the batcher as it is (no copy into a String or ByteBuf first).
 *
 * <p>Line protocol reference: https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/
 */
public final class LineBuffer {
  private static final byte[] DIGIT_PAIRS = new byte[200];

  static {
    for (int i = 0; i < 100; i++) {
      DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
      DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  private byte[] buf;
  private int len;

  public LineBuffer(int initialCapacity) {
    buf = new byte[Math.max(64, initialCapacity)];
  }

  public byte[] array() {
    return buf;
  }

  public int length() {
    return len;
  }

  public void truncate(int newLength) {
    len = newLength;
  }

  /**
   * For writers that fill {@link #array()} directly (the remote-write decoder's hot loop): after
   * {@link #ensure ensure(n)} they may write {@code array()[length(), length()+n)} and then set
   * the new length here. Bytes past the length are not part of the content.
   */
  public void setLength(int newLength) {
    if (newLength < 0 || newLength > buf.length) {
      throw new IndexOutOfBoundsException("length " + newLength + " outside the array of " + buf.length);
    }
    len = newLength;
  }

  public void clear() {
    len = 0;
  }

  public void ensure(int extra) {
    if (len + extra > buf.length) {
      long want = Math.max((long) buf.length * 2, (long) len + extra);
      if (want > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("line protocol buffer over 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) want);
    }
  }

  public LineBuffer put(byte b) {
    ensure(1);
    buf[len++] = b;
    return this;
  }

  public LineBuffer put(byte[] src, int off, int n) {
    ensure(n);
    System.arraycopy(src, off, buf, len, n);
    len += n;
    return this;
  }

  public LineBuffer put(byte[] src) {
    return put(src, 0, src.length);
  }

  /** Appends {@code n} bytes found earlier in this same buffer (a series prefix, say). */
  public LineBuffer repeat(int from, int n) {
    ensure(n);
    System.arraycopy(buf, from, buf, len, n);
    len += n;
    return this;
  }

  public LineBuffer putAscii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
    return this;
  }

  public LineBuffer putUtf8(String s) {
    return put(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Decimal form of {@code v}, two digits per step (the Long.toString trick, without the String). */
  public LineBuffer putLong(long v) {
    ensure(20);
    if (v == Long.MIN_VALUE) {
      return putAscii("-9223372036854775808");
    }
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int digits = digits(v);
    int end = len + digits;
    int p = end;
    while (v >= 100) {
      int r = (int) (v % 100);
      v /= 100;
      buf[--p] = DIGIT_PAIRS[2 * r + 1];
      buf[--p] = DIGIT_PAIRS[2 * r];
    }
    if (v >= 10) {
      buf[--p] = DIGIT_PAIRS[2 * (int) v + 1];
      buf[--p] = DIGIT_PAIRS[2 * (int) v];
    } else {
      buf[--p] = (byte) ('0' + v);
    }
    len = end;
    return this;
  }

  private static int digits(long v) {
    long p = 10;
    for (int i = 1; i < 19; i++) {
      if (v < p) {
        return i;
      }
      p *= 10;
    }
    return 19;
  }

  private static final double[] POW10 = new double[16];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  /**
   * A finite double as a line-protocol float that InfluxDB parses back to the same bits.
   *
   * <ul>
   *   <li>Integral values below 2^53 (counters, most gauges): their digits.
   *   <li>Short decimals (0.5, 0.001234, 12.75 — most measured values): the smallest k ≤ 15 with
   *       m = rint(v·10^k) an exact integer below 2^53 and m / 10^k == v. Both that division and
   *       InfluxDB's (Go's) ParseFloat of "m·10^-k" are correctly rounded results of the same exact
   *       quotient, so the text parses back to v's bits. No allocation.
   *   <li>The rest (full-precision fractions): {@link Double#toString}, whose output parses back to
   *       the same double (JLS), at the cost of one String.
   * </ul>
   */
  public LineBuffer putDouble(double v) {
    double a = Math.abs(v);
    if (v == (long) v && a < 0x1p53) {
      if (v == 0 && Double.doubleToRawLongBits(v) != 0) {
        return putAscii("-0");
      }
      return putLong((long) v);
    }
    for (int k = 1; k < POW10.length; k++) {
      double scaled = a * POW10[k];
      if (scaled >= 0x1p53) {
        break;
      }
      double m = Math.rint(scaled);
      if (m / POW10[k] == a) {
        long digits = (long) m;
        long unit = (long) POW10[k];
        if (v < 0) {
          put((byte) '-');
        }
        putLong(digits / unit).put((byte) '.');
        long frac = digits % unit;
        // Leading zeros of the fraction: 0.05 has frac 5 at k=2.
        for (long p = unit / 10; p > frac && p > 1; p /= 10) {
          put((byte) '0');
        }
        return putLong(frac);
      }
    }
    return putAscii(Double.toString(v));
  }

  public String toStringUtf8() {
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }
}
