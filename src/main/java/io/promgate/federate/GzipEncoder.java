package io.promgate.federate;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A streaming gzip member (RFC 1952): header, raw deflate, CRC-32 and length trailer, produced
 * chunk by chunk so a compressed answer streams like a plain one. {@code java.util.zip
 * .GZIPOutputStream} would do the same but wants an OutputStream to push into; here each call
 * returns the bytes ready so far.
 *
 * <p>Level 1 (best speed): the answer is compressed on the event loop while it streams; level 1
 * costs a fraction of the CPU of zlib's default 6 for answers a few percent larger (Prometheus's
 * own answer uses Go's default level). Call {@link #close()} on every path: the deflater holds
 * native memory.
 */
final class GzipEncoder implements AutoCloseable {
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
  private final CRC32 crc = new CRC32();
  private final byte[] out = new byte[16 * 1024];
  private boolean headerWritten;
  private long size;

  /** Compresses {@code in[0, len)}; returns what is ready (possibly empty). */
  byte[] encode(byte[] in, int len) {
    crc.update(in, 0, len);
    size += len;
    deflater.setInput(in, 0, len);
    ByteArrayOutputStream result = new ByteArrayOutputStream(len / 4 + 16);
    header(result);
    while (!deflater.needsInput()) {
      int n = deflater.deflate(out, 0, out.length, Deflater.NO_FLUSH);
      result.write(out, 0, n);
    }
    return result.toByteArray();
  }

  /** Ends the member: the rest of the deflate stream and the trailer. */
  byte[] finish() {
    ByteArrayOutputStream result = new ByteArrayOutputStream(64);
    header(result);
    deflater.finish();
    while (!deflater.finished()) {
      int n = deflater.deflate(out, 0, out.length, Deflater.NO_FLUSH);
      result.write(out, 0, n);
    }
    long c = crc.getValue();
    for (int i = 0; i < 4; i++) {
      result.write((int) (c >>> (8 * i)));
    }
    for (int i = 0; i < 4; i++) {
      result.write((int) (size >>> (8 * i)));
    }
    return result.toByteArray();
  }

  private void header(ByteArrayOutputStream result) {
    if (!headerWritten) {
      result.write(HEADER, 0, HEADER.length);
      headerWritten = true;
    }
  }

  @Override
  public void close() {
    deflater.end();
  }

  /** Whether an {@code Accept-Encoding} value accepts gzip (a q of 0 refuses it). */
  static boolean accepted(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.split(",")) {
      String[] f = part.trim().split(";");
      String coding = f[0].trim().toLowerCase(Locale.ROOT);
      if (!coding.equals("gzip") && !coding.equals("x-gzip")) {
        continue;
      }
      double q = 1;
      for (int i = 1; i < f.length; i++) {
        String p = f[i].trim();
        if (p.startsWith("q=") || p.startsWith("Q=")) {
          try {
            q = Double.parseDouble(p.substring(2));
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      return q > 0;
    }
    return false;
  }
}
