package io.promgate.read;

import io.promgate.model.Labels;
import io.promgate.prompb.Remote;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * An independent reader of a STREAMED_XOR_CHUNKS body, written from the format description (SPEC
 * §3, Prometheus {@code chunked.go} and {@code xor.go}) rather than from promgate's encoder: frames
 * (uvarint length, big-endian CRC32C, message), the messages through the generated protobuf
 * classes, and the XOR bit stream of each chunk decoded bit by bit.
 */
public final class StreamedChunks {
  private StreamedChunks() {}

  /** A decoded sample; value kept as raw bits so NaN payloads compare exactly. */
  public record Sample(long t, long bits) {
    @Override
    public String toString() {
      return t + "=" + Double.longBitsToDouble(bits) + "(0x" + Long.toHexString(bits) + ")";
    }
  }

  /** One frame as read from the wire. */
  record Frame(int queryIndex, String labels, List<Remote.Chunk> chunks, int messageBytes) {}

  static List<Frame> frames(byte[] body) {
    List<Frame> frames = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(body);
    while (in.hasRemaining()) {
      long len = 0;
      int shift = 0;
      while (true) {
        if (!in.hasRemaining()) {
          throw new AssertionError("truncated frame length at " + in.position());
        }
        int b = in.get() & 0xff;
        len |= (long) (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) {
          break;
        }
      }
      if (in.remaining() < 4 + len) {
        throw new AssertionError("truncated frame: needs " + (4 + len) + " bytes, has " + in.remaining());
      }
      int crc = in.getInt();
      byte[] msg = new byte[(int) len];
      in.get(msg);
      CRC32C c = new CRC32C();
      c.update(msg);
      if ((int) c.getValue() != crc) {
        throw new AssertionError("CRC32C mismatch in frame " + frames.size());
      }
      Remote.ChunkedReadResponse r;
      try {
        r = Remote.ChunkedReadResponse.parseFrom(msg);
      } catch (Exception e) {
        throw new AssertionError("frame " + frames.size() + " is not a ChunkedReadResponse", e);
      }
      if (r.getChunkedSeriesCount() != 1) {
        throw new AssertionError("frame " + frames.size() + " holds " + r.getChunkedSeriesCount() + " series");
      }
      Remote.ChunkedSeries s = r.getChunkedSeries(0);
      frames.add(new Frame((int) r.getQueryIndex(), labels(s.getLabelsList()), s.getChunksList(), msg.length));
    }
    return frames;
  }

  /** Query index → series labels → samples, frames of one series joined. */
  static Map<Integer, Map<String, List<Sample>>> decode(byte[] body) {
    Map<Integer, Map<String, List<Sample>>> out = new LinkedHashMap<>();
    for (Frame f : frames(body)) {
      List<Sample> samples = out.computeIfAbsent(f.queryIndex(), q -> new LinkedHashMap<>())
          .computeIfAbsent(f.labels(), l -> new ArrayList<>());
      for (Remote.Chunk c : f.chunks()) {
        if (c.getType() != Remote.Chunk.Encoding.XOR) {
          throw new AssertionError("chunk type " + c.getType());
        }
        List<Sample> decoded = xor(c.getData().toByteArray());
        if (decoded.isEmpty() || decoded.size() > 120) {
          throw new AssertionError("chunk with " + decoded.size() + " samples");
        }
        if (decoded.get(0).t() != c.getMinTimeMs() || decoded.get(decoded.size() - 1).t() != c.getMaxTimeMs()) {
          throw new AssertionError("chunk min/max time " + c.getMinTimeMs() + "/" + c.getMaxTimeMs() + " vs " + decoded);
        }
        samples.addAll(decoded);
      }
    }
    return out;
  }

  /**
   * The labels as {@link io.promgate.model.Labels#toString()} renders them, after checking they are
   * what Prometheus requires on the wire: sorted by name, no duplicate or empty names, no empty values.
   */
  static String labels(List<Remote.Label> labels) {
    Labels.Builder b = new Labels.Builder();
    String previous = null;
    for (Remote.Label l : labels) {
      if (l.getName().isEmpty() || l.getValue().isEmpty() || (previous != null && previous.compareTo(l.getName()) >= 0)) {
        throw new AssertionError("labels not sorted, unique and non-empty: " + labels);
      }
      previous = l.getName();
      b.set(l.getName(), l.getValue());
    }
    return b.build().toString();
  }

  /** Decodes one XOR chunk (also used by {@code bench.ReadLoad} to check what a read returned). */
  public static List<Sample> xor(byte[] data) {
    Bits in = new Bits(data);
    int n = (int) in.read(16);
    List<Sample> out = new ArrayList<>(n);
    long t = 0;
    long delta = 0;
    long v = 0;
    int leading = 0;
    int trailing = 0;
    for (int i = 0; i < n; i++) {
      if (i == 0) {
        long zz = in.uvarint();
        t = (zz >>> 1) ^ -(zz & 1);
        v = in.read(64);
      } else {
        if (i == 1) {
          delta = in.uvarint();
        } else {
          long dod;
          if (in.read(1) == 0) {
            dod = 0;
          } else if (in.read(1) == 0) {
            dod = signed(in.read(14), 14);
          } else if (in.read(1) == 0) {
            dod = signed(in.read(17), 17);
          } else if (in.read(1) == 0) {
            dod = signed(in.read(20), 20);
          } else {
            dod = in.read(64);
          }
          delta += dod;
        }
        t += delta;
        if (in.read(1) == 1) {
          if (in.read(1) == 1) {
            leading = (int) in.read(5);
            int sig = (int) in.read(6);
            if (sig == 0) {
              sig = 64;
            }
            trailing = 64 - leading - sig;
          }
          int sig = 64 - leading - trailing;
          v ^= in.read(sig) << trailing;
        }
      }
      out.add(new Sample(t, v));
    }
    return out;
  }

  // Prometheus reads an n-bit dod as positive up to 2^(n-1) inclusive.
  private static long signed(long x, int n) {
    return x > (1L << (n - 1)) ? x - (1L << n) : x;
  }

  private static final class Bits {
    final byte[] b;
    int pos;

    Bits(byte[] b) {
      this.b = b;
    }

    long read(int n) {
      long x = 0;
      for (int i = 0; i < n; i++) {
        int byteIndex = pos >>> 3;
        if (byteIndex >= b.length) {
          throw new AssertionError("XOR chunk ends early");
        }
        x = (x << 1) | ((b[byteIndex] >>> (7 - (pos & 7))) & 1);
        pos++;
      }
      return x;
    }

    long uvarint() {
      long x = 0;
      for (int shift = 0; ; shift += 7) {
        long c = read(8);
        x |= (c & 0x7f) << shift;
        if (c < 0x80) {
          return x;
        }
      }
    }
  }
}
