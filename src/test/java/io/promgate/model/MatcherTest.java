package io.promgate.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatcherTest {
  @ParameterizedTest(name = "{0}{1}\"{2}\" vs \"{3}\" -> {4}")
  @CsvSource(delimiter = '|', value = {
    "l|=|v|v|true",
    "l|=|v|w|false",
    "l|=|''|''|true", // absent label
    "l|!=|''|''|false",
    "l|!=|''|x|true",
    "l|=~|f|foo|false", // anchored: no substring match
    "l|=~|f.*|foo|true",
    "l|=~|foo|foo|true",
    "l|=~|a|b|false",
    "l|=~|.*|''|true", // matches empty, so absent labels match
    "l|=~|.+|''|false",
    "l|!~|.+|''|true",
    "l|!~|foo|foo|false",
    "l|=~|foo|bar|false",
    "l|=~|f|f|true",
    "l|=~|a|ab|false",
    "l|=~|(a)?b|b|true",
  })
  void matches_prometheusSemantics(String name, String op, String value, String input, boolean expected) {
    Matcher.Type type = switch (op) {
      case "=" -> Matcher.Type.EQ;
      case "!=" -> Matcher.Type.NEQ;
      case "=~" -> Matcher.Type.RE;
      default -> Matcher.Type.NRE;
    };
    assertEquals(expected, Matcher.of(type, name, value).matches(input));
  }

  @Test
  void matches_dotDoesNotMatchNewline_asPrometheus2() {
    assertEquals(false, Matcher.of(Matcher.Type.RE, "l", ".*").matches("a\nb"));
  }

  @Test
  void of_invalidRegex_rejectsWithRe2Message() {
    var e = assertThrows(IllegalArgumentException.class, () -> Matcher.of(Matcher.Type.RE, "job", "(a"));
    assertEquals("invalid regular expression \"(a\" in matcher for label \"job\": missing closing )", e.getMessage());
  }

  @Test
  void of_regexNestedPastGoLimit_refusedBeforeCompiling() {
    String deep = "(".repeat(1001) + "a" + ")".repeat(1001);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Matcher.of(Matcher.Type.RE, "l", deep));
    assertEquals("invalid regular expression in matcher for label \"l\": expression nests too deeply", e.getMessage());
    String ok = "(".repeat(1000) + "a" + ")".repeat(1000);
    assertEquals(true, Matcher.of(Matcher.Type.NRE, "l", ok).matches("b"));
    // parentheses inside a class or escaped do not nest
    assertEquals(true, Matcher.of(Matcher.Type.RE, "l", "[(]".repeat(2000)).matches("(".repeat(2000)));
    assertEquals(true, Matcher.of(Matcher.Type.RE, "l", "\\(".repeat(2000)).matches("(".repeat(2000)));
  }
}
