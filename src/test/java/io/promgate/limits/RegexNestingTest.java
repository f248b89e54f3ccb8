package io.promgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RegexNestingTest {
  @Test
  void depth_groupsOnly_classesAndEscapesIgnored() {
    assertEquals(0, RegexNesting.depth("abc"));
    assertEquals(2, RegexNesting.depth("(a(b)c)(d)"));
    assertEquals(0, RegexNesting.depth("[(]\\(\\)[^)(]"));
    assertEquals(1, RegexNesting.depth("[]()](x)"));
  }

  @Test
  void tooDeep_overGoLimitOf1000() {
    assertEquals(false, RegexNesting.tooDeep("(".repeat(1000) + ")".repeat(1000)));
    assertEquals(true, RegexNesting.tooDeep("(".repeat(1001) + ")".repeat(1001)));
    assertEquals(false, RegexNesting.tooDeep("()".repeat(5000)));
  }
}
