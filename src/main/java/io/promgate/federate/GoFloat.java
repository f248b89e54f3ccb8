package io.promgate.federate;

import io.promgate.model.ShortestDouble;
import java.nio.charset.StandardCharsets;

/**
 * Sample values as Prometheus's text encoder writes them (expfmt {@code writeFloat}): {@code NaN},
 * {@code +Inf}, {@code -Inf}, {@code 0} for both zeros, otherwise Go's {@code
 * strconv.FormatFloat(f, 'g', -1, 64)}: the shortest decimal that reads back as the same double
 * (the closest one if several are as short), by {@link ShortestDouble#writeGo}. Checked against a
 * real Prometheus and against exact decimal arithmetic ({@code ExactGoFloat}) in {@code
 * GoFloatTest}.
 */
final class GoFloat {
  private static final byte[] NAN = {'N', 'a', 'N'};
  private static final byte[] POS_INF = {'+', 'I', 'n', 'f'};
  private static final byte[] NEG_INF = {'-', 'I', 'n', 'f'};

  private GoFloat() {}

  /** The text for {@code v}, as a String (tests, messages). */
  static String format(double v) {
    byte[] b = new byte[32];
    int n = write(v, b, 0);
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

  /**
   * Writes the text for {@code v} into {@code out} at {@code at}; at most 24 bytes.
   *
   * @return the index after the last byte written
   */
  static int write(double v, byte[] out, int at) {
    if (Double.isNaN(v)) {
      return put(out, at, NAN);
    }
    if (Double.isInfinite(v)) {
      return put(out, at, v > 0 ? POS_INF : NEG_INF);
    }
    if (v == 0) {
      out[at] = '0';
      return at + 1;
    }
    if (v < 0) {
      out[at++] = '-';
      v = -v;
    }
    return ShortestDouble.writeGo(out, at, v);
  }

  private static int put(byte[] out, int at, byte[] s) {
    System.arraycopy(s, 0, out, at, s.length);
    return at + s.length;
  }
}
