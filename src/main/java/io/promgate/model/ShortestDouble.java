package io.promgate.model;

import java.math.BigInteger;

/**
 * The shortest decimal that reads back as a given double, by Raffaello Giulietti's Schubfach
 * algorithm ("The Schubfach way to render doubles", 2020; the algorithm of JDK 19's {@code
 * Double.toString}, JDK-4511638), written straight into a byte array with no allocation.
 *
 * <p>Two layouts of the same digits: {@link #write} for InfluxDB line protocol and {@link
 * #writeGo} for Go's {@code strconv.FormatFloat(v, 'g', -1, 64)}, which Prometheus's text
 * exposition uses. JDK 17's {@code Double.toString} has neither layout, allocates a String per
 * value, and its digits are not always the shortest (JDK-4511638, fixed only in JDK 19).
 *
 * <p>The idea in brief. A finite positive double is {@code v = c·2^q}; every real in its rounding
 * interval {@code R} (half an ulp either side, a quarter below when {@code c} is the smallest
 * significand of its binade; closed when {@code c} is even, as round-half-even parsing makes it)
 * reads back as {@code v}. With {@code k = floor(log10(width of R))}, the decimals {@code d·10^k}
 * are dense enough that {@code R} holds one or more of them, and {@code R} is too narrow to hold
 * two of {@code d·10^(k+1)}. So: if exactly one multiple of {@code 10^(k+1)} lies in {@code R},
 * it is the shortest answer; otherwise the answer is the one of {@code s·10^k}, {@code
 * (s+1)·10^k} (around {@code v}) in {@code R}, or the closer when both are (ties to even). The
 * bounds of {@code R} scaled by {@code 10^-k} are computed exactly enough from a 126-bit
 * approximation {@code g} of {@code 10^-k} ({@link #G1}, {@link #G0}) and one 64×128-bit product.
 *
 * <p>Unlike Java's {@code Double.toString} the result is not padded to two digits ({@code 5e-324},
 * not {@code 4.9E-324}): any decimal in {@code R} is read back as {@code v} by InfluxDB (Go's
 * {@code strconv.ParseFloat}, correctly rounded) and by {@code Double.parseDouble}.
 * {@code ShortestDoubleTest} checks shortest, closest and round trip for millions of values.
 */
public final class ShortestDouble {
  private ShortestDouble() {}

  private static final int Q_MIN = -1074; // exponent of the subnormals
  private static final long C_MIN = 1L << 52; // smallest significand of a normal binade
  private static final long MASK_63 = (1L << 63) - 1;
  private static final long[] POW10 = new long[19];
  private static final byte[] DIGIT_PAIRS = new byte[200];

  // The exponents m = -k of the powers 10^m that toDecimal needs: k spans
  // flog10pow2(Q_MIN) = -324 .. flog10pow2(971) = 292.
  private static final int M_MIN = -292;
  private static final int M_MAX = 324;
  /** g = floor(10^m · 2^-r) + 1 with r = flog2pow10(m) - 125, so 2^125 ≤ g < 2^126; g = G1·2^63 + G0. */
  static final long[] G1 = new long[M_MAX - M_MIN + 1];
  static final long[] G0 = new long[M_MAX - M_MIN + 1];

