package io.promgate.influx;

/**
 * A token stream over one of InfluxDB's answer encodings ({@link JsonLexer}, {@link MsgpackLexer}),
 * fed incrementally: {@link #next} gives the next complete token or {@link #NEED_MORE}. Both
 * encodings produce the same tokens, so {@link ChunkedQueryReader} reads either.
 */
abstract class Lexer {
  static final int NEED_MORE = 0;
  static final int BEGIN_OBJECT = 1;
  static final int END_OBJECT = 2;
  static final int BEGIN_ARRAY = 3;
  static final int END_ARRAY = 4;
  static final int KEY = 5;
  static final int STRING = 6;
  static final int INTEGER = 7;
  static final int FLOAT = 8;
  static final int TRUE = 9;
  static final int FALSE = 10;
  static final int NULL = 11;
  static final int END = 12;

  static final int MAX_DEPTH = 64;
  static final int MAX_TOKEN = 16 << 20;

  /** The value of the last KEY or STRING. */
  String text;
  /** The value of the last INTEGER. */
  long longValue;
  /** The value of the last INTEGER or FLOAT as a double (an INTEGER's as written, sign of zero kept). */
  double doubleValue;

  // The input being lexed: the caller's array while it lasts, else `carry`, which holds the bytes
  // of a token left incomplete plus what came after them.
  byte[] buf = new byte[0];
  int pos;
  int end;
  boolean eof;
  private byte[] carry = new byte[256];
  private final String encoding;
  private final String unit;

  /** {@code encoding} and {@code unit} ("token", "value") name things in error messages. */
  Lexer(String encoding, String unit) {
    this.encoding = encoding;
    this.unit = unit;
  }

  /** Adds input. Bytes of a token left incomplete earlier are kept in front of it. */
  final void feed(byte[] b, int off, int len) {
    int left = end - pos;
    if (left == 0) {
      buf = b;
      pos = off;
      end = off + len;
      return;
    }
    if (left + len > MAX_TOKEN) {
      throw malformed("a " + unit + " longer than " + MAX_TOKEN + " bytes");
    }
    if (carry.length < left + len) {
      carry = new byte[Math.max(left + len, carry.length * 2)];
    }
    // buf may be carry itself: move the pending bytes first, then append.
    System.arraycopy(buf, pos, carry, 0, left);
    System.arraycopy(b, off, carry, left, len);
    buf = carry;
    pos = 0;
    end = left + len;
  }

  /** No more input will come. */
  final void endOfInput() {
    eof = true;
  }

  /**
   * Out of complete tokens at {@code from}: {@link #END} at the end of input (an error if that is
   * inside a document), else keeps the incomplete token's bytes, since the fed array belongs to
   * the caller, and answers {@link #NEED_MORE}.
   */
  final int pending(int from, boolean insideDocument) {
    if (eof) {
      if (from < end || insideDocument) {
        throw malformed("the answer ends inside a " + encoding + " document");
      }
      return END;
    }
    int left = end - from;
    if (buf != carry) {
      if (carry.length < left) {
        carry = new byte[Math.max(left, carry.length * 2)];
      }
      System.arraycopy(buf, from, carry, 0, left);
      buf = carry;
    } else if (from > 0) {
      System.arraycopy(carry, from, carry, 0, left);
    }
    pos = 0;
    end = left;
    return NEED_MORE;
  }

  /**
   * The next token, {@link #NEED_MORE} if it is not complete yet, {@link #END} after the end of
   * input. Before returning NEED_MORE the unread bytes are copied aside, since the caller may
   * reuse the array it fed.
   */
  abstract int next();

  static StorageException malformed(String what) {
    return new StorageException(StorageException.Kind.UNAVAILABLE, "unreadable InfluxDB answer: " + what);
  }
}
