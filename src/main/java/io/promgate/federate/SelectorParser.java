package io.promgate.federate;

import io.promgate.model.GoStrings;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses one series selector ({@code match[]} value) the way Prometheus 2.42's
 * {@code parser.ParseMetricSelector} does: {@code metric}, {@code metric{...}} or {@code {...}};
 * matchers {@code = != =~ !~}; strings in double or single quotes (Go escapes {@code \a \b \f \n
 * \r \t \v \\ \" \' \xHH \NNN}, and backslash-u/U with 4/8 hex digits) or raw backticks; a
 * trailing comma; {@code #} comments. SPEC §4.
 *
 * <p>Errors carry Prometheus's message and position ({@code 1:11: parse error: unexpected
 * identifier "c" in label matching, expected "," or "}"}). Prometheus reports the first error
 * of a lexer that runs one token ahead of a yacc grammar; this recursive-descent parser asks its
 * lexer for tokens in the same order, so the first error and its position come out the same.
 * {@code SelectorParserTest} holds the table and checks it against a real Prometheus.
 *
 * <p>Semantics kept from Prometheus 2.42: the metric name becomes {@code __name__="name"}; no
 * "at least one non-empty matcher" rule applies to {@code /federate} selectors, and a selector
 * without matchers ({@code {}}) selects nothing (see {@link Selectors}).
 */
public final class SelectorParser {
  /** Longest selector accepted; the HTTP request line bounds it anyway. */
  static final int MAX_LENGTH = 1 << 16;

  private enum Kind {
    EOF,
    IDENTIFIER,
    METRIC_IDENTIFIER,
    KEYWORD,
    AGGREGATOR,
    OPERATOR,
    PREPROCESSOR,
    NUMBER,
    DURATION,
    STRING,
    LEFT_BRACE,
    RIGHT_BRACE,
    LEFT_BRACKET,
    LEFT_PAREN,
    COMMA,
    EQL,
    AT
  }

  private record Token(Kind kind, int pos, String text, Matcher.Type matchOp, boolean metricName) {}

  /** PromQL 2.42 keywords by lower-case spelling: kind, and whether the grammar takes it as a metric name. */
  private static final Map<String, Token> KEYWORDS = keywords();

  private final String input;
  private final int[] cps; // code points
  private final int[] off; // byte offset of each code point; off[cps.length] = byte length
  private int pos; // index into cps of the next rune
  private int start; // index into cps where the current token starts
  private int width; // 1 after a next() that read a rune, 0 after eof: what backup() undoes
  private boolean braceOpen;

  private SelectorParser(String input) {
    this.input = input;
    this.cps = input.codePoints().toArray();
    this.off = new int[cps.length + 1];
    for (int i = 0; i < cps.length; i++) {
      int c = cps[i];
      off[i + 1] = off[i] + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
    }
  }

  /**
   * The matchers of {@code selector}, the metric name last as {@code __name__="name"}.
   *
   * @throws SelectorParseException with Prometheus's message and position
   */
  public static List<Matcher> parse(String selector) throws SelectorParseException {
    if (selector.length() > MAX_LENGTH) {
      throw new SelectorParseException("1:1: parse error: selector longer than " + MAX_LENGTH + " characters", 0);
    }
    return new SelectorParser(selector).selector();
  }

  // ---- grammar (Prometheus generated_parser.y: vector_selector, label_matchers) ----

  private List<Matcher> selector() throws SelectorParseException {
    List<Matcher> matchers = new ArrayList<>();
    Token t = lex();
    String name = null;
    if (t.metricName) {
      name = t.text;
      t = lex();
    }
    if (t.kind == Kind.LEFT_BRACE) {
      labelMatchers(matchers);
      t = lex();
    } else if (name == null) {
      throw unexpected(t, "", "");
    }
    if (t.kind != Kind.EOF) {
      throw unexpected(t, "", "");
    }
    if (name != null) {
      matchers.add(Matcher.of(Matcher.Type.EQ, Labels.METRIC_NAME, name));
    }
    return matchers;
  }

  private void labelMatchers(List<Matcher> out) throws SelectorParseException {
    Token t = lex();
    if (t.kind == Kind.RIGHT_BRACE) {
      return;
    }
    while (true) {
      if (t.kind != Kind.IDENTIFIER) {
        throw unexpected(t, "label matching", "identifier or \"}\"");
      }
      Token label = t;
      Token op = lex();
      if (op.matchOp == null) {
        throw unexpected(op, "label matching", "label matching operator");
      }
      Token value = lex();
      if (value.kind != Kind.STRING) {
        throw unexpected(value, "label matching", "string");
      }
      try {
        out.add(Matcher.of(op.matchOp, label.text, unquote(value.text)));
      } catch (IllegalArgumentException e) {
        // Prometheus reports labels.NewMatcher's error (Go regexp's text, which RE2/J mirrors) at the label.
        String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
        throw error(label.pos, why);
      }
      t = lex();
      if (t.kind == Kind.RIGHT_BRACE) {
        return;
      }
      if (t.kind != Kind.COMMA) {
        throw unexpected(t, "label matching", "\",\" or \"}\"");
      }
      t = lex();
      if (t.kind == Kind.RIGHT_BRACE) {
        return; // trailing comma
      }
    }
  }

  /** Prometheus {@code parser.unexpected}: "unexpected <item> [in <context>][, expected <what>]". */
  private SelectorParseException unexpected(Token t, String context, String expected) {
    StringBuilder sb = new StringBuilder("unexpected ").append(describe(t));
    if (!context.isEmpty()) {
      sb.append(" in ").append(context);
    }
    if (!expected.isEmpty()) {
      sb.append(", expected ").append(expected);
    }
    return error(t.pos, sb.toString());
  }

  /** Prometheus {@code Item.desc()}, as 2.42 prints each item type. */
  private static String describe(Token t) {
    return switch (t.kind) {
      case EOF -> "end of input";
      case IDENTIFIER -> "identifier " + GoStrings.quote(t.text);
      case METRIC_IDENTIFIER -> "metric identifier " + GoStrings.quote(t.text);
      case STRING -> "string " + itemString(t.text);
      case NUMBER -> "number " + itemString(t.text);
      case DURATION -> "duration " + itemString(t.text);
      case KEYWORD -> "<" + t.text + ">";
      case OPERATOR -> "<op:" + t.text + ">";
      case AGGREGATOR -> "<aggr:" + t.text + ">";
      // 2.42 has no string for the AT item type, hence its odd rendering.
      case AT -> "\"<Item 57385>\" <op:@>";
      default -> itemString(t.text);
    };
  }

  /** Go {@code Item.String()} for plain items: {@code %q}, or {@code %.10q...} past 10 bytes. */
  private static String itemString(String text) {
    if (text.getBytes(StandardCharsets.UTF_8).length > 10) {
      int end = text.offsetByCodePoints(0, Math.min(10, text.codePointCount(0, text.length())));
      return GoStrings.quote(text.substring(0, end)) + "...";
    }
    return GoStrings.quote(text);
  }

  private SelectorParseException error(int cpIndex, String message) {
    int bytePos = off[Math.min(cpIndex, cps.length)];
    int line = 1;
    int lastBreak = -1;
    for (int i = 0; i < cpIndex && i < cps.length; i++) {
      if (cps[i] == '\n') {
        line++;
        lastBreak = off[i];
      }
    }
    return new SelectorParseException(line + ":" + (bytePos - lastBreak) + ": parse error: " + message, bytePos);
  }

  // ---- lexer (Prometheus promql/parser/lex.go, the states a selector can reach) ----

  private static final int EOF = -1;

  private int next() {
    if (pos >= cps.length) {
      width = 0;
      return EOF;
    }
    width = 1;
    return cps[pos++];
  }

  private void backup() {
    pos -= width;
  }

  private int peek() {
    int r = next();
    backup();
    return r;
  }

  private boolean accept(String valid) {
    int r = next();
    if (r != EOF && valid.indexOf(r) >= 0) {
      return true;
    }
    backup();
    return false;
  }

  private void acceptRun(String valid) {
    while (accept(valid)) {
      // consume
    }
  }

  private Token emit(Kind kind) {
    Token t = new Token(kind, start, text(start, pos), null, false);
    start = pos;
    return t;
  }

  private Token emitOp(String text, Matcher.Type matchOp) {
    Token t = new Token(Kind.OPERATOR, start, text, matchOp, false);
    start = pos;
    return t;
  }

  private String text(int from, int to) {
    return new String(cps, from, to - from);
  }

  private SelectorParseException lexError(String message) {
    return error(start, message);
  }

  private Token lex() throws SelectorParseException {
    while (true) {
      // Space and comments separate tokens the same way inside and outside braces.
      if (pos < cps.length && cps[pos] == '#') {
        skipComment();
      } else if (pos < cps.length && isSpace(cps[pos])) {
        skipSpace();
      } else {
        return braceOpen ? lexInsideBraces() : lexStatements();
      }
    }
  }

  /** One token outside braces (space and comments already skipped). */
  private Token lexStatements() throws SelectorParseException {
    int r = next();
    switch (r) {
      case EOF:
        return emit(Kind.EOF);
      case ',':
        return emit(Kind.COMMA);
      case '*', '/', '%', '+', '-', '^':
        return emitOp(text(start, pos), null);
      case '=':
        int t = peek();
        if (t == '=') {
          next();
          return emitOp("==", null);
        }
        if (t == '~') {
          throw lexError("unexpected character after '=': " + GoStrings.quoteRune(t));
        }
        return emit(Kind.EQL);
      case '!':
        int n = next();
        if (n != '=') {
          throw lexError("unexpected character after '!': " + GoStrings.quoteRune(n));
        }
        return emitOp("!=", null);
      case '<', '>':
        if (peek() == '=') {
          next();
        }
        return emitOp(text(start, pos), null);
      case '"', '\'':
        return lexString(r);
      case '`':
        return lexRawString();
      case '(':
        return emit(Kind.LEFT_PAREN);
      case ')':
        // lex.go emits RIGHT_PAREN and, the depth going negative, overwrites it with an error
        // positioned after the parenthesis.
        start = pos;
        throw lexError("unexpected right parenthesis ')'");
      case '{':
        braceOpen = true;
        return emit(Kind.LEFT_BRACE);
      case '[':
        return emit(Kind.LEFT_BRACKET);
      case ']':
        throw lexError("unexpected right bracket ']'");
      case '@':
        return emit(Kind.AT);
      default:
        if (isDigit(r) || (r == '.' && isDigit(peek()))) {
          backup();
          return lexNumberOrDuration();
        }
        if (isAlpha(r) || r == ':') {
          backup();
          return lexKeywordOrIdentifier();
        }
        throw lexError("unexpected character: " + GoStrings.quoteRune(r));
    }
  }

  /** One token inside {@code {...}}, where keywords are plain identifiers. */
  private Token lexInsideBraces() throws SelectorParseException {
    int r = next();
    switch (r) {
      case EOF:
        throw lexError("unexpected end of input inside braces");
      case ',':
        return emit(Kind.COMMA);
      case '"', '\'':
        return lexString(r);
      case '`':
        return lexRawString();
      case '=':
        if (next() == '~') {
          return emitOp("=~", Matcher.Type.RE);
        }
        backup();
        Token eq = emit(Kind.EQL);
        return new Token(Kind.EQL, eq.pos, eq.text, Matcher.Type.EQ, false);
      case '!':
        int n = next();
        if (n == '~') {
          return emitOp("!~", Matcher.Type.NRE);
        }
        if (n == '=') {
          return emitOp("!=", Matcher.Type.NEQ);
        }
        throw lexError("unexpected character after '!' inside braces: " + GoStrings.quoteRune(n));
      case '{':
        throw lexError("unexpected left brace '{'");
      case '}':
        braceOpen = false;
        return emit(Kind.RIGHT_BRACE);
      default:
        if (isAlpha(r)) {
          while (isAlphaNumeric(next())) {
            // absorb
          }
          backup();
          return emit(Kind.IDENTIFIER);
        }
        throw lexError("unexpected character inside braces: " + GoStrings.quoteRune(r));
    }
  }

  private void skipSpace() {
    while (isSpace(peek())) {
      next();
    }
    start = pos;
  }

  private void skipComment() {
    while (pos < cps.length && cps[pos] != '\n' && cps[pos] != '\r') {
      pos++;
    }
    start = pos;
  }

  private Token lexKeywordOrIdentifier() {
    int r;
    do {
      r = next();
    } while (isAlphaNumeric(r) || r == ':');
    backup();
    String word = text(start, pos);
    Token kw = KEYWORDS.get(word.toLowerCase(Locale.ROOT));
    Token t = emit(kw != null ? kw.kind : word.indexOf(':') >= 0 ? Kind.METRIC_IDENTIFIER : Kind.IDENTIFIER);
    boolean metricName = kw == null || kw.metricName;
    return new Token(t.kind, t.pos, t.text, null, metricName);
  }

  private Token lexNumberOrDuration() throws SelectorParseException {
    if (scanNumber()) {
      return emit(Kind.NUMBER);
    }
    if (acceptRemainingDuration()) {
      backup();
      return emit(Kind.DURATION);
    }
    throw lexError("bad number or duration syntax: " + GoStrings.quote(text(start, pos)));
  }

  /** lex.go 2.42 {@code scanNumber}: hex or decimal, fraction, exponent; not followed by a letter. */
  private boolean scanNumber() {
    String digits = "0123456789";
    if (accept("0") && accept("xX")) {
      digits = "0123456789abcdefABCDEF";
    }
    acceptRun(digits);
    if (accept(".")) {
      acceptRun(digits);
    }
    if (accept("eE")) {
      accept("+-");
      acceptRun("0123456789");
    }
    return !isAlphaNumeric(peek());
  }

  private boolean acceptRemainingDuration() {
    if (!accept("smhdwy")) {
      return false;
    }
    accept("s");
    while (accept("0123456789")) {
      acceptRun("0123456789");
      if (!accept("smhdw")) {
        return false;
      }
      accept("s");
    }
    return !isAlphaNumeric(next());
  }

  private Token lexString(int quote) throws SelectorParseException {
    while (true) {
      int r = next();
      if (r == '\\') {
        lexEscape(quote);
      } else if (r == 0xFFFD) {
        // Go sees utf8.RuneError both for U+FFFD and for bytes that are not UTF-8, which the
        // query-string decoder has already turned into U+FFFD.
        throw lexError("invalid UTF-8 rune");
      } else if (r == EOF || r == '\n') {
        throw lexError("unterminated quoted string");
      } else if (r == quote) {
        return emit(Kind.STRING);
      }
    }
  }

  private Token lexRawString() throws SelectorParseException {
    while (true) {
      int r = next();
      if (r == 0xFFFD) {
        throw lexError("invalid UTF-8 rune");
      } else if (r == EOF) {
        throw lexError("unterminated raw string");
      } else if (r == '`') {
        return emit(Kind.STRING);
      }
    }
  }

  /** Validates one escape after the backslash (lex.go {@code lexEscape}, from go/scanner). */
  private void lexEscape(int quote) throws SelectorParseException {
    int ch = next();
    int n;
    int base;
    int max;
    switch (ch) {
      case 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\':
        return;
      case '0', '1', '2', '3', '4', '5', '6', '7':
        n = 3;
        base = 8;
        max = 255;
        break;
      case 'x', 'u', 'U':
        // x: two hex digits, a byte; u and U: four and eight, a code point
        n = ch == 'x' ? 2 : ch == 'u' ? 4 : 8;
        max = ch == 'x' ? 255 : Character.MAX_CODE_POINT;
        base = 16;
        ch = next();
        break;
      case EOF:
        throw lexError("escape sequence not terminated");
      default:
        if (ch == quote) {
          return;
        }
        throw lexError("unknown escape sequence " + GoStrings.runeU(ch));
    }
    long x = 0;
    while (n > 0) {
      int d = digitVal(ch);
      if (d >= base) {
        if (ch == EOF) {
          throw lexError("escape sequence not terminated");
        }
        throw lexError("illegal character " + GoStrings.runeU(ch) + " in escape sequence");
      }
      x = x * base + d;
      n--;
      if (n > 0) {
        ch = next();
      }
    }
    if (x > max || (0xD800 <= x && x < 0xE000)) {
      throw lexError("escape sequence is an invalid Unicode code point");
    }
  }

  /**
   * The value of a lexed (so well-formed) string token. Like Go's strconv.Unquote, {@code \x} and
   * octal escapes produce single bytes, so the result is decoded as UTF-8 at the end ({@code
   * "\xc3\xa9"} is "é"); bytes that form no UTF-8 become U+FFFD.
   */
  static String unquote(String token) {
    char q = token.charAt(0);
    String body = token.substring(1, token.length() - 1);
    if (q == '`' || body.indexOf('\\') < 0) {
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length());
    int i = 0;
    while (i < body.length()) {
      int c = body.codePointAt(i);
      if (c != '\\') {
        byte[] b = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        i += Character.charCount(c);
        continue;
      }
      char e = body.charAt(i + 1);
      i += 2;
      switch (e) {
        case 'a' -> out.write(7);
        case 'b' -> out.write(8);
        case 'f' -> out.write(12);
        case 'n' -> out.write('\n');
        case 'r' -> out.write('\r');
        case 't' -> out.write('\t');
        case 'v' -> out.write(11);
        case 'x' -> {
          out.write(Integer.parseInt(body.substring(i, i + 2), 16));
          i += 2;
        }
        case 'u', 'U' -> {
          int len = e == 'u' ? 4 : 8;
          byte[] b = new String(Character.toChars(Integer.parseInt(body.substring(i, i + len), 16)))
              .getBytes(StandardCharsets.UTF_8);
          out.write(b, 0, b.length);
          i += len;
        }
        default -> {
          if (e >= '0' && e <= '7') {
            out.write(Integer.parseInt(body.substring(i - 1, i + 2), 8));
            i += 2;
          } else {
            out.write(e); // \\ and the quote
          }
        }
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int digitVal(int ch) {
    if ('0' <= ch && ch <= '9') {
      return ch - '0';
    }
    if ('a' <= ch && ch <= 'f') {
      return ch - 'a' + 10;
    }
    if ('A' <= ch && ch <= 'F') {
      return ch - 'A' + 10;
    }
    return 16;
  }

  private static boolean isSpace(int r) {
    return r == ' ' || r == '\t' || r == '\n' || r == '\r';
  }

  private static boolean isDigit(int r) {
    return '0' <= r && r <= '9';
  }

  private static boolean isAlpha(int r) {
    return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z');
  }

  private static boolean isAlphaNumeric(int r) {
    return isAlpha(r) || isDigit(r);
  }

  private static Map<String, Token> keywords() {
    Map<String, Token> m = new HashMap<>();
    // Set operators and atan2 print as <op:...>; only the set operators may name a metric.
    for (String op : new String[] {"and", "or", "unless"}) {
      m.put(op, new Token(Kind.OPERATOR, 0, op, null, true));
    }
    m.put("atan2", new Token(Kind.OPERATOR, 0, "atan2", null, false));
    for (String a : new String[] {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk",
        "bottomk", "count_values", "quantile"}) {
      m.put(a, new Token(Kind.AGGREGATOR, 0, a, null, true));
    }
    for (String k : new String[] {"offset", "by", "without"}) {
      m.put(k, new Token(Kind.KEYWORD, 0, k, null, true));
    }
    for (String k : new String[] {"on", "ignoring", "group_left", "group_right", "bool"}) {
      m.put(k, new Token(Kind.KEYWORD, 0, k, null, false));
    }
    for (String p : new String[] {"start", "end"}) {
      m.put(p, new Token(Kind.PREPROCESSOR, 0, p, null, true));
    }
    for (String num : new String[] {"inf", "nan"}) {
      m.put(num, new Token(Kind.NUMBER, 0, num, null, false));
    }
    return Map.copyOf(m);
  }
}
