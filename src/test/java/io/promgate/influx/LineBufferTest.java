package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
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
    assertEquals("9.007199254740992E15", new LineBuffer(1).putDouble(0x1p53).toStringUtf8());
    assertEquals("0.1", new LineBuffer(1).putDouble(0.1).toStringUtf8());
    assertEquals("0.05", new LineBuffer(1).putDouble(0.05).toStringUtf8());
    assertEquals("-12.75", new LineBuffer(1).putDouble(-12.75).toStringUtf8());
    assertEquals("0.00001", new LineBuffer(1).putDouble(1e-5).toStringUtf8());
    assertEquals("1.000000000000001", new LineBuffer(1).putDouble(1.000000000000001).toStringUtf8());
    assertEquals("0.30000000000000004", new LineBuffer(1).putDouble(0.1 + 0.2).toStringUtf8());
  }
}
