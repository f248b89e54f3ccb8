package io.promgate.read;

import java.util.Arrays;

/**
 * An XOR chunk the obvious way, from the format description (SPEC §3, {@code tsdb/chunkenc/xor.go}'s
 * {@code Append} and {@code xorWrite}) step by step over a bit writer that sets one bit at a time
 * in a growing array: too slow to serve, simple enough to trust. {@link XorChunk} must produce the
 * same bytes ({@code XorChunkTest}). {@code ReadEncodeBenchmark} runs the same steps over a
 * byte-oriented writer shaped like Prometheus's {@code bstream} as its baseline (the bit-at-a-time
 * writer would flatter promgate).
 */
final class ReferenceXorChunk {
  /** Where the chunk's bits go, most significant first. */
  interface BitWriter {
    void writeBit(boolean one);

    void writeBits(long x, int n);

    byte[] toByteArray();
  }

  private final BitWriter out;
  int count;
  long minTime;
  long t;
  private long tDelta;
  private long v;
  private int leading = 0xff;
  private int trailing;

  ReferenceXorChunk() {
    this(new Bits());
  }

  ReferenceXorChunk(BitWriter out) {
    this.out = out;
    out.writeBits(0, 16); // the sample count, filled in by bytes()
  }

  void append(long ts, long bits) {
    if (count == 0) {
      writeUvarint((ts << 1) ^ (ts >> 63)); // Go's PutVarint: zig-zag
      out.writeBits(bits, 64);
      minTime = ts;
    } else if (count == 1) {
      tDelta = ts - t;
      writeUvarint(tDelta);
      writeValue(bits);
    } else {
      long delta = ts - t;
      long dod = delta - tDelta;
      if (dod == 0) {
        out.writeBit(false);
      } else if (fits(dod, 14)) {
        out.writeBits(0b10, 2);
        out.writeBits(dod, 14);
      } else if (fits(dod, 17)) {
        out.writeBits(0b110, 3);
        out.writeBits(dod, 17);
      } else if (fits(dod, 20)) {
        out.writeBits(0b1110, 4);
        out.writeBits(dod, 20);
      } else {
        out.writeBits(0b1111, 4);
        out.writeBits(dod, 64);
      }
      writeValue(bits);
      tDelta = delta;
    }
    t = ts;
    v = bits;
    count++;
  }

  private static boolean fits(long x, int n) {
    return x >= -((1L << (n - 1)) - 1) && x <= 1L << (n - 1);
  }

  private void writeValue(long bits) {
    long delta = bits ^ v;
    if (delta == 0) {
      out.writeBit(false);
      return;
    }
    out.writeBit(true);
    int newLeading = Math.min(Long.numberOfLeadingZeros(delta), 31);
    int newTrailing = Long.numberOfTrailingZeros(delta);
    if (leading != 0xff && newLeading >= leading && newTrailing >= trailing) {
      out.writeBit(false);
      out.writeBits(delta >>> trailing, 64 - leading - trailing);
      return;
    }
    leading = newLeading;
    trailing = newTrailing;
    out.writeBit(true);
    out.writeBits(newLeading, 5);
    int significant = 64 - newLeading - newTrailing;
    out.writeBits(significant, 6);
    out.writeBits(delta >>> newTrailing, significant);
  }

  private void writeUvarint(long x) {
    while (Long.compareUnsigned(x, 0x80) >= 0) {
      out.writeBits((x & 0x7f) | 0x80, 8);
      x >>>= 7;
    }
    out.writeBits(x, 8);
  }

  byte[] bytes() {
    byte[] b = out.toByteArray();
    b[0] = (byte) (count >>> 8);
    b[1] = (byte) count;
    return b;
  }

  /** Bits, most significant first, one at a time into an array that doubles when full. */
  private static final class Bits implements BitWriter {
    private byte[] bytes = new byte[16];
    private int bits;

    @Override
    public void writeBit(boolean one) {
      if (bits / 8 == bytes.length) {
        bytes = Arrays.copyOf(bytes, bytes.length * 2);
      }
      if (one) {
        bytes[bits / 8] |= (byte) (0x80 >>> (bits % 8));
      }
      bits++;
    }

    @Override
    public void writeBits(long x, int n) {
      for (int i = n - 1; i >= 0; i--) {
        writeBit(((x >>> i) & 1) != 0);
      }
    }

    @Override
    public byte[] toByteArray() {
      return Arrays.copyOf(bytes, (bits + 7) / 8);
    }
  }
}
