package io.promgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PromQlNamesTest {
  private static List<String> names(String expr) {
    return List.copyOf(PromQlNames.metricNames(expr));
  }

  @Test
  void metricNames_aggregationOverRate_theSelectedMetric() {
    assertEquals(List.of("promgate_remote_write_requests_total"),
        names("sum by (code) (rate(promgate_remote_write_requests_total{job=~\"$job\", code=~\"5..\"}[5m]))"));
  }

  @Test
  void metricNames_ratioAndHistogramQuantile_everyMetricOnce() {
    assertEquals(List.of("promgate_a_total", "promgate_b_seconds_bucket"),
        names("sum(rate(promgate_a_total[5m])) / sum(rate(promgate_a_total[5m]))"
            + " > histogram_quantile(0.99, sum by (le) (rate(promgate_b_seconds_bucket[$__rate_interval])))"));
  }

  @Test
  void metricNames_labelValuesLookingLikeMetrics_ignored() {
    assertEquals(List.of("up"), names("up{job=\"promgate_x\", instance='jvm_y', a=`process_z`} == 0"));
    assertEquals(List.of(), names("{__name__=\"promgate_hidden\"}"));
  }

  @Test
  void metricNames_escapedQuotesAndBracesInStrings_skippedWhole() {
    assertEquals(List.of("up"),
        names("label_replace(up, \"dst\", \"a\\\"promgate_y}\", \"src\", \"(.*)\")"));
  }

  @Test
  void metricNames_groupingAndMatchingLabelLists_notMetrics() {
    assertEquals(List.of("promgate_x", "process_cpu_usage"),
        names("sum without (process_id, up) (promgate_x) / on(instance) group_left(jvm_name) process_cpu_usage"
            + " and ignoring (promgate_label) group_right (up) up2"));
  }

  @Test
  void metricNames_upOnlyExactly_upstreamIsNot() {
    assertEquals(List.of("up"), names("upstream_errors + up + upper"));
  }

  @Test
  void metricNames_grafanaVariables_notMetrics() {
    assertEquals(List.of("promgate_a"), names("promgate_a{instance=~\"$instance\"} offset $promgate_var + ${promgate_other}"));
  }

  @Test
  void metricNames_functionsNumbersDurationsKeywords_notMetrics() {
    assertEquals(List.of("jvm_memory_used_bytes"),
        names("time() - 1e3 * 0x1f + max_over_time(jvm_memory_used_bytes[5m] offset 1h) > bool 2.5"));
  }

  @Test
  void metricNames_unbalancedMatcher_rejected() {
    assertThrows(IllegalArgumentException.class, () -> names("promgate_a{job=\"x\""));
  }
}
