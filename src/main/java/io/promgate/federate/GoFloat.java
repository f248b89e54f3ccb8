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
 * not always the shortest (JDK-4511638, fixed only in JDK 19). So the digits are found here:
 *
 * <ol>
 *   <li>integers below 2^53: their own digits — no shorter decimal lies within half an ulp (≤ 0.5);
 *   <li>otherwise f is scaled by 10^k into X = f·10^k in [10^16, 10^17) in double-double
 *       arithmetic (10^k kept as a pair of doubles, the product split exactly with {@code
 *       Math.fma}), which gives X = N + r (N a 17-digit integer, 0 ≤ r &lt; 1) to within ~1e-14
 *       of a unit. Any decimal of p ≤ 15 digits that reads back as f must be a multiple of 100 at
 *       this scale and lie within half an ulp of f (≤ 11.2 units): only the two multiples of 100
 *       around X qualify, likewise the two multiples of 10 (16 digits) and N, N+1 (17 digits).
 *       Six candidates, each accepted when its distance to X is below the half-gap on its side
 *       (the gap below a power of two is half the gap above); the shortest wins, then the closer;
 *   <li>when any of those comparisons falls within 1e-6 of a unit of its threshold (never seen in
 *       {@code GoFloatTest}'s random runs, but possible), when k is outside the table (subnormals),
 *       the exact path decides: {@link BigDecimal} rounding at each precision, checked by parsing.
 * </ol>
 *
 * <p>{@code FederateBenchmark} compares these paths with the exact path alone on 25,000 mixed
 * values (a third of them 16-17 digit ratios); its figures are in BENCHMARKS.md.
 */
final class GoFloat {
  private static final byte[] NAN = {'N', 'a', 'N'};
  private static final byte[] POS_INF = {'+', 'I', 'n', 'f'};
  private static final byte[] NEG_INF = {'-', 'I', 'n', 'f'};
  private static final long[] LPOW10 = new long[19];
  private static final long E16 = 10_000_000_000_000_000L;
  private static final long E17 = 100_000_000_000_000_000L;
  /** Decisions closer than this (in units of the 17th digit) to a threshold go to the exact path. */
  private static final double EPS = 1e-6;
  private static final int K_MIN = -292;
  private static final int K_MAX = 308;
  /** 10^k = P_HI[k - K_MIN] + P_LO[k - K_MIN], each correctly rounded. */
  private static final double[] P_HI = new double[K_MAX - K_MIN + 1];
  private static final double[] P_LO = new double[K_MAX - K_MIN + 1];

  static {
    long l = 1;
    for (int i = 0; i < LPOW10.length; i++) {
      LPOW10[i] = l;
      l *= 10;
    }
    for (int k = K_MIN; k <= K_MAX; k++) {
      BigDecimal p = BigDecimal.ONE.scaleByPowerOfTen(k);
      double hi = p.doubleValue();
      P_HI[k - K_MIN] = hi;
      P_LO[k - K_MIN] = p.subtract(new BigDecimal(hi)).doubleValue();
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
      int end = scaledWrite(v, out, at);
      return end >= 0 ? end : slowWrite(v, out, at);
    }
    return layout(digits, dp, out, at);
  }

  /** Step 2: writes the shortest decimal and returns the end index, or -1 when the exact path must decide. */
  private static int scaledWrite(double v, byte[] out, int at) {
    int k = 16 - (int) Math.floor(Math.log10(v));
    for (int attempt = 0; attempt < 3; attempt++) {
      if (k < K_MIN || k > K_MAX) {
        return -1;
      }
      double ph = P_HI[k - K_MIN];
      double hi = v * ph;
      double lo = Math.fma(v, ph, -hi) + v * P_LO[k - K_MIN]; // v·10^k = hi + lo, to ~1e-15
      double fl = Math.floor(lo);
      long n = (long) hi + (long) fl;
      double r = lo - fl;
      if (n < E16) {
        k++; // log10 rounded the wrong way: scale again
        continue;
      }
      if (n >= E17) {
        k--;
        continue;
      }
      double above = Math.ulp(v) * ph * 0.5; // half-gap to the next double, in units of N
      double below = (Double.doubleToRawLongBits(v) & 0xF_FFFF_FFFF_FFFFL) == 0 && v > Double.MIN_NORMAL
          ? above * 0.5 : above;
      long bestValue = -1; // the winning candidate, at this scale
      long bestDigits = 0;
      int bestP = 99;
      double bestDist = 0;
      // Candidates: the multiples of 100, 10 and 1 just below X (distance d) and just above it.
      long low = n % 100;
      long low10 = n % 10;
      for (int c = 0; c < 6; c++) {
        long value;
        double d;
        switch (c) {
          case 0 -> { value = n - low; d = low + r; }
          case 1 -> { value = n - low + 100; d = (100 - low) - r; }
          case 2 -> { value = n - low10; d = low10 + r; }
          case 3 -> { value = n - low10 + 10; d = (10 - low10) - r; }
          case 4 -> { value = n; d = r; }
          default -> { value = n + 1; d = 1 - r; }
        }
        double bound = (c & 1) == 0 ? below : above;
        if (Math.abs(d - bound) < EPS) {
          return -1; // too close to the edge of the interval to trust double-double
        }
        if (d > bound || value == bestValue) {
          continue;
        }
        long digits = value;
        while (digits % 10 == 0) {
          digits /= 10;
        }
        int p = digitCount(digits);
        if (p == bestP && Math.abs(d - bestDist) < EPS) {
          return -1; // two equally short candidates, equally close: let the exact path decide
        }
        if (p < bestP || (p == bestP && d < bestDist)) {
          bestP = p;
          bestDist = d;
          bestValue = value;
          bestDigits = digits;
        }
      }
      if (bestValue < 0) {
        return -1;
      }
      // The candidate is bestValue · 10^-k: its digits before the decimal point number nd - k.
      return layout(bestDigits, digitCount(bestValue) - k, out, at);
    }
    return -1;
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

  private static int put(byte[] out, int at, byte[] s) {
    System.arraycopy(s, 0, out, at, s.length);
    return at + s.length;
  }
}
