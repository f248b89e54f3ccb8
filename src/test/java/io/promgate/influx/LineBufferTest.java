package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promgate.testing.RealInfluxDb;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LineBufferTest {
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 9, 10, 99, 100, 12345, -1, -987654321, Long.MAX_VALUE, Long.MIN_VALUE, 1_000_000_000_000L})
  void putLong_matchesLongToString(long v) {
    assertEquals(Long.toString(v), new LineBuffer(1).putLong(v).toStringUtf8());
  }

  @Test
  void putLong_randomValues_matchLongToString() {
    SplittableRandom rnd = new SplittableRandom(5);
    LineBuffer b = new LineBuffer(1);
    for (int i = 0; i < 1_000_000; i++) {
      long v = rnd.nextLong() >> rnd.nextInt(64); // every magnitude, both signs
      b.clear();
      assertEquals(Long.toString(v), b.putLong(v).toStringUtf8());
    }
    for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) { // digit-count boundaries
      for (long v : new long[] {p - 1, p, p + 1, -p, 10 * p - 1}) {
        b.clear();
        assertEquals(Long.toString(v), b.putLong(v).toStringUtf8());
      }
    }
  }

  @Test
  void putDouble_nonFinite_rejected() {
    Assertions.assertThrows(IllegalArgumentException.class, () -> new LineBuffer(1).putDouble(Double.NaN));
    Assertions.assertThrows(IllegalArgumentException.class,
        () -> new LineBuffer(1).putDouble(Double.NEGATIVE_INFINITY));
  }

  @Test
  void putDouble_randomBitPatterns_parseBackToSameBits() {
    SplittableRandom rnd = new SplittableRandom(42);
    LineBuffer b = new LineBuffer(64);
    for (int i = 0; i < 1_000_000; i++) {
      double d = switch (i % 4) {
        case 0 -> Double.longBitsToDouble(rnd.nextLong());
        case 1 -> rnd.nextInt(-1_000_000, 1_000_000) / 8.0;
        case 2 -> rnd.nextInt(-1_000_000, 1_000_000) / Math.pow(10, rnd.nextInt(1, 18));
        default -> rnd.nextDouble() * Math.pow(10, rnd.nextInt(-20, 20));
      };
      if (!Double.isFinite(d)) {
        continue;
      }
      b.clear();
      String s = b.putDouble(d).toStringUtf8();
      assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits(Double.parseDouble(s)), s);
    }
  }

  @Test
  void putDouble_integralAndSpecialForms() {
    assertEquals("3", new LineBuffer(1).putDouble(3.0).toStringUtf8());
    assertEquals("-0", new LineBuffer(1).putDouble(-0.0).toStringUtf8());
    assertEquals("0", new LineBuffer(1).putDouble(0.0).toStringUtf8());
    assertEquals("0.25", new LineBuffer(1).putDouble(0.25).toStringUtf8());
    assertEquals("9007199254740991", new LineBuffer(1).putDouble(0x1p53 - 1).toStringUtf8());
    // 2^53 and above are not on the integral fast path: the shortest decimal, plain up to 1e21.
    assertEquals("9007199254740992", new LineBuffer(1).putDouble(0x1p53).toStringUtf8());
    assertEquals("1e21", new LineBuffer(1).putDouble(1e21).toStringUtf8());
    assertEquals("-1.5e-7", new LineBuffer(1).putDouble(-1.5e-7).toStringUtf8());
    assertEquals("5e-324", new LineBuffer(1).putDouble(Double.MIN_VALUE).toStringUtf8());
    assertEquals("0.1", new LineBuffer(1).putDouble(0.1).toStringUtf8());
    assertEquals("0.05", new LineBuffer(1).putDouble(0.05).toStringUtf8());
    assertEquals("-12.75", new LineBuffer(1).putDouble(-12.75).toStringUtf8());
    assertEquals("0.00001", new LineBuffer(1).putDouble(1e-5).toStringUtf8());
    assertEquals("1.000000000000001", new LineBuffer(1).putDouble(1.000000000000001).toStringUtf8());
    assertEquals("0.30000000000000004", new LineBuffer(1).putDouble(0.1 + 0.2).toStringUtf8());
  }

  @Test
  void putDouble_edgeAndRandomValues_realInfluxDbReadsBackSameBits() {
    // InfluxDB parses line-protocol floats with Go's strconv.ParseFloat; exponent forms (1e21,
    // 5e-324, -1.5e-7) and 17-digit fractions must all come back as the bits that were written.
    List<Double> values = new ArrayList<>(List.of(Double.MIN_VALUE, 2 * Double.MIN_VALUE, Double.MIN_NORMAL,
        Math.nextDown(Double.MIN_NORMAL), Double.MAX_VALUE, -Double.MAX_VALUE, 1e21, 1e20, 1.5e-7, -1.5e-7, 1e-6, 0.1,
        0.1 + 0.2, 1.0 / 3, 0x1p53, 0x1p53 + 2, 1e23, 123456.789e200, -0.0, 0.0, 42.0));
    SplittableRandom rnd = new SplittableRandom(17);
    while (values.size() < 2000) {
      double d = values.size() % 2 == 0 ? Double.longBitsToDouble(rnd.nextLong()) : rnd.nextDouble() * 1000;
      if (Double.isFinite(d)) {
        values.add(d);
      }
    }
    LineBuffer lp = new LineBuffer(64);
    for (int i = 0; i < values.size(); i++) {
      lp.putAscii("m value=").putDouble(values.get(i)).put((byte) ' ').putLong(i + 1).put((byte) '\n');
    }
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("putdouble");
    influx.write(db, lp.toStringUtf8());
    // The raw JSON: InfluxDB prints the shortest form of each float (Go's encoding/json).
    String json = influx.queryText(db, "SELECT value FROM m");
    Matcher row = Pattern.compile("\\[(\\d+),([^\\]]+)\\]").matcher(json);
    int rows = 0;
    while (row.find()) {
      int i = Integer.parseInt(row.group(1)) - 1;
      double back = Double.parseDouble(row.group(2));
      double sent = values.get(i);
      // -0 is the one value whose JSON form loses its bits' meaning: compare by value there
      assertEquals(sent == 0 ? 0 : Double.doubleToRawLongBits(sent), sent == 0 ? 0 : Double.doubleToRawLongBits(back),
          "point " + (i + 1) + ": sent " + sent + " as " + new LineBuffer(1).putDouble(sent).toStringUtf8() + ", read " + row.group(2));
      rows++;
    }
    assertEquals(values.size(), rows);
  }
}
