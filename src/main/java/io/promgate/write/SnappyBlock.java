package io.promgate.write;

import io.promgate.write.InvalidWriteException.Reason;
import java.io.IOException;
import org.xerial.snappy.Snappy;

/**
 * Snappy block format (not the framed stream format) as remote write and remote read use it.
 *
 * <p>The block starts with a preamble: the uncompressed length as a little-endian base-128
 * varint. Netty's decoder trusts it; promgate must not, because the preamble is the attacker's
 * choice and decides how much we allocate. So the declared length is read and checked against
 * the limit <em>before</em> the output array exists, and a declared length the data does not
 * honour is reported as corrupt by the native decoder, which never writes past it.
 */
public final class SnappyBlock {
  private SnappyBlock() {}

  /**
   * Reads the preamble of {@code in[off, off+len)}.
   *
   * @return the declared uncompressed length
   * @throws InvalidWriteException if the preamble is malformed or declares more than {@code max}
   */
  public static int declaredLength(byte[] in, int off, int len, long max) {
    long result = 0;
    int shift = 0;
    for (int i = 0; ; i++) {
      // 32-bit lengths need at most 5 varint bytes (snappy's own limit).
      if (i >= len || i >= 5) {
        throw new InvalidWriteException(Reason.CORRUPT_SNAPPY, "corrupt snappy block: malformed length preamble");
      }
      int b = in[off + i] & 0xff;
      result |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        break;
      }
      shift += 7;
    }
    if (result > max) {
      throw new InvalidWriteException(
          Reason.DECOMPRESSED_TOO_LARGE,
          "snappy block declares " + result + " decompressed bytes, over the limit of " + max
              + " (remote_write.max_decompressed_bytes)");
    }
    return (int) result;
  }

  /** Decompresses into {@code out}, which must hold at least the declared length. */
  public static int decompressInto(byte[] in, int off, int len, byte[] out) {
    try {
      // Safe without a separate validation pass: snappy's decoder bounds every copy by the
      // declared length, which declaredLength() already checked against out.length.
      declaredLength(in, off, len, out.length);
      return Snappy.rawUncompress(in, off, len, out, 0);
    } catch (IOException e) {
      throw new InvalidWriteException(Reason.CORRUPT_SNAPPY, "corrupt snappy block: data invalid or truncated (" + e.getMessage() + ")");
    }
  }
}
