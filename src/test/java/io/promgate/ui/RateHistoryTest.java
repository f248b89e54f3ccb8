package io.promgate.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Rates from the requests counters, errors being non-2xx answers, and the ring's bound. */
class RateHistoryTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Counter ok = Counter.builder("promgate.remote_write.requests").tag("code", "204").register(registry);
  private final Counter unavailable = Counter.builder("promgate.remote_write.requests").tag("code", "503").register(registry);
  private final Counter other = Counter.builder("promgate.remote_write.requests").tag("code", "other").register(registry);

  @Test
  void series_twoSamples_ratePerSecondAndErrorsAreNon2xx() {
    RateHistory h = new RateHistory(registry);
    h.sample(0);
    ok.increment(100);
    unavailable.increment(10);
    other.increment(10);
    h.sample(10_000);

    RateHistory.Series s = h.series(RateHistory.Endpoint.REMOTE_WRITE);

    assertArrayEquals(new long[] {10_000}, s.times());
    assertArrayEquals(new double[] {12.0}, s.requests());
    assertArrayEquals(new double[] {2.0}, s.errors());
    assertArrayEquals(new long[] {120, 20}, h.totals(RateHistory.Endpoint.REMOTE_WRITE));
    assertEquals(0, h.series(RateHistory.Endpoint.FEDERATE).requests()[0]);
  }

  @Test
  void series_oneSample_empty() {
    RateHistory h = new RateHistory(registry);
    h.sample(0);
    assertEquals(0, h.series(RateHistory.Endpoint.REMOTE_WRITE).size());
  }

  @Test
  void series_moreSamplesThanSlots_keepsTheNewest() {
    RateHistory h = new RateHistory(registry);
    for (int i = 0; i < RateHistory.SLOTS + 5; i++) {
      ok.increment(i);
      h.sample(i * 10_000L);
    }
    RateHistory.Series s = h.series(RateHistory.Endpoint.REMOTE_WRITE);
    assertEquals(RateHistory.SLOTS - 1, s.size());
    assertEquals((RateHistory.SLOTS + 4) * 10_000L, s.times()[s.size() - 1]);
    assertEquals((RateHistory.SLOTS + 4) / 10.0, s.requests()[s.size() - 1]);
    assertEquals(6 / 10.0, s.requests()[0]);
  }

  @Test
  void recent_meanOfLastIntervals() {
    RateHistory.Series s = new RateHistory.Series(new long[3], new double[] {1, 2, 4}, new double[3]);
    assertEquals(3.0, s.recent(s.requests(), 2));
    assertEquals(7 / 3.0, s.recent(s.requests(), 6));
  }

  @Test
  void sparkline_labelEscaped_noInlineStyle() {
    String svg = RateHistory.sparkline(new double[] {0, 1}, new double[] {0, 0}, "a<b");
    assertEquals(true, svg.contains("aria-label=\"a&lt;b\""));
    assertEquals(false, svg.contains("style"));
  }
}