  static {
    long p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
    for (int i = 0; i < 100; i++) {
      DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
      DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  static {
    // Exact integer arithmetic once at class load (~2 ms) rather than a 1,234-entry literal table.
    for (int m = M_MIN; m <= M_MAX; m++) {
      int r = flog2pow10(m) - 125;
      BigInteger num = BigInteger.ONE;
      BigInteger den = BigInteger.ONE;
      if (m >= 0) {
        num = BigInteger.TEN.pow(m);
      } else {
        den = BigInteger.TEN.pow(-m);
      }
      if (r >= 0) {
        den = den.shiftLeft(r);
      } else {
        num = num.shiftLeft(-r);
      }
      BigInteger g = num.divide(den).add(BigInteger.ONE);
      G1[m - M_MIN] = g.shiftRight(63).longValueExact();
      G0[m - M_MIN] = g.longValue() & MASK_63;
    }
  }

  // The three floor-logarithms below are fixed-point products; ShortestDoubleTest checks them
  // exactly (against BigDecimal) over every exponent a double can have, and then some.

  /** floor(e · log10(2)). */
  static int flog10pow2(int e) {
    return (int) (e * 661_971_961_083L >> 41);
  }

  /** floor(log10(3/4 · 2^e)). */
  static int flog10threeQuartersPow2(int e) {
    return (int) (e * 661_971_961_083L + -274_743_187_321L >> 41);
  }

  /** floor(e · log2(10)). */
  static int flog2pow10(int e) {
    return (int) (e * 913_124_641_741L >> 38);
  }

  /**
   * Writes the shortest decimal form of the finite, non-zero {@code |v|} (sign and zero are the
   * caller's) at {@code dst[p]}, which must have 25 bytes of room; returns the end position.
   * Layout as JavaScript's {@code Number#toString}: plain digits for exponents -6..20
   * ({@code 123.45}, {@code 0.00012}, {@code 1e+21} is {@code 1e21} here), else {@code d.ddde-8}.
   */
  public static int write(byte[] dst, int p, double v) {
    return write(dst, p, v, false);
  }

  /**
   * As {@link #write}, in Go's {@code 'g'} layout for the shortest digits: plain for exponents
   * -4..5 ({@code 100000}, {@code 0.0001}), else {@code %e} with a signed exponent of at least two
   * digits ({@code 1e+06}, {@code 1.23456789e+08}, {@code 1e-05}).
   */
  public static int writeGo(byte[] dst, int p, double v) {
    return write(dst, p, v, true);
  }

  private static int write(byte[] dst, int p, double v, boolean go) {
    long bits = Double.doubleToRawLongBits(v);
    long t = bits & ((1L << 52) - 1);
    int bq = (int) (bits >>> 52) & 0x7ff;
    if (bq != 0) {
      return decimal(dst, p, bq - 1075, C_MIN | t, go); // normal
    }
    return decimal(dst, p, Q_MIN, t, go); // subnormal (t > 0: the caller handles zero)
  }

  /** Schubfach for {@code v = c·2^q}; writes the chosen decimal. */
  private static int decimal(byte[] dst, int p, int q, long c, boolean go) {
    int out = (int) c & 1;
    long cb = c << 2;
    long cbr = cb + 2;
    long cbl;
    int k;
    if (c != C_MIN || q == Q_MIN) {
      cbl = cb - 2; // regular spacing: half an ulp below
      k = flog10pow2(q);
    } else {
      cbl = cb - 1; // the ulp below is half as wide: a quarter below
      k = flog10threeQuartersPow2(q);
    }
    int h = q + flog2pow10(-k) + 2; // in [1, 4]
    long g1 = G1[-k - M_MIN];
    long g0 = G0[-k - M_MIN];
    // v, and the bounds of its rounding interval, times 4·10^-k (with a sticky low bit).
    long vb = rop(g1, g0, cb << h);
    long vbl = rop(g1, g0, cbl << h);
    long vbr = rop(g1, g0, cbr << h);

    long s = vb >> 2; // floor(v·10^-k)
    long sp10 = s / 10 * 10;
    long tp10 = sp10 + 10;
    boolean upin = vbl + out <= sp10 << 2;
    boolean wpin = (tp10 << 2) + out <= vbr;
    if (upin != wpin) {
      return layout(dst, p, upin ? sp10 : tp10, k, go); // the one multiple of 10^(k+1) in R
    }
    long t = s + 1;
    boolean uin = vbl + out <= s << 2;
    boolean win = (t << 2) + out <= vbr;
    if (uin != win) {
      return layout(dst, p, uin ? s : t, k, go);
    }
    long cmp = vb - (s + t << 1); // both in R: the closer to v, ties to even
    return layout(dst, p, cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : t, k, go);
  }

  /** Round to odd of {@code g·cp / 2^127}, from the 126-bit {@code g = g1·2^63 + g0}. */
  private static long rop(long g1, long g0, long cp) {
    long x1 = Math.multiplyHigh(g0, cp);
    long y0 = g1 * cp;
    long y1 = Math.multiplyHigh(g1, cp);
    long z = (y0 >>> 1) + x1;
    long vbp = y1 + (z >>> 63);
    return vbp | (z & MASK_63) + MASK_63 >>> 63;
  }

  /**
   * Writes {@code f·10^e} (f &gt; 0) without trailing zeros in the digits: plain for scientific
   * exponents -6..20 (-4..5 with {@code go}), else {@code d.ddde-8} ({@code d.ddde-08} and {@code
   * d.ddde+21} with {@code go}).
   */
  private static int layout(byte[] dst, int p, long f, int e, boolean go) {
    while (f % 10 == 0) {
      f /= 10;
      e++;
    }
    int n = digitCount(f);
    int x = n - 1 + e; // scientific exponent: f·10^e = d.ddd·10^x
    if (go ? x >= -4 && x < 6 : x >= -6 && x < 21) {
      if (e >= 0) { // an integer: digits, then e zeros
        writeDigits(dst, p + n, f);
        p += n;
        for (int i = 0; i < e; i++) {
          dst[p++] = '0';
        }
        return p;
      }
      if (x >= 0) { // 123.45: digits with the point after x+1 of them
        writeDigits(dst, p + n + 1, f);
        System.arraycopy(dst, p + 1, dst, p, x + 1);
        dst[p + x + 1] = '.';
        return p + n + 1;
      }
      dst[p++] = '0'; // 0.00012
      dst[p++] = '.';
      for (int i = -1; i > x; i--) {
        dst[p++] = '0';
      }
      writeDigits(dst, p + n, f);
      return p + n;
    }
    // d.ddde-8 / de21 (Go: d.ddde-08 / de+21)
    writeDigits(dst, p + n + 1, f);
    dst[p] = dst[p + 1];
    if (n == 1) {
      p += 1;
    } else {
      dst[p + 1] = '.';
      p += n + 1;
    }
    dst[p++] = 'e';
    if (x < 0) {
      dst[p++] = '-';
      x = -x;
    } else if (go) {
      dst[p++] = '+';
    }
    if (x >= 100) {
      dst[p++] = (byte) ('0' + x / 100);
      x %= 100;
      dst[p++] = (byte) ('0' + x / 10);
    } else if (x >= 10 || go) {
      dst[p++] = (byte) ('0' + x / 10);
    }
    dst[p++] = (byte) ('0' + x % 10);
    return p;
  }

  /** Number of decimal digits of {@code v > 0}: from its bit length, then one compare. */
  public static int digitCount(long v) {
    int t = (64 - Long.numberOfLeadingZeros(v)) * 1233 >>> 12; // ≈ bits · log10(2)
    return t + (v >= POW10[t] ? 1 : 0);
  }

  /**
   * Writes the digits of {@code v ≥ 0} so that the last one is at {@code dst[end - 1]}. Eight
   * digits at a time in int arithmetic, two per step from a table: a 13-digit millisecond
   * timestamp is one long division, six two-digit lookups and one digit.
   */
  public static void writeDigits(byte[] dst, int end, long v) {
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
}
