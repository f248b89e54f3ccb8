package io.promgate.read;

import io.promgate.model.Labels;

/**
 * The few protobuf wire-format writes the response encoders need, into byte arrays: varints,
 * fixed64, field keys, and the {@code Label} messages shared by both response types.
 */
final class Proto {
  static final int VARINT = 0;
  static final int I64 = 1;
  static final int LEN = 2;

  private Proto() {}

  static int key(int field, int wireType) {
    return field << 3 | wireType;
  }

  /** Bytes of {@code v} as an unsigned varint (a negative int64 takes 10). */
  static int varintSize(long v) {
    // 7 bits per byte: ceil(significant bits / 7), at least 1; no loop, it runs once per sample.
    return (70 - Long.numberOfLeadingZeros(v | 1)) / 7;
  }

  static int putVarint(byte[] b, int pos, long v) {
    while ((v & ~0x7FL) != 0) {
      b[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[pos++] = (byte) v;
    return pos;
  }

  /**
   * {@code v} as a varint of exactly {@code width} bytes: minimal encoding continued by
   * {@code 0x80} groups. Protobuf parsers accept such over-long varints (up to 10 bytes: Go,
   * gogo, Java); fixed widths let a response's size be known before its timestamps are.
   */
  static int putPaddedVarint(byte[] b, int pos, long v, int width) {
    for (int i = 1; i < width; i++) {
      b[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[pos++] = (byte) (v & 0x7F);
    return pos;
  }

  static int putFixed64(byte[] b, int pos, long v) {
    for (int i = 0; i < 8; i++) {
      b[pos++] = (byte) v;
      v >>>= 8;
    }
    return pos;
  }

  /**
   * Bytes of the repeated {@code labels} field ({@code field}) of a series as {@link #putLabels}
   * writes it: key, length and {@code Label} message per label.
   */
  static int labelsSize(int field, Labels labels) {
    int size = 0;
    for (int i = 0; i < labels.size(); i++) {
      int msg = labelSize(utf8Length(labels.name(i)), utf8Length(labels.value(i)));
      size += varintSize(key(field, LEN)) + varintSize(msg) + msg;
    }
    return size;
  }

  /**
   * Writes the repeated {@code labels} field ({@code field}) of a series at {@code pos}: {@code
   * Label{name=1, value=2}} per label, UTF-8 straight from the strings into {@code b}, which must
   * hold {@link #labelsSize} bytes from {@code pos}. Per series of a read answer, so no byte[] per
   * label: ReadEncodeBenchmark measured ~1 KB allocated per 10-label series the other way.
   */
  static int putLabels(byte[] b, int pos, int field, Labels labels) {
    for (int i = 0; i < labels.size(); i++) {
      String name = labels.name(i);
      String value = labels.value(i);
      int nameBytes = utf8Length(name);
      int valueBytes = utf8Length(value);
      pos = putVarint(b, pos, key(field, LEN));
      pos = putVarint(b, pos, labelSize(nameBytes, valueBytes));
      b[pos++] = (byte) key(1, LEN);
      pos = putVarint(b, pos, nameBytes);
      pos = putUtf8(b, pos, name);
      b[pos++] = (byte) key(2, LEN);
      pos = putVarint(b, pos, valueBytes);
      pos = putUtf8(b, pos, value);
    }
    return pos;
  }

  /** Size of one {@code Label} message (without its own key and length). */
  static int labelSize(int nameBytes, int valueBytes) {
    return 1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes;
  }

  /** Bytes of {@code s} in UTF-8 as {@link String#getBytes} writes it (a lone surrogate as '?'). */
  static int utf8Length(String s) {
    int n = s.length();
    int len = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          len += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          len += 2; // 4 bytes for the pair's 2 chars
          i++;
        } else if (Character.isSurrogate(c)) {
          // a lone surrogate: String.getBytes writes '?', one byte
        } else {
          len += 2;
        }
      }
    }
    return len;
  }

  /** Writes {@code s} in UTF-8 at {@code pos}, exactly {@link #utf8Length} bytes. */
  static int putUtf8(byte[] b, int pos, String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b[pos++] = (byte) c;
      } else if (c < 0x800) {
        b[pos++] = (byte) (0xc0 | (c >> 6));
        b[pos++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[pos++] = (byte) (0xf0 | (cp >> 18));
        b[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[pos++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        b[pos++] = '?';
      } else {
        b[pos++] = (byte) (0xe0 | (c >> 12));
        b[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[pos++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    return pos;
  }
}
