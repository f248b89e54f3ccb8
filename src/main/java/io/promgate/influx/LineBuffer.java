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
  private Growth growth;

  /**
   * Told before the array grows, so a memory budget can refuse the growth (by throwing) before
   * the allocation rather than the JVM running out of heap.
   */
  public interface Growth {
    /** The array is about to grow from {@code from} to {@code to} bytes; throw to refuse. */
    void growing(long from, long to);

    /** The old array of {@code bytes} is no longer referenced. */
    void released(long bytes);
  }

  /** Sets (or with null clears) the growth observer. */
  public void track(Growth g) {
    this.growth = g;
  }

  public LineBuffer(int initialCapacity) {
    buf = new byte[Math.max(64, initialCapacity)];
  }

  public byte[] array() {
    return buf;
  }

  public int length() {
    return len;
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
      if (growth != null) {
        growth.growing(buf.length, want);
      }
      int old = buf.length;
      buf = Arrays.copyOf(buf, (int) want);
      if (growth != null) {
        growth.released(old);
      }
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

  /** Decimal form of {@code v}, without a String. */
  public LineBuffer putLong(long v) {
    ensure(20);
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        return putAscii("-9223372036854775808");
      }
      buf[len++] = '-';
      v = -v;
    }
    int n = v == 0 ? 1 : digitCount(v);
    writeDigits(buf, len + n, v);
    len += n;
    return this;
  }

  private static final long[] POW10 = new long[19];

  static {
    long p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  /** Number of decimal digits of {@code v > 0}: from its bit length, then one compare. */
  static int digitCount(long v) {
    int t = (64 - Long.numberOfLeadingZeros(v)) * 1233 >>> 12; // ≈ bits · log10(2)
    return t + (v >= POW10[t] ? 1 : 0);
  }

  /**
   * Writes the digits of {@code v ≥ 0} so that the last one is at {@code dst[end - 1]}. Eight
   * digits at a time in int arithmetic, two per step from a table: a 13-digit millisecond
   * timestamp is one long division, six two-digit lookups and one digit.
   */
  static void writeDigits(byte[] dst, int end, long v) {
    int p = end;
    while (v >= 100_000_000L) {
      long q = v / 100_000_000L;
      int r = (int) (v - q * 100_000_000L);
      v = q;
      int hi = r / 10_000;
      int lo = r - hi * 10_000;
      p = writePair(dst, p, lo % 100);
      p = writePair(dst, p, lo / 100);
      p = writePair(dst, p, hi % 100);
      p = writePair(dst, p, hi / 100);
    }
    int iv = (int) v;
    while (iv >= 100) {
      int q = iv / 100;
      p = writePair(dst, p, iv - q * 100);
      iv = q;
    }
    if (iv >= 10) {
      writePair(dst, p, iv);
    } else {
      dst[p - 1] = (byte) ('0' + iv);
    }
  }

  private static int writePair(byte[] dst, int p, int twoDigits) {
    dst[p - 1] = DIGIT_PAIRS[2 * twoDigits + 1];
    dst[p - 2] = DIGIT_PAIRS[2 * twoDigits];
    return p - 2;
  }

  /**
   * A finite double as a line-protocol float that InfluxDB (Go's {@code strconv.ParseFloat})
   * parses back to the same bits: integral values below 2^53 (counters, most gauges) as their
   * digits; everything else as the shortest decimal that rounds back to it ({@link
   * ShortestDouble}), e.g. {@code 0.1}, {@code 0.30000000000000004}, {@code 1e21},
   * {@code 5e-324}. No allocation either way.
   */
  public LineBuffer putDouble(double v) {
    if (v == (long) v && Math.abs(v) < 0x1p53) {
      if (v == 0 && Double.doubleToRawLongBits(v) != 0) {
        return putAscii("-0");
      }
      return putLong((long) v);
    }
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("line protocol has no float form for " + v);
    }
    ensure(26);
    if (v < 0) {
      buf[len++] = '-';
    }
    len = ShortestDouble.write(buf, len, v);
    return this;
  }

  public String toStringUtf8() {
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }
}
