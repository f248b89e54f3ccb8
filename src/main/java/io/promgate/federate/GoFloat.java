package io.promgate.federate;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Sample values as Prometheus's text encoder writes them (expfmt {@code writeFloat}): {@code NaN},
 * {@code +Inf}, {@code -Inf}, {@code 0} for both zeros, otherwise Go's {@code
 * strconv.FormatFloat(f, 'g', -1, 64)} — the shortest decimal that reads back as the same double
 * (the closest one if several are as short), in {@code %e} form when the decimal exponent is below
 * -4 or at least 6 ({@code 1e+06}, {@code 1.23456789e+08}, {@code 1e-05}, {@code 100000},
 * {@code 0.0001}), with at least two exponent digits. Checked against a real Prometheus in
 * {@code GoFloatTest}.
 *
 * <p>Java 17's {@code Double.toString} is not an option: it differs in layout, and its digits are
 * not always the shortest (JDK-4511638, fixed only in JDK 19; {@code 2.0E-3}-style and
 * {@code 1.0E23}-style outputs aside). So the digits are found here:
 *
 * <ol>
 *   <li>integers below 2^53: their own digits — no shorter decimal lies within half an ulp (≤ 0.5);
 *   <li>otherwise the smallest precision p ≤ 15 whose rounding m = rint(|f|·10^k) (k = p-1-exponent,
 *       |k| ≤ 22) divides back to exactly f. With m &lt; 2^53 and 10^|k| exact, {@code m / 10^k} is
 *       one correctly rounded IEEE operation, i.e. exactly what parsing the decimal gives (Clinger's
 *       fast path), so the test is exact; and for p ≤ 15 the product's rounding error (&lt; 0.12)
 *       cannot move rint off the only candidate that could round-trip;
 *   <li>the rest (16–17 digits, or exponents beyond ±22): exact {@link BigDecimal} rounding at
 *       each precision, trying the nearest decimal and its neighbour across f, checked by parsing.
 * </ol>
 *
 * <p>Step 2 covers the values monitoring data is made of (counters, gauges, ratios with few
 * digits); see {@code GoFloatBenchmark} for the cost of each path.
 */
