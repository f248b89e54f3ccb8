package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.model.Matcher;
import io.promgate.model.Matcher.Type;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The InfluxQL pushed down for remote-read selections (its effect on real data: the read tests). */
class InfluxQueryTest {
  static Matcher m(Type t, String name, String value) {
    return Matcher.of(t, name, value);
  }

  @Test
  void of_nameAndTagMatchers_everyConditionSpelledOut() {
    InfluxQuery q = InfluxQuery.of(List.of(
        m(Type.EQ, "__name__", "up"), m(Type.EQ, "job", "a'b"), m(Type.NEQ, "env", ""), m(Type.RE, "code", "2.."),
        m(Type.NRE, "path", "/api/.*"), m(Type.EQ, "time", "x"), m(Type.EQ, "v", "line\nfeed")), 1000, 2000);
    assertFalse(q.matchesNothing());
    assertFalse(q.needsMeasurementList());
    assertEquals("SELECT \"value\"::field, \"value_bits\"::field FROM \"up\" WHERE time >= 1000000000 AND time <= 2000999999"
        + " AND \"job\" = 'a\\'b' AND \"env\" != '' AND (\"code\" =~ /^(?:2..)$/ OR \"code\" =~ /^%pg:/)"
        + " AND (\"path\" !~ /^(?:\\/api\\/.*)$/ OR \"path\" =~ /^%pg:/) AND \"%pg:time\" = 'x'"
        + " AND \"v\" = '%pg:line%0Afeed' GROUP BY *", q.select(q.from(), null));
    assertEquals("SELECT count(\"value\"::field), count(\"value_bits\"::field) FROM \"up\" WHERE time >= 1000000000"
        + " AND time <= 2000999999 AND \"job\" = 'a\\'b' AND \"env\" != '' AND (\"code\" =~ /^(?:2..)$/ OR \"code\" =~ /^%pg:/)"
        + " AND (\"path\" !~ /^(?:\\/api\\/.*)$/ OR \"path\" =~ /^%pg:/) AND \"%pg:time\" = 'x'"
        + " AND \"v\" = '%pg:line%0Afeed' GROUP BY *", q.count(q.from()));
  }

  @Test
  void selectValues_rangeWithoutSpecials_valueFieldAloneWithTheSameConditions() {
    InfluxQuery q = InfluxQuery.of(List.of(m(Type.EQ, "__name__", "up"), m(Type.EQ, "job", "a")), 1000, 2000);
    assertEquals("SELECT \"value\"::field FROM \"up\" WHERE time >= 1000000000 AND time <= 2000999999"
        + " AND \"job\" = 'a' AND (\"instance\" = 'x') GROUP BY *", q.selectValues(q.from(), "\"instance\" = 'x'"));
  }

  @Test
  void of_nameRegex_fromClauseRegexAndShowMeasurements() {
    InfluxQuery q = InfluxQuery.of(List.of(m(Type.RE, "__name__", "go_.*|up"), m(Type.RE, "__name__", ".*_total")), 0, 0);
    assertEquals("/^(?:go_.*|up)$/", q.from());
    assertFalse(q.needsMeasurementList());
    assertEquals("SHOW MEASUREMENTS WITH MEASUREMENT =~ /^(?:go_.*|up)$/", q.showMeasurements());
  }

  @Test
  void of_negativeNameMatcher_needsTheMeasurementList() {
    InfluxQuery q = InfluxQuery.of(List.of(m(Type.NRE, "__name__", "go_.*"), m(Type.EQ, "job", "x")), 0, 0);
    assertTrue(q.needsMeasurementList());
    assertEquals("/.*/", q.from());
    assertEquals("SHOW MEASUREMENTS", q.showMeasurements());
  }

  @Test
  void of_invalidLabelName_notPushedDown() {
    InfluxQuery q = InfluxQuery.of(List.of(m(Type.EQ, "__name__", "up"), m(Type.EQ, "bad-name", "x")), 0, 0);
    assertEquals("SELECT \"value\"::field, \"value_bits\"::field FROM \"up\" WHERE time >= 0 AND time <= 999999 GROUP BY *",
        q.select(q.from(), null));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "EQ|__name__||true", // every series has a name
    "EQ|job|x|false",
  })
  void of_matchesNothing(String type, String name, String value, boolean nothing) {
    InfluxQuery q = InfluxQuery.of(List.of(m(Type.valueOf(type), name, value == null ? "" : value)), 0, 10);
    assertEquals(nothing, q.matchesNothing());
  }

  @Test
  void of_contradictoryOrEmpty_matchesNothing() {
    assertTrue(InfluxQuery.of(List.of(), 0, 10).matchesNothing());
    assertTrue(InfluxQuery.of(List.of(m(Type.EQ, "__name__", "a"), m(Type.EQ, "__name__", "b")), 0, 10).matchesNothing());
    assertTrue(InfluxQuery.of(List.of(m(Type.EQ, "__name__", "a"), m(Type.NRE, "__name__", "a|b")), 0, 10).matchesNothing());
    assertFalse(InfluxQuery.of(List.of(m(Type.EQ, "__name__", "a"), m(Type.NRE, "__name__", "b")), 0, 10).matchesNothing());
    assertTrue(InfluxQuery.of(List.of(m(Type.EQ, "job", "x")), InfluxQuery.MAX_MS + 1, Long.MAX_VALUE).matchesNothing());
  }

  @Test
  void of_extremeRange_clampedToInfluxDbsNanoseconds() {
    InfluxQuery q = InfluxQuery.of(List.of(m(Type.EQ, "__name__", "m")), Long.MIN_VALUE, Long.MAX_VALUE);
    assertEquals("SELECT count(\"value\"::field), count(\"value_bits\"::field) FROM \"m\" WHERE"
        + " time >= -9223372036854000000 AND time <= 9223372036854775806 GROUP BY *", q.count(q.from()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "a/b|/^(?:a\\/b)$/",
    "a\\/b|/^(?:a\\/b)$/",
    "a\\\\/b|/^(?:a\\\\\\/b)$/",
    "\\d+\\.\\w|/^(?:\\d+\\.\\w)$/",
    "[/]|/^(?:[\\/])$/",
  })
  void anchored_slashesEscapedOnceOtherEscapesKept(String re, String literal) {
    assertEquals(literal, InfluxQuery.anchored(re));
  }

  @Test
  void anchored_controlCharacters_becomeRe2HexEscapes() {
    assertEquals("/^(?:a\\x{0A}b\\x{09})$/", InfluxQuery.anchored("a\nb\t"));
  }

  @Test
  void seriesCondition_nameAndEmptyValuesLeftOut() {
    assertEquals("(\"job\" = 'a' AND \"%pg:time\" = 'x y')",
        InfluxQuery.seriesCondition(new String[] {"__name__", "job", "x", "%pg:time"}, new String[] {"m", "a", "", "x y"}, 4));
    assertNull(InfluxQuery.seriesCondition(new String[] {"__name__"}, new String[] {"m"}, 1));
  }

  @Test
  void fromList_quotesEveryName() {
    assertEquals("\"a\",\"b\\\"c\"", InfluxQuery.fromList(List.of("a", "b\"c")));
  }
}
