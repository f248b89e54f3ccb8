package io.promgate.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link XorChunk} against the independent decoder in {@link StreamedChunks#xor}. */
class XorChunkTest {
  static final long STALE = 0x7ff0000000000002L;

  static List<StreamedChunks.Sample> roundTrip(long[] ts, long[] bits) {
    XorChunk c = new XorChunk();
    for (int i = 0; i < ts.length; i++) {
      c.append(ts[i], bits[i]);
    }
    byte[] data = Arrays.copyOf(c.bytes(), c.length());
    assertEquals(ts.length, ((data[0] & 0xff) << 8) | (data[1] & 0xff), "count header");
    return StreamedChunks.xor(data);
  }

  static void assertRoundTrip(long[] ts, long[] bits) {
    List<StreamedChunks.Sample> expected = new ArrayList<>();
    for (int i = 0; i < ts.length; i++) {
      expected.add(new StreamedChunks.Sample(ts[i], bits[i]));
    }
    assertEquals(expected, roundTrip(ts, bits));
  }

  static long b(double d) {
    return Double.doubleToRawLongBits(d);
  }

  @Test
  void append_oneSample_firstTimestampAndRawValue() {
    assertRoundTrip(new long[] {1_700_000_000_000L}, new long[] {b(1.5)});
  }

  @Test
  void append_oneSample_byteLayout() {
    XorChunk c = new XorChunk();
    c.append(1, b(1.0));
    // count 0x0001, zig-zag varint of 1 = 0x02, then the 64 bits of 1.0 = 0x3FF0000000000000
    assertEquals("00 01 02 3f f0 00 00 00 00 00 00", hex(Arrays.copyOf(c.bytes(), c.length())));
  }

  @Test
  void append_negativeFirstTimestamp_zigZag() {
    assertRoundTrip(new long[] {-1_000, -985, -970}, new long[] {b(1), b(2), b(3)});
  }

  @Test
  void append_everyDeltaOfDeltaWidth_atItsBoundaries() {
    // dod: 0, +8192 and -8191 (14 bits), +8193 and -8192 (17), +65536, -65535, +65537 (20),
    // +524288, -524287, +524289 and huge ones (64)
    long[] dods = {0, 8192, -8191, 8193, -8192, 65536, -65535, 65537, -65536, 524288, -524287, 524289, -524288,
        1L << 40, -(1L << 40), 0, 0, 1, -1};
    long[] ts = new long[dods.length + 2];
    ts[0] = 1_000_000_000;
    ts[1] = ts[0] + 10_000_000;
    long delta = 10_000_000;
    for (int i = 0; i < dods.length; i++) {
      delta += dods[i];
      ts[i + 2] = ts[i + 1] + delta;
    }
    long[] bits = new long[ts.length];
    Arrays.fill(bits, b(42));
    assertRoundTrip(ts, bits);
  }

  @Test
  void append_negativeAndZeroDeltas_stillDecode() {
    assertRoundTrip(new long[] {1000, 1000, 999, 1000, 0}, new long[] {b(1), b(1), b(1), b(1), b(1)});
  }

  @Test
  void append_everyValuePath_sameReuseNewWindowClampAnd64SignificantBits() {
    long[] values = {
      b(1.0), b(1.0), // same: '0'
      b(1.0000000000000002), // tiny xor: new window, leading >= 32 clamped to 31
      b(1.0000000000000004), // fits the window: '10'
      0x8000000000000001L ^ b(1.0000000000000004), // leading 0 and trailing 0: 64 significant bits, written as 0
      b(-0.0), b(0.0), b(Double.NaN), STALE, 0x7ff8000000000001L, b(Double.POSITIVE_INFINITY),
      b(Double.NEGATIVE_INFINITY), b(Double.MIN_VALUE), b(Double.MAX_VALUE), b(123456.789), STALE, STALE
    };
    long[] ts = new long[values.length];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = 1_700_000_000_000L + 15_000L * i;
    }
    assertRoundTrip(ts, values);
  }

  @Test
  void append_windowReuse_isTakenWhenTheNewXorFitsThePrevious() {
    XorChunk reuse = new XorChunk();
    XorChunk fresh = new XorChunk();
    // 2.0 ^ 3.0 and 3.0 ^ 2.0 have the same single significant bit: the second needs only '10'+1 bit.
    long[] seq = {b(2.0), b(3.0), b(2.0)};
    for (int i = 0; i < seq.length; i++) {
      reuse.append(i * 1000L, seq[i]);
    }
    fresh.append(0, b(2.0));
    fresh.append(1000, b(3.0));
    // 16 header + 8 varint(0) + 64 value + 16 uvarint(1000) + 14 new window = 118 bits (15 bytes);
    // then dod '0' + value '1' '0' + 1 bit = 4 bits: 122 bits, 16 bytes (a new window: 133, 17).
    assertEquals(15, fresh.length());
    assertEquals(16, reuse.length());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 119, 120})
  void append_randomWalks_roundTrip(int n) {
    SplittableRandom r = new SplittableRandom(n);
    long[] ts = new long[n];
    long[] bits = new long[n];
    long t = r.nextLong(-1L << 40, 1L << 40);
    double v = r.nextDouble() * 1e6;
    for (int i = 0; i < n; i++) {
      t += r.nextInt(4) == 0 ? r.nextLong(-1L << 30, 1L << 30) : 15_000 + r.nextInt(-50, 50);
      v = switch (r.nextInt(5)) {
        case 0 -> v;
        case 1 -> v + 1;
        case 2 -> r.nextDouble();
        case 3 -> Double.longBitsToDouble(r.nextLong());
        default -> v * 1.0001;
      };
      ts[i] = t;
      bits[i] = Double.doubleToRawLongBits(v);
    }
    assertRoundTrip(ts, bits);
  }

  /**
   * Byte for byte against the bit-at-a-time reference, not only through the decoder: bits left set
   * past the end, which a decoder never reads, would still break byte identity with Prometheus.
   * One chunk reused through {@link XorChunk#reset} after chunks of every length.
   */
  @Test
  void append_randomSeries_sameBytesAsTheBitAtATimeReference() {
    SplittableRandom r = new SplittableRandom(3);
    XorChunk c = new XorChunk();
    for (int round = 0; round < 2000; round++) {
      int n = 1 + r.nextInt(XorChunk.MAX_SAMPLES);
      ReferenceXorChunk ref = new ReferenceXorChunk();
      c.reset();
      long t = r.nextLong(-1L << 45, 1L << 45);
      long bits = r.nextLong();
      for (int i = 0; i < n; i++) {
        t += switch (r.nextInt(6)) {
          case 0 -> r.nextLong(-1L << 40, 1L << 40); // 64-bit dod
          case 1 -> r.nextInt(-600_000, 600_000); // 17 and 20 bits
          case 2 -> 15_000 + r.nextInt(-9000, 9000); // 14 bits
          default -> 15_000;
        };
        bits = switch (r.nextInt(7)) {
          case 0 -> bits; // same
          case 1 -> bits ^ (1L << r.nextInt(64)); // one bit: often the reused window
          case 2 -> bits ^ (r.nextLong() >>> r.nextInt(64) << r.nextInt(8)); // any window
          case 3 -> r.nextBoolean() ? STALE : b(Double.NaN);
          case 4 -> b(r.nextInt(1000) / 100.0);
          default -> r.nextLong(); // up to 64 significant bits
        };
        c.append(t, bits);
        ref.append(t, bits);
      }
      assertEquals(hex(ref.bytes()), hex(Arrays.copyOf(c.bytes(), c.length())), "round " + round + ", " + n + " samples");
    }
  }

  @Test
  void reset_afterFullChunk_startsClean() {
    XorChunk c = new XorChunk();
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < XorChunk.MAX_SAMPLES; i++) {
      c.append(i * 1000L, r.nextLong());
    }
    assertTrue(c.isFull());
    c.reset();
    c.append(5, b(1.0));
    assertEquals(List.of(new StreamedChunks.Sample(5, b(1.0))), StreamedChunks.xor(Arrays.copyOf(c.bytes(), c.length())));
  }

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(String.format("%02x", x & 0xff));
    }
    return sb.toString();
  }
}
