package io.promgate.relabel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go {@code regexp.Expand} semantics, against the regex {@code f(?P<os>o+)(x)?(?P<r>.*)}. */
class ExpansionTest {
  private static final Pattern RE = RelabelConfig.anchored("f(?P<os>o+)(x)?(?P<r>.*)");
  private static final String SRC = "foobar";

  @ParameterizedTest(name = "''{0}'' -> ''{1}''")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      textBlock = """
          $1              | oo
          ${1}            | oo
          $1x             | ''
          ${1}x           | oox
          $0              | foobar
          $3              | bar
          $9              | ''
          $2              | ''
          [$2]            | []
          $os-$r          | oo-bar
          ${os}s          | oos
          $oss            | ''
          $$              | $
          $$1             | $1
          $$$1            | $oo
          a$              | a$
          ${              | ${
          ${}             | ${}
          ${1             | ${1
          $-1             | $-1
          $01             | ''
          $000000001      | ''
          $999999999      | ''
          $1é             | ''
          ${1é}x          | x
          no refs at all  | no refs at all
          """)
  void expand_template_followsGoRegexpExpand(String template, String expected) {
    assertEquals(expected, expand(template));
  }

  @Test
  void expand_noReference_isConstant() {
    Expansion e = Expansion.compile("a$$b", RE);

    assertTrue(e.isConstant());
    assertEquals("a$b", e.constant());
  }

  @Test
  void expand_soleReferenceCoveringTheSource_returnsSourceWithoutCopy() {
    Pattern re = RelabelConfig.anchored("(.*)");
    Expansion e = Expansion.compile("$1", re);
    String src = "whole value";
    int[] spans = {0, src.length(), 0, src.length()};

    assertFalse(e.isConstant());
    assertSame(src, e.expand(src, spans, new StringBuilder()));
  }

  @Test
  void expand_referenceToUnknownName_compilesToNothing() {
    Expansion e = Expansion.compile("<$nosuch>", RE);

    assertEquals(0, e.maxGroup);
    assertEquals("<>", expand("<$nosuch>"));
  }

  private static String expand(String template) {
    Expansion e = Expansion.compile(template, RE);
    Matcher m = RE.matcher(SRC);
    assertTrue(m.find());
    int[] spans = new int[2 * (RE.groupCount() + 1)];
    for (int g = 0; g <= RE.groupCount(); g++) {
      spans[2 * g] = m.start(g);
      spans[2 * g + 1] = m.end(g);
    }
    return e.expand(SRC, spans, new StringBuilder()).toString();
  }
}
