package io.promgate.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ShortestDouble} against the definition, checked with exact decimal arithmetic: the text
 * reads back as the same double, no decimal with fewer significant digits does, and of the
 * decimals with as many digits that do, it is the one closest to the double (ties to even).
 */
class ShortestDoubleTest {
  static String format(double v) {
    byte[] b = new byte[32];
    int n = ShortestDouble.write(b, 0, v);
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

  static String formatGo(double v) {
    byte[] b = new byte[32];
    int n = ShortestDouble.writeGo(b, 0, v);
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

  @ParameterizedTest
  @CsvSource({
    "0.1, 0.1",
    "0.30000000000000004, 0.30000000000000004",
    "123.456, 123.456",
    "1e21, 1e21",
    "1e20, 100000000000000000000",
    "9007199254740992, 9007199254740992",
    "1.5e-7, 1.5e-7",
    "1e-7, 1e-7",
    "1.2e-6, 0.0000012",
    "4.9e-324, 5e-324",
    "1.7976931348623157e308, 1.7976931348623157e308",
    "2.2250738585072014e-308, 2.2250738585072014e-308",
    "1e23, 1e23",
    "5e-324, 5e-324",
    "1e-323, 1e-323",
    "0.5, 0.5",
    "1234567.125, 1234567.125",
    "3.0e10, 30000000000",
  })
  void write_knownValues_layout(double v, String expected) {
    assertEquals(expected, format(v));
  }

  @Test
  void write_edgeValues_shortestClosestAndRoundTrip() {
    // Every power of two (the irregular C_MIN binade boundaries), every power of ten, and their
    // neighbours; the smallest subnormals one by one.
    for (int e = -1074; e <= 1023; e++) {
      double p = Math.scalb(1.0, e);
      check(p);
      check(Math.nextUp(p));
      check(Math.nextDown(p));
    }
    for (int e = -323; e <= 308; e++) {
      double p = Double.parseDouble("1e" + e);
      check(p);
      check(Math.nextUp(p));
      check(Math.nextDown(p));
    }
    for (long bits = 1; bits < 2000; bits++) {
      check(Double.longBitsToDouble(bits));
    }
    check(Double.MAX_VALUE);
    check(Double.MIN_NORMAL);
    check(Math.nextDown(Double.MIN_NORMAL));
  }

  @Test
  void write_millionRandomDoubles_shortestClosestAndRoundTrip() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int i = 0; i < 1_000_000; i++) {
      double d = switch (i % 4) {
        case 0 -> Double.longBitsToDouble(rnd.nextLong() & Long.MAX_VALUE); // any exponent
        case 1 -> rnd.nextDouble() * 1000; // measured values
        case 2 -> rnd.nextInt(1, 1_000_000) / Math.pow(10, rnd.nextInt(1, 18)); // short decimals
        default -> rnd.nextDouble() * Math.pow(10, rnd.nextInt(-30, 30));
      };
      if (Double.isFinite(d) && d != 0) {
        check(d);
      }
    }
  }

  /**
   * The definition, with BigDecimal: round trip, shortest, closest (ties to even); Go's layout
   * holds the same number.
   */
  private static void check(double v) {
    if (v == 0) {
      return; // zero is the caller's (LineBuffer.putDouble); nextDown(MIN_VALUE) lands here
    }
    String s = format(v);
    String go = formatGo(v);
    assertEquals(0, new BigDecimal(go).compareTo(new BigDecimal(s)), go + " (Go layout) vs " + s);
    assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(Double.parseDouble(s)), s);
    BigDecimal exact = new BigDecimal(v);
    BigDecimal written = new BigDecimal(s);
    int digits = written.stripTrailingZeros().precision();
    if (digits > 1) {
      for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
        BigDecimal shorter = exact.round(new MathContext(digits - 1, mode));
        assertTrue(Double.parseDouble(shorter.toString()) != v, s + " is not the shortest: " + shorter + " reads back too");
      }
    }
    BigDecimal down = exact.round(new MathContext(digits, RoundingMode.FLOOR));
    BigDecimal up = exact.round(new MathContext(digits, RoundingMode.CEILING));
    BigDecimal best = null;
    for (BigDecimal c : new BigDecimal[] {down, up}) {
      if (Double.parseDouble(c.toString()) != v) {
        continue;
      }
      if (best == null) {
        best = c;
        continue;
      }
      int cmp = c.subtract(exact).abs().compareTo(best.subtract(exact).abs());
      boolean even = c.unscaledValue().testBit(0) == false;
      if (cmp < 0 || (cmp == 0 && even)) {
        best = c;
      }
    }
    assertEquals(0, best.compareTo(written), s + " is not the closest of its length: " + best);
  }

  @Test
  void floorLogarithms_exactOverEveryDoubleExponent() {
    for (int e = -2000; e <= 2000; e++) {
      // floor(e·log10 2) = the exponent of 2^e in scientific notation
      BigDecimal pow2 = e >= 0 ? new BigDecimal(BigInteger.TWO.pow(e)) : BigDecimal.ONE.divide(
          new BigDecimal(BigInteger.TWO.pow(-e)));
      assertEquals(pow2.precision() - pow2.scale() - 1, ShortestDouble.flog10pow2(e), "flog10pow2(" + e + ")");
      BigDecimal threeQuarters = pow2.multiply(new BigDecimal("0.75"));
      assertEquals(threeQuarters.precision() - threeQuarters.scale() - 1, ShortestDouble.flog10threeQuartersPow2(e),
          "flog10threeQuartersPow2(" + e + ")");
      // floor(e·log2 10) = the bit length of 10^e minus one (for e ≥ 0), mirrored for e < 0
      int expected = e >= 0
          ? BigInteger.TEN.pow(e).bitLength() - 1
          : -BigInteger.TEN.pow(-e).bitLength() + (BigInteger.TEN.pow(-e).bitCount() == 1 ? 1 : 0);
      assertEquals(expected, ShortestDouble.flog2pow10(e), "flog2pow10(" + e + ")");
    }
  }
}
