package io.promgate.influx;

import com.fasterxml.jackson.core.io.NumberInput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental JSON tokenizer for InfluxDB's query answers: bytes are fed as they arrive and
 * {@link #next} returns one token at a time, or {@link #NEED_MORE} when the rest of a token is
 * still on the wire (its beginning is kept and completed by the next {@link #feed}). Written by
 * hand, after Jackson's non-blocking parser turned out to report InfluxDB's {@code -0} (how it
 * prints the float -0.0) as the integer 0: a number keeps its sign and its exact text here.
 *
 * <p>Structure is tracked only as far as needed to tell a key from a string value; commas and
 * colons are checked loosely (InfluxDB's encoder is trusted for syntax, not for content), but
 * anything that is not JSON ends the read. Numbers: an integer of at most 18 digits is read
 * directly; anything else (fraction, exponent, more digits) goes through Jackson's correctly
 * rounded {@link NumberInput#parseDouble}. Strings are decoded from UTF-8 with every JSON escape.
 */
final class JsonLexer extends Lexer {
  // Structure: per depth, whether it is an object and whether a key is expected next.
  private final boolean[] isObject = new boolean[MAX_DEPTH];
  private final boolean[] expectKey = new boolean[MAX_DEPTH];
  private int depth;

  private char[] chars = new char[64];

  JsonLexer() {
    super("JSON", "token");
  }

  @Override
  int next() {
    while (true) {
      if (pos >= end) {
        return pending(pos, depth > 0);
      }
      byte c = buf[pos];
      switch (c) {
        case ' ', '\n', '\r', '\t' -> pos++;
        case ',' -> {
          pos++;
          if (depth > 0 && isObject[depth - 1]) {
            expectKey[depth - 1] = true;
          }
        }
        case ':' -> pos++;
        case '{' -> {
          pos++;
          push(true);
          return BEGIN_OBJECT;
        }
        case '}' -> {
          pos++;
          pop(true);
          return END_OBJECT;
        }
        case '[' -> {
          pos++;
          push(false);
          return BEGIN_ARRAY;
        }
        case ']' -> {
          pos++;
          pop(false);
          return END_ARRAY;
        }
        case '"' -> {
          int start = pos;
          int t = string(start);
          if (t == NEED_MORE) {
            return pending(start, depth > 0);
          }
          if (depth > 0 && isObject[depth - 1] && expectKey[depth - 1]) {
            expectKey[depth - 1] = false;
            return KEY;
          }
          return STRING;
        }
        case 't' -> {
          return literal("true", TRUE);
        }
        case 'f' -> {
          return literal("false", FALSE);
        }
        case 'n' -> {
          return literal("null", NULL);
        }
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            int start = pos;
            int t = number(start);
            return t == NEED_MORE ? pending(start, depth > 0) : t;
          }
          throw malformed("unexpected character '" + (char) (c & 0xff) + "'");
        }
      }
    }
  }

  private void push(boolean object) {
    if (depth == MAX_DEPTH) {
      throw malformed("nested deeper than " + MAX_DEPTH);
    }
    isObject[depth] = object;
    expectKey[depth] = object;
    depth++;
  }

  private void pop(boolean object) {
    if (depth == 0 || isObject[depth - 1] != object) {
      throw malformed("unbalanced " + (object ? "}" : "]"));
    }
    depth--;
  }

  private int literal(String word, int token) {
    int n = word.length();
    if (end - pos < n) {
      for (int i = 0; i < end - pos; i++) {
        if (buf[pos + i] != word.charAt(i)) {
          throw malformed("unexpected literal");
        }
      }
      return pending(pos, depth > 0);
    }
    for (int i = 0; i < n; i++) {
      if (buf[pos + i] != word.charAt(i)) {
        throw malformed("unexpected literal");
      }
    }
    pos += n;
    return token;
  }

  /** Reads a number starting at {@code start}; NEED_MORE if it may continue past the input. */
  private int number(int start) {
    int p = start;
    boolean neg = buf[p] == '-';
    if (neg) {
      p++;
    }
    long v = 0;
    int digits = 0;
    boolean fraction = false;
    while (p < end) {
      byte c = buf[p];
      if (c >= '0' && c <= '9') {
        if (!fraction) {
          v = v * 10 + (c - '0');
          digits++;
        }
        p++;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        fraction = true;
        p++;
      } else {
        break;
      }
    }
    if (p == end && !eof) {
      return NEED_MORE;
    }
    pos = p;
    if (!fraction && digits > 0 && digits <= 18) {
      longValue = neg ? -v : v;
      doubleValue = neg ? -(double) v : (double) v; // -0 stays -0.0
      return INTEGER;
    }
    String s = new String(buf, start, p - start, StandardCharsets.ISO_8859_1);
    try {
      doubleValue = NumberInput.parseDouble(s, true);
    } catch (NumberFormatException e) {
      throw malformed("not a number: " + s);
    }
    if (!fraction) {
      // a 19+ digit integer: exact when it fits a long (value_bits), else a whole float
      try {
        longValue = Long.parseLong(s);
        return INTEGER;
      } catch (NumberFormatException e) {
        return FLOAT;
      }
    }
    return FLOAT;
  }

  /** Reads a string starting at the quote at {@code start} into {@link #text}. */
  private int string(int start) {
    int p = start + 1;
    boolean escaped = false;
    while (true) {
      if (p >= end) {
        return NEED_MORE;
      }
      byte c = buf[p];
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        escaped = true;
        p += 2;
      } else {
        p++;
      }
    }
    pos = p + 1;
    if (!escaped) {
      text = new String(buf, start + 1, p - start - 1, StandardCharsets.UTF_8);
      return STRING;
    }
    text = unescape(start + 1, p);
    return STRING;
  }

  private String unescape(int from, int to) {
    // Decode runs of plain bytes as UTF-8 and escapes by hand.
    StringBuilder sb = new StringBuilder(to - from);
    int run = from;
    int p = from;
    while (p < to) {
      if (buf[p] != '\\') {
        p++;
        continue;
      }
      if (p > run) {
        sb.append(new String(buf, run, p - run, StandardCharsets.UTF_8));
      }
      byte e = buf[p + 1];
      switch (e) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case '/' -> sb.append('/');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (p + 6 > to) {
            throw malformed("truncated \\u escape");
          }
          try {
            sb.append((char) Integer.parseInt(new String(buf, p + 2, 4, StandardCharsets.ISO_8859_1), 16));
          } catch (NumberFormatException bad) {
            throw malformed("invalid \\u escape");
          }
          p += 4;
        }
        default -> throw malformed("invalid escape \\" + (char) e);
      }
      p += 2;
      run = p;
    }
    if (run < to) {
      sb.append(new String(buf, run, to - run, StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "JsonLexer[depth=" + depth + ", pending=" + Arrays.toString(Arrays.copyOfRange(buf, pos, Math.min(end, pos + 16))) + "]";
  }
}
