package io.promgate.model;

import java.util.Locale;

/**
 * Go's quoting of strings and runes ({@code strconv.Quote}, {@code %q}, {@code %#U}), for error
 * messages that must read exactly like Prometheus's.
 */
public final class GoStrings {
  private GoStrings() {}

  /** Go {@code strconv.Quote}. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    s.codePoints().forEach(c -> appendEscaped(sb, c, '"'));
    return sb.append('"').toString();
  }

  /** Go {@code %q} of a rune; an invalid rune (eof) prints as U+FFFD, as Go does. */
  public static String quoteRune(int r) {
    StringBuilder sb = new StringBuilder().append('\'');
    appendEscaped(sb, r < 0 || r > Character.MAX_CODE_POINT ? 0xFFFD : r, '\'');
    return sb.append('\'').toString();
  }

  /** Go {@code %#U}: {@code U+0071 'q'}, without the quoted rune when it is not printable. */
  public static String runeU(int r) {
    String hex = Integer.toHexString(r).toUpperCase(Locale.ROOT);
    String u = "U+" + "0".repeat(Math.max(0, 4 - hex.length())) + hex;
    return isPrint(r) ? u + " '" + new String(Character.toChars(r)) + "'" : u;
  }

  private static void appendEscaped(StringBuilder sb, int c, char quote) {
    if (c == quote || c == '\\') {
      sb.append('\\').appendCodePoint(c);
      return;
    }
    if (isPrint(c)) {
      sb.appendCodePoint(c);
      return;
    }
    switch (c) {
      case 7 -> sb.append("\\a");
      case '\b' -> sb.append("\\b");
      case '\f' -> sb.append("\\f");
      case '\n' -> sb.append("\\n");
      case '\r' -> sb.append("\\r");
      case '\t' -> sb.append("\\t");
      case 11 -> sb.append("\\v");
      default -> {
        if (c < ' ' || c == 0x7f) {
          sb.append("\\x").append(hex(c, 2));
        } else if (c < 0x10000) {
          sb.append("\\u").append(hex(c, 4));
        } else {
          sb.append("\\U").append(hex(c, 8));
        }
      }
    }
  }

  private static String hex(int c, int width) {
    String h = Integer.toHexString(c);
    return "0".repeat(Math.max(0, width - h.length())) + h;
  }

  /** Go {@code unicode.IsPrint}: letters, marks, numbers, punctuation, symbols and the ASCII space. */
  private static boolean isPrint(int c) {
    if (c == ' ') {
      return true;
    }
    if (c < 0 || c > Character.MAX_CODE_POINT) {
      return false;
    }
    return switch (Character.getType(c)) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
          Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
          Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
          Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
      default -> false;
    };
  }
}
