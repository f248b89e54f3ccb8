package io.promgate.write;

import io.promgate.influx.TagValues;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Label and metric name checks on request bytes, a word at a time where whole words can be read. */
final class LabelBytes {
  static final byte[] NAME = "__name__".getBytes(StandardCharsets.US_ASCII);
  // Little-endian 8-byte loads from byte arrays, for word-at-a-time label checks.
  static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  static final long HIGH = 0x8080808080808080L;
  static final long NAME_WORD = (long) WORD.get(NAME, 0); // "__name__" as a word

  private LabelBytes() {}

  // Name characters by byte: one table load per byte, AND-ed over the name, instead of range
  // compares and a branch per byte.
  private static final int LABEL_FIRST = 1;
  private static final int LABEL_REST = 2;
  private static final int METRIC_FIRST = 4;
  private static final int METRIC_REST = 8;
  private static final byte[] NAME_CHAR = new byte[256];

  static {
    for (int c = 0; c < 128; c++) {
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      boolean digit = c >= '0' && c <= '9';
      NAME_CHAR[c] = (byte) ((letter ? LABEL_FIRST | METRIC_FIRST : 0)
          | (letter || digit ? LABEL_REST | METRIC_REST : 0)
          | (c == ':' ? METRIC_FIRST | METRIC_REST : 0));
    }
  }

  /** {@code [a-zA-Z_][a-zA-Z0-9_]*} */
  static boolean isLabelName(byte[] b, int off, int len) {
    if (len <= 0 || (NAME_CHAR[b[off] & 0xff] & LABEL_FIRST) == 0) {
      return false;
    }
    // A word at a time (see notLabelChars) where whole words can be read, else by table.
    long bad = 0;
    int i = 0;
    for (; i < len && off + i + 8 <= b.length; i += 8) {
      long valid = len - i >= 8 ? -1L : -1L >>> ((8 - (len - i)) << 3);
      bad |= notLabelChars((long) WORD.get(b, off + i)) & valid;
    }
    int all = LABEL_REST;
    for (; i < len; i++) {
      all &= NAME_CHAR[b[off + i] & 0xff];
    }
    return bad == 0 && all != 0;
  }

  /**
   * Bit 7 of each byte of {@code w} that is not {@code [a-zA-Z0-9_]}, eight bytes in a dozen
   * operations with no table or branch. Each sum stays inside its byte (the bytes are first cut to
   * 7 bits; non-ASCII bytes are flagged separately), so no carry crosses into a neighbour.
   */
  static long notLabelChars(long w) {
    long x = w & ~HIGH;
    long digit = (x + 0x5050505050505050L) & ~(x + 0x4646464646464646L); // '0' ≤ x ≤ '9'
    return ~((TagValues.letterOrUnderscore(x) | digit) & ~w) & HIGH;
  }

  /**
   * The first 8 bytes of a valid (so zero-free) label name as an unsigned big-endian number,
   * zero-padded: names whose keys differ compare as their keys do.
   */
  static long nameKey(byte[] b, int off, int len) {
    if (off + 8 <= b.length) {
      long w = (long) WORD.get(b, off);
      return Long.reverseBytes(len >= 8 ? w : w & (-1L >>> ((8 - len) << 3)));
    }
    long key = 0;
    for (int i = 0; i < 8; i++) {
      key = key << 8 | (i < len ? b[off + i] & 0xff : 0);
    }
    return key;
  }

  /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*} */
  static boolean isMetricName(byte[] b, int off, int len) {
    if (len <= 0 || (NAME_CHAR[b[off] & 0xff] & METRIC_FIRST) == 0) {
      return false;
    }
    if (off + ((len + 7) & ~7) > b.length) { // the end of the array: by table
      int all = METRIC_REST;
      for (int i = 0; i < len; i++) {
        all &= NAME_CHAR[b[off + i] & 0xff];
      }
      return all != 0;
    }
    long bad = 0;
    int i = 0;
    for (; i < len - 8; i += 8) {
      bad |= notMetricChars((long) WORD.get(b, off + i));
    }
    // The last word runs past the name: shift the flags of those bytes out.
    bad |= notMetricChars((long) WORD.get(b, off + i)) & (-1L >>> ((8 - (len - i)) << 3));
    return bad == 0;
  }

  /** As {@link #notLabelChars}, with {@code :} allowed too. */
  private static long notMetricChars(long w) {
    long t = w ^ 0x3A3A3A3A3A3A3A3AL;
    long colon = ~((t & ~HIGH) + 0x7F7F7F7F7F7F7F7FL | t); // bit 7 set iff the byte is ':'
    return notLabelChars(w) & ~colon;
  }

  static boolean isUtf8(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && b[i] >= 0) {
      i++;
    }
    if (i == end) {
      return true;
    }
    // Rare: non-ASCII label values. The JDK's strict decoder rejects overlongs and surrogates.
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, i, end - i));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
