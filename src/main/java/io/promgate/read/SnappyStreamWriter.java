package io.promgate.read;

import java.io.IOException;
import org.xerial.snappy.Snappy;

/**
 * Writes one snappy <em>block</em> (the format remote read uses, not the framed stream format) of
 * a length known in advance, while the uncompressed bytes are still being produced, holding only
 * 64 KiB of them.
 *
 * <p>A block is the uncompressed length as a varint followed by literal and copy elements. The
 * reference compressor (and Go's {@code snappy.Encode}) already compresses its input in
 * independent 64 KiB fragments whose copies never reach outside the fragment, and writes their
 * elements one after the other; the decoder only tracks its output position. So compressing each
 * 64 KiB fragment on its own and concatenating the elements (without each fragment's own length
 * preamble) is byte-for-byte the kind of block any decoder accepts — the only thing needed up
 * front is the total length, which the SAMPLES encoder computes exactly from InfluxDB's counts.
 */
final class SnappyStreamWriter implements ByteSink {
  static final int FRAGMENT = 64 * 1024;
  /** The format's limit: a 32-bit uncompressed length. */
  static final long MAX_LENGTH = 0xFFFF_FFFFL;

  private final ByteSink out;
  private final long total;
  private final byte[] fragment = new byte[FRAGMENT];
  private final byte[] compressed = new byte[Snappy.maxCompressedLength(FRAGMENT)];
  private int used;
  private long written;

  SnappyStreamWriter(ByteSink out, long total) {
    if (total < 0 || total > MAX_LENGTH) {
      throw new IllegalArgumentException("snappy block length out of range: " + total);
    }
    this.out = out;
    this.total = total;
    byte[] preamble = new byte[10];
    out.write(preamble, 0, Proto.putVarint(preamble, 0, total));
  }

  @Override
  public void write(byte[] b, int off, int len) {
    if (written + len > total) {
      throw new IllegalStateException("snappy block longer than its declared " + total + " bytes");
    }
    written += len;
    while (len > 0) {
      int n = Math.min(len, FRAGMENT - used);
      System.arraycopy(b, off, fragment, used, n);
      used += n;
      off += n;
      len -= n;
      if (used == FRAGMENT) {
        flushFragment();
      }
    }
  }

  long remaining() {
    return total - written;
  }

  /** Ends the block; every declared byte must have been written. */
  void finish() {
    if (written != total) {
      throw new IllegalStateException("snappy block ended after " + written + " of its declared " + total + " bytes");
    }
    if (used > 0) {
      flushFragment();
    }
  }

  private void flushFragment() {
    int n;
    try {
      n = Snappy.rawCompress(fragment, 0, used, compressed, 0);
    } catch (IOException e) {
      throw new IllegalStateException("snappy compression failed", e);
    }
    int preamble = Proto.varintSize(used);
    out.write(compressed, preamble, n - preamble);
    used = 0;
  }
}
