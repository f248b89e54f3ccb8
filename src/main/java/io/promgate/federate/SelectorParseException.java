package io.promgate.federate;

/**
 * A {@code match[]} series selector that does not parse. The message is Prometheus's own, position
 * first: {@code 1:5: parse error: unexpected end of input inside braces}, where line and column
 * count UTF-8 bytes from 1 (Prometheus {@code parser.ParseErr}).
 */
public final class SelectorParseException extends Exception {
  private final int position;

  SelectorParseException(String message, int position) {
    super(message, null, false, false);
    this.position = position;
  }

  /** Byte offset of the error in the selector text. */
  public int position() {
    return position;
  }
}
