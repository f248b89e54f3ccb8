package io.promgate.federate;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * The reference for {@link GoFloat}: Go's {@code strconv.FormatFloat(v, 'g', -1, 64)} by exact
 * decimal arithmetic alone ({@link BigDecimal} rounding at each precision, checked by parsing),
 * slow and independent of the production code's digits.
 */
final class ExactGoFloat {
  private static final long[] LPOW10 = new long[19];

  static {
    long l = 1;
    for (int i = 0; i < LPOW10.length; i++) {
      LPOW10[i] = l;
      l *= 10;
    }
  }

  private ExactGoFloat() {}

  /** Go's shortest {@code 'g'} text of a finite non-zero {@code v}. */
  static String format(double v) {
    byte[] b = new byte[32];
    int at = 0;
    if (v < 0) {
      b[at++] = '-';
      v = -v;
    }
    int n = slowWrite(v, b, at);
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

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
    if (exp < -4 || exp >= 6) {
      long first = digits / LPOW10[nd - 1];
      out[at++] = (byte) ('0' + first);
      if (nd > 1) {
        out[at++] = '.';
        at = putDigits(digits - first * LPOW10[nd - 1], nd - 1, out, at);
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
      }
      out[at++] = (byte) ('0' + e / 10);
      out[at++] = (byte) ('0' + e % 10);
      return at;
    }
    if (dp <= 0) {
      out[at++] = '0';
      out[at++] = '.';
      for (int i = 0; i < -dp; i++) {
        out[at++] = '0';
      }
      return putDigits(digits, nd, out, at);
    }
    if (dp >= nd) {
      at = putDigits(digits, nd, out, at);
      for (int i = nd; i < dp; i++) {
        out[at++] = '0';
      }
      return at;
    }
    long scale = LPOW10[nd - dp];
    at = putDigits(digits / scale, dp, out, at);
    out[at++] = '.';
    return putDigits(digits % scale, nd - dp, out, at);
  }

  /** The {@code width} lowest decimal digits of {@code x}, leading zeros included. */
  private static int putDigits(long x, int width, byte[] out, int at) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + x % 10);
      x /= 10;
    }
    return at + width;
  }

  private static int digitCount(long x) {
    int n = 1;
    while (n < LPOW10.length && x >= LPOW10[n]) {
      n++;
    }
    return n;
  }
}
