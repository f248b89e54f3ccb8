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

  /** Adds input. Bytes of a token left incomplete earlier are kept in front of it. */
  abstract void feed(byte[] b, int off, int len);

  /** No more input will come. */
  abstract void endOfInput();

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