final class GoFloat {
  private static final double[] POW10 = new double[23];
  private static final long[] LPOW10 = new long[19];
  private static final byte[] NAN = {'N', 'a', 'N'};
  private static final byte[] POS_INF = {'+', 'I', 'n', 'f'};
  private static final byte[] NEG_INF = {'-', 'I', 'n', 'f'};

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
    long l = 1;
    for (int i = 0; i < LPOW10.length; i++) {
      LPOW10[i] = l;
      l *= 10;
    }
  }

  private GoFloat() {}

  /** The text for {@code v}, as a String (tests, messages). */
  static String format(double v) {
    byte[] b = new byte[32];
    int n = write(v, b, 0);
    return new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
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
    // digits of the shortest decimal, as an integer without trailing zeros, and dp: the value is
    // 0.DIGITS × 10^dp
    long digits;
    int dp;
    if (v < 9007199254740992.0 && v == Math.rint(v)) {
      digits = (long) v;
      int nd = digitCount(digits);
      dp = nd;
      while (digits % 10 == 0) {
        digits /= 10;
      }
    } else {
      long[] found = fastShortest(v);
      if (found != null) {
        digits = found[0];
        dp = (int) found[1];
      } else {
        return slowWrite(v, out, at);
      }
    }
    return layout(digits, dp, out, at);
  }

  /** Step 2: {digits, dp} or null. */
  private static long[] fastShortest(double v) {
    int e10 = (int) Math.floor(Math.log10(v));
    for (int p = 1; p <= 15; p++) {
      int k = p - 1 - e10;
      if (k > 22 || k < -22) {
        continue;
      }
      double m = k >= 0 ? Math.rint(v * POW10[k]) : Math.rint(v / POW10[-k]);
      if (m <= 0 || m >= 1e15) {
        continue;
      }
      double back = k >= 0 ? m / POW10[k] : m * POW10[-k];
      if (back == v) {
        long digits = (long) m;
        int nd = digitCount(digits);
        int dp = nd - k;
        while (digits % 10 == 0) {
          digits /= 10;
        }
        return new long[] {digits, dp};
      }
    }
    return null;
  }

  /** Step 3 alone, for any finite non-zero value: tests hold the fast paths against it. */
  static String formatExact(double v) {
    byte[] b = new byte[32];
    int at = 0;
    if (v < 0) {
      b[at++] = '-';
      v = -v;
    }
    int n = slowWrite(v, b, at);
    return new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Step 3: exact. */
  private static int slowWrite(double v, byte[] out, int at) {
    BigDecimal exact = new BigDecimal(v);
    for (int p = 1; p <= 17; p++) {
      BigDecimal near = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
      BigDecimal chosen = null;
      if (Double.parseDouble(near.toString()) == v) {
        chosen = near;
      } else {
        // At a power of two the interval that reads back as v is narrower below than above,
        // so the p-digit decimal on the far side of v can read back when the nearest does not.
        BigDecimal step = BigDecimal.ONE.scaleByPowerOfTen(-near.scale() + (near.precision() - p));
        BigDecimal other = near.compareTo(exact) < 0 ? near.add(step) : near.subtract(step);
        if (other.signum() > 0 && Double.parseDouble(other.toString()) == v) {
          chosen = other;
        }
      }
      if (chosen != null) {
        BigDecimal stripped = chosen.stripTrailingZeros();
        long digits = stripped.unscaledValue().longValueExact();
        int dp = stripped.precision() - stripped.scale();
        return layout(digits, dp, out, at);
      }
    }
    throw new AssertionError("no decimal of 17 digits reads back as " + v);
  }

  /** Go's {@code %e} / {@code %f} choice for shortest {@code 'g'}: %e when exp &lt; -4 or exp ≥ 6. */
  private static int layout(long digits, int dp, byte[] out, int at) {
    int nd = digitCount(digits);
    int exp = dp - 1;
    // the digits, most significant first
    byte[] d = new byte[nd];
    long x = digits;
    for (int i = nd - 1; i >= 0; i--) {
      d[i] = (byte) ('0' + x % 10);
      x /= 10;
    }
    if (exp < -4 || exp >= 6) {
      out[at++] = d[0];
      if (nd > 1) {
        out[at++] = '.';
        System.arraycopy(d, 1, out, at, nd - 1);
        at += nd - 1;
      }
      out[at++] = 'e';
      int e = exp;
      if (e < 0) {
        out[at++] = '-';
        e = -e;
      } else {
        out[at++] = '+';
      }
      if (e >= 100) {
        out[at++] = (byte) ('0' + e / 100);
        e %= 100;
        out[at++] = (byte) ('0' + e / 10);
        out[at++] = (byte) ('0' + e % 10);
      } else {
        out[at++] = (byte) ('0' + e / 10);
        out[at++] = (byte) ('0' + e % 10);
      }
      return at;
    }
    if (dp <= 0) {
      out[at++] = '0';
      out[at++] = '.';
      for (int i = 0; i < -dp; i++) {
        out[at++] = '0';
      }
      System.arraycopy(d, 0, out, at, nd);
      return at + nd;
    }
    if (dp >= nd) {
      System.arraycopy(d, 0, out, at, nd);
      at += nd;
      for (int i = nd; i < dp; i++) {
        out[at++] = '0';
      }
      return at;
    }
    System.arraycopy(d, 0, out, at, dp);
    at += dp;
    out[at++] = '.';
    System.arraycopy(d, dp, out, at, nd - dp);
    return at + nd - dp;
  }

  private static int digitCount(long x) {
    int n = 1;
    while (n < LPOW10.length && x >= LPOW10[n]) {
      n++;
    }
    return n;
  }

  private static int put(byte[] out, int at, byte[] s) {
    System.arraycopy(s, 0, out, at, s.length);
    return at + s.length;
  }
}
