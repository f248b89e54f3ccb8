package io.promgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueryReaperTest {
  @ParameterizedTest
  @CsvSource({"0s, 0", "250ms, 250", "86s, 86000", "1m26s, 86000", "1h0m1.5s, 3601500", "12µs, 0", "bogus, -1"})
  void goDurationMs_showQueriesDurations_parsedAsGoPrintsThem(String text, long ms) {
    assertEquals(ms, QueryReaper.goDurationMs(text));
  }
}
