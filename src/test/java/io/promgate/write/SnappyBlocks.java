package io.promgate.write;

import java.io.IOException;
import java.util.Arrays;
import org.xerial.snappy.Snappy;

/** Snappy blocks for tests and benchmarks: promgate itself only decompresses ({@link SnappyBlock}). */
public final class SnappyBlocks {
  private SnappyBlocks() {}

  public static byte[] compress(byte[] in, int off, int len) {
    byte[] out = new byte[Snappy.maxCompressedLength(len)];
    try {
      int n = Snappy.rawCompress(in, off, len, out, 0);
      return Arrays.copyOf(out, n);
    } catch (IOException e) {
      throw new IllegalStateException("snappy compression failed", e);
    }
  }

  /** The whole block in a new array of exactly the declared length, as promgate checks it. */
  public static byte[] decompress(byte[] in, int off, int len, long max) {
    byte[] out = new byte[SnappyBlock.declaredLength(in, off, len, max)];
    SnappyBlock.decompressInto(in, off, len, out);
    return out;
  }
}
