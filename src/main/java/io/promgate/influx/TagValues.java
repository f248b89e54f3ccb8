package io.promgate.influx;

import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * How Prometheus label values become InfluxDB tag values, and back.
 *
 * <p>Line protocol escapes {@code ,} {@code =} and space in tag values with a backslash, but has
 * no way to carry a newline, and a backslash that ends a value (or precedes one of the escaped
 * characters) makes the parser misread where the value ends. Prometheus allows any UTF-8. So:
 *
 * <ul>
 *   <li>ordinary values (the overwhelming majority) are written as they are, with {@code , = space}
 *       escaped; InfluxDB stores exactly the original string, so InfluxQL users and InfluxDB's own
 *       {@code /api/v1/prom/read} see the real value;
 *   <li>values line protocol cannot carry — any control character (byte &lt; 0x20 or 0x7F), a
 *       backslash at the end or before {@code , = space \}, or a value that itself starts with
 *       the marker — are stored as {@code %pg:} followed by the value percent-encoded (RFC 3986
 *       style {@code %XX} for {@code %}, {@code \}, {@code ,}, {@code =}, space and control bytes).
 * </ul>
 *
 * Because every value starting with the marker is encoded, decoding is unambiguous: {@link
 * #decode} undoes exactly what {@link #write} did, so remote_read returns the original bytes.
 *
 * <p>Tag keys need no escaping (Prometheus label names are {@code [a-zA-Z_][a-zA-Z0-9_]*}), but
 * InfluxDB refuses the key {@code time} ("invalid tag key"); a label named {@code time} is stored
 * under the key {@code %pg:time}, which no Prometheus label name can collide with.
 */
public final class TagValues {
  public static final String MARKER = "%pg:";
  private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  private TagValues() {}

  /** {@link #classify} bit: some byte needs a look before it goes into line protocol. */
  public static final int SPECIAL = 1;
  /** {@link #classify} bit: some byte is not ASCII (the value needs a UTF-8 check). */
  public static final int NON_ASCII = 2;

  private static final byte[] CLASS = new byte[256];

  static {
    for (int c = 0; c < 256; c++) {
      CLASS[c] = (byte) (c >= 0x80 ? NON_ASCII
          : c <= ' ' || c == ',' || c == '=' || c == '\\' || c == '%' || c == 0x7f ? SPECIAL : 0);
    }
  }

  /**
   * One table-driven pass over a label value: {@link #SPECIAL} and/or {@link #NON_ASCII}, or 0 for
   * the common case (plain ASCII that goes into line protocol as it is). The decoder calls this
   * once per label while validating and reuses the answer when writing, so each value is scanned
   * once instead of twice.
   */
  public static int classify(byte[] v, int off, int n) {
    int flags = 0;
    for (int i = off, end = off + n; i < end; i++) {
      flags |= CLASS[v[i] & 0xff];
    }
    return flags;
  }

  // Word-at-a-time copying and classification ("SWAR") for the remote-write hot path: 8 bytes per
  // load, test and store, no per-byte branch or table load.
  private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH = 0x8080808080808080L;

  /**
   * Copies the label value {@code src[off, off+n)} to {@code dst[d, d+n)} and returns its {@link
   * #classify} flags, in one pass a word at a time; when the flags are not 0, the copy is not a
   * tag value yet and the caller finishes with {@link #write(LineBuffer, byte[], int, int, int)}.
   * May also write up to 7 bytes past {@code dst[d+n]}: the caller must have room for them and
   * not care what they hold.
   */
  public static int copyAndClassify(byte[] src, int off, int n, byte[] dst, int d) {
    if (n == 0) {
      return 0;
    }
    if (off + ((n + 7) & ~7) > src.length) { // the end of src: no whole word to read there
      for (int i = 0; i < n; i++) {
        dst[d + i] = src[off + i];
      }
      return classify(src, off, n);
    }
    long uncommon = 0;
    int i = 0;
    for (; i < n - 8; i += 8) {
      long w = (long) WORD.get(src, off + i);
      WORD.set(dst, d + i, w);
      uncommon |= uncommon(w);
    }
    long w = (long) WORD.get(src, off + i);
    WORD.set(dst, d + i, w);
    // The last word was read past the end of the value; shift the flags of those bytes out.
    uncommon |= uncommon(w) & (-1L >>> ((8 - (n - i)) << 3));
    // Every byte common: plain. Otherwise the exact answer, by table (a byte such as '+' is
    // uncommon but plain, so the flags may still be 0).
    return uncommon == 0 ? 0 : classify(src, off, n);
  }

  /**
   * Bit 7 of each byte of {@code w} outside {@code [-./0-9:A-Za-z_]}: the characters nearly all
   * label values are made of, none of which line protocol escapes. A dozen operations for eight
   * bytes; every sum stays inside its byte (the bytes are cut to 7 bits first, and non-ASCII bytes
   * are flagged by the final {@code ~w}), so no carry crosses into a neighbour.
   */
  static long uncommon(long w) {
    long x = w & ~HIGH;
    long punctOrDigit = (x + 0x5353535353535353L) & ~(x + 0x4545454545454545L); // '-' ≤ x ≤ ':'
    return ~((letterOrUnderscore(x) | punctOrDigit) & ~w) & HIGH;
  }

  /**
   * Bit 7 of each byte of {@code x} (bytes already cut to 7 bits) that is a letter or {@code _}:
   * the part every word-at-a-time character check here and in the remote-write decoder shares.
   */
  public static long letterOrUnderscore(long x) {
    long lower = x | 0x2020202020202020L; // A-Z → a-z; no other byte lands in a-z
    long letter = (lower + 0x1F1F1F1F1F1F1F1FL) & ~(lower + 0x0505050505050505L); // 'a' ≤ lower ≤ 'z'
    long t = x ^ 0x5F5F5F5F5F5F5F5FL;
    long underscore = ~((t + 0x7F7F7F7F7F7F7F7FL) | t); // x == '_'
    return letter | underscore;
  }

  /** Appends the tag value for the UTF-8 bytes {@code v[off, off+n)}; n must be &gt; 0. */
  public static void write(LineBuffer out, byte[] v, int off, int n) {
    write(out, v, off, n, classify(v, off, n));
  }

  /** As {@link #write(LineBuffer, byte[], int, int)} with the value's {@link #classify} flags. */
  public static void write(LineBuffer out, byte[] v, int off, int n, int flags) {
    int end = off + n;
    if ((flags & SPECIAL) == 0) {
      out.put(v, off, n);
      return;
    }
    if (needsEncoding(v, off, end)) {
      out.put(MARKER_BYTES);
      for (int i = off; i < end; i++) {
        int c = v[i] & 0xff;
        if (c < ' ' || c == ' ' || c == ',' || c == '=' || c == '\\' || c == '%' || c == 0x7f) {
          out.put((byte) '%').put(HEX[c >>> 4]).put(HEX[c & 0xf]);
        } else {
          out.put((byte) c);
        }
      }
      return;
    }
    for (int i = off; i < end; i++) {
      byte c = v[i];
      if (c == ',' || c == '=' || c == ' ') {
        out.put((byte) '\\');
      }
      out.put(c);
    }
  }

  private static boolean needsEncoding(byte[] v, int off, int end) {
    if (end - off >= MARKER_BYTES.length
        && v[off] == '%' && v[off + 1] == 'p' && v[off + 2] == 'g' && v[off + 3] == ':') {
      return true;
    }
    for (int i = off; i < end; i++) {
      int c = v[i] & 0xff;
      if (c < ' ' || c == 0x7f) {
        return true;
      }
      if (c == '\\') {
        if (i + 1 == end) {
          return true;
        }
        byte next = v[i + 1];
        if (next == ',' || next == '=' || next == ' ' || next == '\\') {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The tag value InfluxDB holds for the label value {@code v} once {@link #write} stored it:
   * {@code v} itself (line-protocol escapes are removed by InfluxDB) unless it needed the marker
   * encoding. Readers compare against this form when they push a matcher down into InfluxQL.
   */
  public static String stored(String v) {
    byte[] b = v.getBytes(StandardCharsets.UTF_8);
    if (b.length == 0 || !needsEncoding(b, 0, b.length)) {
      return v;
    }
    LineBuffer out = new LineBuffer(b.length + 16);
    write(out, b, 0, b.length);
    return out.toStringUtf8();
  }

  /** The tag key InfluxDB holds for the label name {@code name} (see {@link #writeKey}). */
  public static String storedKey(String name) {
    return name.equals("time") ? MARKER + name : name;
  }

  /** Appends the tag key for the label name {@code name[off, off+n)} (already validated). */
  public static void writeKey(LineBuffer out, byte[] name, int off, int n) {
    if (isTime(name, off, n)) {
      out.put(MARKER_BYTES);
    }
    out.put(name, off, n);
  }

  /** Whether the label name {@code name[off, off+n)} is stored under a marked tag key ({@link #writeKey}). */
  public static boolean isReservedKey(byte[] name, int off, int n) {
    return isTime(name, off, n);
  }

  private static boolean isTime(byte[] name, int off, int n) {
    return n == 4 && name[off] == 't' && name[off + 1] == 'i' && name[off + 2] == 'm' && name[off + 3] == 'e';
  }

  /** The label name for a stored tag key. */
  public static String decodeKey(String stored) {
    return stored.startsWith(MARKER) ? stored.substring(MARKER.length()) : stored;
  }

  /** The original label value for a stored tag value. */
  public static String decode(String stored) {
    if (!stored.startsWith(MARKER)) {
      return stored;
    }
    byte[] b = stored.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    for (int i = MARKER_BYTES.length; i < b.length; i++) {
      if (b[i] == '%' && i + 2 < b.length && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
        out.write(hex(b[i + 1]) << 4 | hex(b[i + 2]));
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
