package io.promgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the alerting rules query only metrics a running promgate exports: a
 * renamed metric must fail here rather than leave an empty panel or an alert that can never fire.
 *
 * <p>Names are compared as exposed samples ({@code promgate_x_seconds_bucket}, {@code _count},
 * {@code _sum}, {@code _max}, {@code _total}), which is stricter than comparing family names: a
 * query of {@code _bucket} on a summary (no buckets) fails too. Every self-metric is registered
 * at start, so each exists before its first event; {@code up} is Prometheus's own, not promgate's.
 */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class SelfMetricsReferencesTest {
  private static final Set<String> PROMETHEUS_OWN = Set.of("up");

  @TestHTTPResource("/metrics")
  URL metrics;

  /** Sample names in the text exposition: the name before labels or value, on non-comment lines. */
  private Set<String> exported() {
    Http.Response r = Http.get(metrics.toString());
    assertEquals(200, r.status(), r.body());
    Set<String> names = new TreeSet<>();
    for (String line : r.body().split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
          end++;
        }
        names.add(line.substring(0, end));
      }
    }
    assertTrue(names.contains("promgate_remote_write_requests_total"), "not promgate's /metrics: " + names);
    return names;
  }

  /** Fails listing every referenced name promgate does not export, with where it is used. */
  private void assertAllExported(String file, List<PromQlNames.Query> queries) {
    Set<String> exported = exported();
    Map<String, Set<String>> missing = new TreeMap<>();
    int referenced = 0;
    for (PromQlNames.Query q : queries) {
      for (String name : PromQlNames.metricNames(q.expr())) {
        referenced++;
        if (!exported.contains(name) && !PROMETHEUS_OWN.contains(name)) {
          missing.computeIfAbsent(name, n -> new TreeSet<>()).add(q.where());
        }
      }
    }
    assertTrue(referenced > 0, file + ": no metric names found");
    if (!missing.isEmpty()) {
      StringBuilder msg = new StringBuilder(file + ": " + missing.size()
          + " metric name(s) not exported by promgate's /metrics:");
      missing.forEach((name, where) -> msg.append("\n  ").append(name).append("  (").append(String.join("; ", where)).append(')'));
      fail(msg.toString());
    }
  }

  @Test
  void grafanaDashboard_everyQueriedMetric_isExported() {
    GrafanaDashboard d = GrafanaDashboard.load();
    List<PromQlNames.Query> queries = new ArrayList<>(d.panelQueries());
    queries.addAll(d.variableQueries());
    assertAllExported(GrafanaDashboard.FILE.toString(), queries);
  }

  @Test
  void alertingRules_everyMetric_isExported() {
    Path file = DeployFilesTest.RULES;
    Object rules = YamlDocs.load(file);
    List<PromQlNames.Query> queries = new ArrayList<>();
    for (Object group : YamlDocs.list(file.toString(), rules, "groups")) {
      for (Object rule : YamlDocs.list(file.toString(), group, "rules")) {
        queries.add(new PromQlNames.Query("alert " + YamlDocs.string(file.toString(), rule, "alert"),
            YamlDocs.string(file.toString(), rule, "expr")));
      }
    }
    assertEquals(11, queries.size());
    assertAllExported(file.toString(), queries);
  }
}
