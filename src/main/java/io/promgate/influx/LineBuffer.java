package io.promgate.influx;

import io.promgate.model.ShortestDouble;
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
    int n = v == 0 ? 1 : ShortestDouble.digitCount(v);
    ShortestDouble.writeDigits(buf, len + n, v);
    len += n;
    return this;
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
