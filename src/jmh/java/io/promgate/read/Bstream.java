package io.promgate.read;

import java.util.Arrays;

/**
 * The XOR baseline's bit writer, shaped like Prometheus's {@code tsdb/chunkenc/bstream.go}: a
 * growing byte array plus the number of bits still free in its last byte; whole bytes are written
 * a byte at a time (two byte writes when unaligned), only the remainder bit by bit. This is how a
 * competent Go or Java engineer writes it, so {@code ReadEncodeBenchmark}'s XOR ratios compare
 * {@link XorChunk} with that, not with the bit-at-a-time reference writer of the tests.
 */
final class Bstream implements ReferenceXorChunk.BitWriter {
  private byte[] stream = new byte[16];
  private int length;
  private int free; // bits free in stream[length - 1]

  @Override
  public void writeBit(boolean one) {
    if (free == 0) {
      append((byte) 0);
      free = 8;
    }
    if (one) {
      stream[length - 1] |= (byte) (1 << (free - 1));
    }
    free--;
  }

  private void writeByte(int b) {
    if (free == 0) {
      append((byte) b);
      return;
    }
    // The high bits fill the last byte; the low ones start a new byte with as many bits free.
    stream[length - 1] |= (byte) ((b & 0xff) >>> (8 - free));
    append((byte) (b << free));
  }

  @Override
  public void writeBits(long x, int n) {
    long u = n == 64 ? x : x << (64 - n);
    while (n >= 8) {
      writeByte((int) (u >>> 56));
      u <<= 8;
      n -= 8;
    }
    while (n > 0) {
      writeBit(u < 0);
      u <<= 1;
      n--;
    }
  }

  private void append(byte b) {
    if (length == stream.length) {
      stream = Arrays.copyOf(stream, length * 2); // Go's append grows the same way
    }
    stream[length++] = b;
  }

  @Override
  public byte[] toByteArray() {
    return Arrays.copyOf(stream, length);
  }
}
