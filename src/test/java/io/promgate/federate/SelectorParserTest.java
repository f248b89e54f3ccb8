package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promgate.model.Matcher;
import io.promgate.testing.Http;
import io.promgate.testing.RealPrometheus;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The selector grammar as a conformance table: every row is a {@code match[]} value and either the
 * matchers it yields or the exact error Prometheus 2.42's {@code /federate} answers (400) for it.
 * {@link #table_againstRealPrometheus_sameVerdictAndMessage} replays the whole table against a
 * real Prometheus, so the table is a record of Prometheus's behaviour, not of ours.
 */
class SelectorParserTest {

  /** A row: the selector, and its matchers ({@code ok}) or Prometheus's error text. */
  record Row(String input, boolean valid, String expected) {
    @Override
    public String toString() {
      return input.replace("\n", "\\n");
    }
  }

  static Row ok(String input, String matchers) {
    return new Row(input, true, matchers);
  }

  static Row err(String input, String message) {
    return new Row(input, false, message);
  }

  static final List<Row> TABLE = List.of(
      // ---- valid: metric names, matchers, quoting, escapes, comments, trailing comma ----
      ok("foo", "__name__=\"foo\""),
      ok("foo{}", "__name__=\"foo\""),
      ok("foo{a=\"b\",}", "a=\"b\", __name__=\"foo\""),
      ok("foo{ a = \"b\" , }", "a=\"b\", __name__=\"foo\""),
      ok("foo\t{a=\"b\"}", "a=\"b\", __name__=\"foo\""),
      ok("{a=\"b\"}", "a=\"b\""),
      ok("{}", ""),
      ok("{a=\"\"}", "a=\"\""),
      ok("{a=~\".*\"}", "a=~\".*\""),
      ok("{a!=\"\"}", "a!=\"\""),
      ok("foo{a=\"b\",c!~\"d\",e!=\"f\"}", "a=\"b\", c!~\"d\", e!=\"f\", __name__=\"foo\""),
      ok("{__name__=~\"job:.*\"}", "__name__=~\"job:.*\""),
      ok("{job=\"prometheus\"}", "job=\"prometheus\""),
      ok("foo:bar", "__name__=\"foo:bar\""),
      ok(":foo", "__name__=\":foo\""),
      ok("foo_1", "__name__=\"foo_1\""),
      ok("{__name__=\"\"}", "__name__=\"\""),
      ok("foo{__name__=\"bar\"}", "__name__=\"bar\", __name__=\"foo\""),
      ok("foo{a='b'}", "a=\"b\", __name__=\"foo\""),
      ok("foo{a=`b\\n`}", "a=\"b\\\\n\", __name__=\"foo\""),
      ok("foo{a=`b\nc`}", "a=\"b\\nc\", __name__=\"foo\""),
      ok("foo{a=\"b\\n\"}", "a=\"b\\n\", __name__=\"foo\""),
      ok("foo{a=\"\\a\\b\\f\\r\\t\\v\\\\\\\"\"}", "a=\"\u0007\b\f\r\t\u000b\\\\\\\"\", __name__=\"foo\""),
      ok("foo{a='it\\'s'}", "a=\"it's\", __name__=\"foo\""),
      ok("foo{a=\"\\x41\"}", "a=\"A\", __name__=\"foo\""),
      ok("foo{a=\"\\101\"}", "a=\"A\", __name__=\"foo\""),
      ok("foo{a=\"\\u00e9\"}", "a=\"é\", __name__=\"foo\""),
      ok("foo{a=\"\\xc3\\xa9\"}", "a=\"é\", __name__=\"foo\""),
      ok("foo{a=\"\\U0001F600\"}", "a=\"\uD83D\uDE00\", __name__=\"foo\""),
      ok("foo{a=\"é\"}", "a=\"é\", __name__=\"foo\""),
      ok("foo{a=\"x\ty\"}", "a=\"x\ty\", __name__=\"foo\""),
      ok("foo{a=~\"\\\\d\"}", "a=~\"\\\\d\", __name__=\"foo\""),
      ok("foo{a=~\"(?i)A\"}", "a=~\"(?i)A\", __name__=\"foo\""),
      ok("foo{a!=\"b\",a=\"c\"}", "a!=\"b\", a=\"c\", __name__=\"foo\""),
      ok("foo#comment", "__name__=\"foo\""),
      ok("foo # comment", "__name__=\"foo\""),
      ok("foo{a=\"b\"}#c", "a=\"b\", __name__=\"foo\""),
      ok("foo{bool=\"x\"}", "bool=\"x\", __name__=\"foo\""),
      ok("foo{on=\"x\",by=\"y\",offset=\"z\",and=\"w\",NaN=\"n\",inf=\"i\"}",
          "on=\"x\", by=\"y\", offset=\"z\", and=\"w\", NaN=\"n\", inf=\"i\", __name__=\"foo\""),
      // keywords the grammar accepts as metric names
      ok("by", "__name__=\"by\""),
      ok("offset", "__name__=\"offset\""),
      ok("sum", "__name__=\"sum\""),
      ok("and", "__name__=\"and\""),
      ok("or", "__name__=\"or\""),
      ok("unless", "__name__=\"unless\""),
      ok("count_values", "__name__=\"count_values\""),
      ok("without", "__name__=\"without\""),
      ok("start", "__name__=\"start\""),
      ok("end", "__name__=\"end\""),
      ok("step", "__name__=\"step\""),
      ok("avg_over_time", "__name__=\"avg_over_time\""),
      // ---- end of input ----
      err("", "1:1: parse error: unexpected end of input"),
      err(" ", "1:2: parse error: unexpected end of input"),
      err("foo{", "1:5: parse error: unexpected end of input inside braces"),
      err("{", "1:2: parse error: unexpected end of input inside braces"),
      err("foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"),
      err("foo{a=\"b\",", "1:11: parse error: unexpected end of input inside braces"),
      err("foo{a", "1:6: parse error: unexpected end of input inside braces"),
      err("foo{a=", "1:7: parse error: unexpected end of input inside braces"),
      err("foo{a=~", "1:8: parse error: unexpected end of input inside braces"),
      err("foo{a=\"b\" # comment", "1:20: parse error: unexpected end of input inside braces"),
      err("foo\n{a=\"b\"", "2:7: parse error: unexpected end of input inside braces"),
      // ---- label matching ----
      err("foo{a=\"b\" c=\"d\"}",
          "1:11: parse error: unexpected identifier \"c\" in label matching, expected \",\" or \"}\""),
      err("foo{a=\"b\"c=\"d\"}",
          "1:10: parse error: unexpected identifier \"c\" in label matching, expected \",\" or \"}\""),
      err("foo{a}", "1:6: parse error: unexpected \"}\" in label matching, expected label matching operator"),
      err("foo{a=\"b\",\nc}", "2:2: parse error: unexpected \"}\" in label matching, expected label matching operator"),
      err("foo{a=}", "1:7: parse error: unexpected \"}\" in label matching, expected string"),
      err("foo{a==\"b\"}", "1:7: parse error: unexpected \"=\" in label matching, expected string"),
      err("foo{a=\"b\",,}", "1:11: parse error: unexpected \",\" in label matching, expected identifier or \"}\""),
      err("foo{,}", "1:5: parse error: unexpected \",\" in label matching, expected identifier or \"}\""),
      err("{,a=\"b\"}", "1:2: parse error: unexpected \",\" in label matching, expected identifier or \"}\""),
      err("foo{a=~\"a\"=~\"b\"}",
          "1:11: parse error: unexpected <op:=~> in label matching, expected \",\" or \"}\""),
      err("foo{\"a\"=\"b\"}",
          "1:5: parse error: unexpected string \"\\\"a\\\"\" in label matching, expected identifier or \"}\""),
      err("foo{a=\"b\" \"c\"}",
          "1:11: parse error: unexpected string \"\\\"c\\\"\" in label matching, expected \",\" or \"}\""),
      err("foo{a=\"aaaaaaaaaaaaaaaaaa\" \"bbbbbbbbbbbbbbbbbbbbbbbbb\"}",
          "1:28: parse error: unexpected string \"\\\"bbbbbbbbb\"... in label matching, expected \",\" or \"}\""),
      err("foo{a='it''s'}",
          "1:11: parse error: unexpected string \"'s'\" in label matching, expected \",\" or \"}\""),
      err("foo{a=\"é\",b}",
          "1:13: parse error: unexpected \"}\" in label matching, expected label matching operator"),
      err("foo{a=\"éé\" b}",
          "1:14: parse error: unexpected identifier \"b\" in label matching, expected \",\" or \"}\""),
      // ---- characters the lexer refuses ----
      err("}", "1:1: parse error: unexpected character: '}'"),
      err("foo}", "1:4: parse error: unexpected character: '}'"),
      err("foo{a=\"b\"}}", "1:11: parse error: unexpected character: '}'"),
      err("foo{}}", "1:6: parse error: unexpected character: '}'"),
      err("foo $", "1:5: parse error: unexpected character: '$'"),
      err("foo\\", "1:4: parse error: unexpected character: '\\\\'"),
      err("é", "1:1: parse error: unexpected character: 'é'"),
      err("foo\uFFFD", "1:4: parse error: unexpected character: '\uFFFD'"),
      err("foo{1a=\"b\"}", "1:5: parse error: unexpected character inside braces: '1'"),
      err("foo{a.b=\"c\"}", "1:6: parse error: unexpected character inside braces: '.'"),
      err("foo{a=1}", "1:7: parse error: unexpected character inside braces: '1'"),
      err("foo{é=\"a\"}", "1:5: parse error: unexpected character inside braces: 'é'"),
      err("{a~\"b\"}", "1:3: parse error: unexpected character inside braces: '~'"),
      err("{a=!\"b\"}", "1:4: parse error: unexpected character after '!' inside braces: '\"'"),
      err("foo{a!\"b\"}", "1:6: parse error: unexpected character after '!' inside braces: '\"'"),
      err("foo{{", "1:5: parse error: unexpected left brace '{'"),
      err("foo=~\"a\"", "1:4: parse error: unexpected character after '=': '~'"),
      err("foo!x", "1:4: parse error: unexpected character after '!': 'x'"),
      err("foo{a=\"b\"} !", "1:12: parse error: unexpected character after '!': '\uFFFD'"),
      err("foo)", "1:5: parse error: unexpected right parenthesis ')'"),
      err(")", "1:2: parse error: unexpected right parenthesis ')'"),
      err("foo{a=\"b\"})", "1:12: parse error: unexpected right parenthesis ')'"),
      err("foo]", "1:4: parse error: unexpected right bracket ']'"),
      err("]", "1:1: parse error: unexpected right bracket ']'"),
      // ---- strings and escapes ----
      err("foo{a=\"\\q\"}", "1:7: parse error: unknown escape sequence U+0071 'q'"),
      err("foo{a=\"\\z\"}", "1:7: parse error: unknown escape sequence U+007A 'z'"),
      err("foo{a=\"\\'\"}", "1:7: parse error: unknown escape sequence U+0027 '''"),
      err("foo{a='\\\"'}", "1:7: parse error: unknown escape sequence U+0022 '\"'"),
      err("foo{a=\"\\ud800\"}", "1:7: parse error: escape sequence is an invalid Unicode code point"),
      err("foo{a=\"\\U00110000\"}", "1:7: parse error: escape sequence is an invalid Unicode code point"),
      err("foo{a=\"\\400\"}", "1:7: parse error: escape sequence is an invalid Unicode code point"),
      err("foo{a=\"\\1\"}", "1:7: parse error: illegal character U+0022 '\"' in escape sequence"),
      err("foo{a=\"\\u00\"}", "1:7: parse error: illegal character U+0022 '\"' in escape sequence"),
      err("foo{a=\"\\ug000\"}", "1:7: parse error: illegal character U+0067 'g' in escape sequence"),
      err("foo{a=\"b\\", "1:7: parse error: escape sequence not terminated"),
      err("foo{a=\"unterminated}", "1:7: parse error: unterminated quoted string"),
      err("foo{a='unterminated}", "1:7: parse error: unterminated quoted string"),
      err("foo{a=\"b\nc\"}", "1:7: parse error: unterminated quoted string"),
      err("foo{a=`unterminated}", "1:7: parse error: unterminated raw string"),
      err("foo{a=\"\uFFFD\"}", "1:7: parse error: invalid UTF-8 rune"),
      err("foo{a=\"b\"} '", "1:12: parse error: unterminated quoted string"),
      err("foo{a=\"b\"} `", "1:12: parse error: unterminated raw string"),
      // ---- regexes: Go's regexp messages, at the label ----
      err("foo{a=~\"(\"}", "1:5: parse error: error parsing regexp: missing closing ): `^(?:()$`"),
      err("foo{a=~`(`}", "1:5: parse error: error parsing regexp: missing closing ): `^(?:()$`"),
      err("foo{a=~\"a{2,1}\"}", "1:5: parse error: error parsing regexp: invalid repeat count: `{2,1}`"),
      err("foo{a=~\"\\\\\"}", "1:5: parse error: error parsing regexp: missing closing ): `^(?:\\)$`"),
      // ---- PromQL that is not a series selector ----
      err("foo bar", "1:5: parse error: unexpected identifier \"bar\""),
      err("foo{a=\"b\"} bar", "1:12: parse error: unexpected identifier \"bar\""),
      err("foo{a=\"b\"} _x", "1:12: parse error: unexpected identifier \"_x\""),
      err("foo{a=\"b\"}[5m]", "1:11: parse error: unexpected \"[\""),
      err("foo[", "1:4: parse error: unexpected \"[\""),
      err("[5m]", "1:1: parse error: unexpected \"[\""),
      err("foo offset 5m", "1:5: parse error: unexpected <offset>"),
      err("sum(foo)", "1:4: parse error: unexpected \"(\""),
      err("rate(foo[5m])", "1:5: parse error: unexpected \"(\""),
      err("(foo", "1:1: parse error: unexpected \"(\""),
      err("foo{a=\"b\"}(", "1:11: parse error: unexpected \"(\""),
      err("foo @ 100", "1:5: parse error: unexpected \"<Item 57385>\" <op:@>"),
      err("-foo", "1:1: parse error: unexpected <op:->"),
      err("foo + bar", "1:5: parse error: unexpected <op:+>"),
      err("foo == bar", "1:5: parse error: unexpected <op:==>"),
      err("foo!=", "1:4: parse error: unexpected <op:!=>"),
      err("foo > 1", "1:5: parse error: unexpected <op:>>"),
      err("foo <= 1", "1:5: parse error: unexpected <op:<=>"),
      err("foo{a=\"b\"} ^ 2", "1:12: parse error: unexpected <op:^>"),
      err("foo =", "1:5: parse error: unexpected \"=\""),
      err("{__name__=\"a\"} or {__name__=\"b\"}", "1:16: parse error: unexpected <op:or>"),
      err("foo OR", "1:5: parse error: unexpected <op:OR>"),
      err("foo sum", "1:5: parse error: unexpected <aggr:sum>"),
      err("foo by", "1:5: parse error: unexpected <by>"),
      err("foo start", "1:5: parse error: unexpected \"start\""),
      err("foo :x", "1:5: parse error: unexpected metric identifier \":x\""),
      err("foo{a=\"b\"}{c=\"d\"}", "1:11: parse error: unexpected \"{\""),
      err("foo{a=\"b\"} ,", "1:12: parse error: unexpected \",\""),
      err(",", "1:1: parse error: unexpected \",\""),
      err("foo,", "1:4: parse error: unexpected \",\""),
      err("\"foo\"", "1:1: parse error: unexpected string \"\\\"foo\\\"\""),
      err("foo \"aaaaaaaaaaaaaaaaaaaaaaa\"", "1:5: parse error: unexpected string \"\\\"aaaaaaaaa\"..."),
      err("1foo", "1:1: parse error: bad number or duration syntax: \"1\""),
      err("foo 1x", "1:5: parse error: bad number or duration syntax: \"1\""),
      err("foo 1", "1:5: parse error: unexpected number \"1\""),
      err("foo 5m", "1:5: parse error: unexpected duration \"5m\""),
      err("foo 0x1f", "1:5: parse error: unexpected number \"0x1f\""),
      err("foo .5", "1:5: parse error: unexpected number \".5\""),
      err("foo 1e", "1:5: parse error: unexpected number \"1e\""),
      err("foo 1.5.3", "1:5: parse error: unexpected number \"1.5\""),
      err("NaN", "1:1: parse error: unexpected number \"NaN\""),
      err("inf", "1:1: parse error: unexpected number \"inf\""),
      err("Inf{}", "1:1: parse error: unexpected number \"Inf\""),
      // keywords that cannot name a metric
      err("bool", "1:1: parse error: unexpected <bool>"),
      err("on", "1:1: parse error: unexpected <on>"),
      err("ignoring", "1:1: parse error: unexpected <ignoring>"),
      err("group_left", "1:1: parse error: unexpected <group_left>"),
      err("atan2", "1:1: parse error: unexpected <op:atan2>"));

  static Stream<Arguments> rows() {
    return TABLE.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("rows")
  void parse_conformanceRow_givesMatchersOrPrometheusError(Row row) {
    if (row.valid()) {
      List<Matcher> ms = assertParses(row.input());
      assertEquals(row.expected(), ms.stream().map(Matcher::toString).collect(Collectors.joining(", ")));
    } else {
      SelectorParseException e = assertThrows(SelectorParseException.class, () -> SelectorParser.parse(row.input()));
      assertEquals(row.expected(), e.getMessage());
    }
  }

  @Test
  void parse_escapes_yieldExactValues() throws SelectorParseException {
    assertEquals("é\u00e9\n\t", SelectorParser.parse("{a=\"\\303\\251\\u00e9\\n\\t\"}").get(0).value());
    assertEquals("\uFFFD", SelectorParser.parse("{a=\"\\xff\"}").get(0).value());
    assertEquals("a\\nb", SelectorParser.parse("{a=`a\\nb`}").get(0).value());
    assertEquals(Matcher.Type.NRE, SelectorParser.parse("{a!~\"x\"}").get(0).type());
  }

  @Test
  void parse_position_isBytesFromLineStart() {
    SelectorParseException e = assertThrows(SelectorParseException.class, () -> SelectorParser.parse("{a=\"é\"} x"));
    assertEquals(9, e.position());
    assertEquals("1:10: parse error: unexpected identifier \"x\"", e.getMessage());
  }

  @Test
  void parse_overLongSelector_rejectedBeforeLexing() {
    String s = "{a=\"" + "x".repeat(SelectorParser.MAX_LENGTH) + "\"}";
    SelectorParseException e = assertThrows(SelectorParseException.class, () -> SelectorParser.parse(s));
    assertEquals("1:1: parse error: selector longer than 65536 characters", e.getMessage());
  }

  /** Every row against Prometheus 2.42's own /federate: 200 for valid rows, 400 + the message otherwise. */
  @Test
  void table_againstRealPrometheus_sameVerdictAndMessage() {
    List<String> mismatches = new ArrayList<>();
    try (RealPrometheus prometheus = RealPrometheus.start("global: {scrape_interval: 1h}\n")) {
      for (Row row : TABLE) {
        Http.Response r = Http.get(prometheus.url() + "/federate?match%5B%5D=" + Http.param(row.input()));
        String got = r.status() + " " + r.body();
        String want = row.valid() ? "200 " : "400 " + row.expected() + "\n";
        if (!got.equals(want)) {
          mismatches.add(row + " -> Prometheus: " + got.strip() + " | table: " + want.strip());
        }
      }
    }
    assertEquals(List.of(), mismatches);
  }

  private static List<Matcher> assertParses(String input) {
    try {
      return SelectorParser.parse(input);
    } catch (SelectorParseException e) {
      throw new AssertionError(input + " should parse: " + e.getMessage(), e);
    }
  }
}
