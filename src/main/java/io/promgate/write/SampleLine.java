package io.promgate.write;

import io.promgate.influx.LineBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The field set and timestamp of one sample's line, after its series key. Line protocol has no
 * NaN/Inf, so a non-finite value (NaN, ±Inf, the staleness marker) is stored as the integer field
 * {@code value_bits} holding its raw bits.
 */
final class SampleLine {
  // InfluxDB stores nanoseconds in an int64 and reserves both extremes; at precision=ms the
  // timestamp is multiplied by 1e6, so these are the ms values it accepts.
  static final long MIN_TIMESTAMP_MS = -9_223_372_036_854L;
  static final long MAX_TIMESTAMP_MS = 9_223_372_036_854L;
  private static final byte[] VALUE = "value=".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] VALUE_BITS = "value_bits=".getBytes(StandardCharsets.US_ASCII);

  private SampleLine() {}

  /** Appends {@code value=v ts\n} (or {@code value_bits=…i}); returns 1 for a non-finite value, else 0. */
  static int write(LineBuffer out, long bits, long ts) {
    double v = Double.longBitsToDouble(bits);
    int nonFinite = 0;
    if (Double.isFinite(v)) {
      out.put(VALUE).putDouble(v);
    } else {
      out.put(VALUE_BITS).putLong(bits).put((byte) 'i');
      nonFinite = 1;
    }
    out.put((byte) ' ').putLong(ts).put((byte) '\n');
    return nonFinite;
  }
}
