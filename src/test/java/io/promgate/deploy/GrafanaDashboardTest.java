package io.promgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promgate.testing.RealPrometheus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/grafana/promgate.json is a Grafana 10 dashboard laid out in the issue's rows, bound to a
 * data-source variable (so it works provisioned and imported alike), and every panel query is
 * valid PromQL. That the metrics exist is {@link SelfMetricsReferencesTest}'s.
 */
class GrafanaDashboardTest {
  private static final String DS = "${datasource}";
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)}?");

  private final GrafanaDashboard dashboard = GrafanaDashboard.load();

  @Test
  void dashboard_grafana10Schema_rowsOfTheIssue() {
    JsonNode root = dashboard.root;
    assertTrue(root.path("schemaVersion").asInt() >= 38, "Grafana 10 schema: " + root.path("schemaVersion"));
    assertEquals("promgate", root.path("uid").asText());
    assertEquals("promgate", root.path("title").asText());
    List<String> rows = new ArrayList<>();
    for (JsonNode p : dashboard.panels()) {
      if (p.path("type").asText().equals("row")) {
        rows.add(p.path("title").asText());
      }
    }
    assertEquals(
        List.of("Ingest (remote write)", "Rejects", "Latencies", "InfluxDB", "Remote read", "Federation",
            "Sharding and discovery", "Configuration and security", "JVM"),
        rows);
  }

  @Test
  void panels_uniqueIds_insideTheGrid_noOverlap() {
    Set<Integer> ids = new HashSet<>();
    List<int[]> boxes = new ArrayList<>();
    for (JsonNode p : dashboard.panels()) {
      String title = p.path("title").asText();
      assertTrue(ids.add(p.path("id").asInt()), "duplicate panel id " + p.path("id") + " (" + title + ")");
      JsonNode g = p.path("gridPos");
      int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
      assertTrue(box[2] > 0 && box[3] > 0 && box[0] >= 0 && box[0] + box[2] <= 24, title + ": gridPos " + g);
      for (int[] other : boxes) {
        boolean apart = box[0] + box[2] <= other[0] || other[0] + other[2] <= box[0]
            || box[1] + box[3] <= other[1] || other[1] + other[3] <= box[1];
        assertTrue(apart, title + " overlaps another panel at " + g);
      }
      boxes.add(box);
    }
  }

  @Test
  void panels_queryTheDataSourceVariable_everyOneHasQueries() {
    JsonNode ds = null;
    for (JsonNode v : dashboard.root.path("templating").path("list")) {
      if (v.path("name").asText().equals("datasource")) {
        ds = v;
      }
    }
    assertTrue(ds != null, "no datasource template variable");
    assertEquals("datasource", ds.path("type").asText());
    assertEquals("prometheus", ds.path("query").asText());
    int withQueries = 0;
    for (JsonNode p : dashboard.panels()) {
      if (p.path("type").asText().equals("row")) {
        continue;
      }
      String title = p.path("title").asText();
      assertEquals(DS, p.path("datasource").path("uid").asText(), title);
      assertFalse(p.path("targets").isEmpty(), title + " has no queries");
      Set<String> refIds = new HashSet<>();
      for (JsonNode t : p.path("targets")) {
        assertEquals(DS, t.path("datasource").path("uid").asText(), title);
        assertTrue(refIds.add(t.path("refId").asText()), title + ": duplicate refId");
        assertFalse(t.path("expr").asText().isBlank(), title + ": empty expr");
      }
      assertFalse(p.path("description").asText().isBlank(), title + " has no description");
      withQueries++;
    }
    assertTrue(withQueries >= 12 && withQueries <= 20, withQueries + " panels");
  }

  @Test
  void panelQueries_validPromQl_byPromtool(@TempDir Path dir) throws Exception {
    // promtool has no "check expression"; recording rules are checked by the same parser. Grafana
    // variables become what Grafana would put there: an interval, or a match-all regex.
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (PromQlNames.Query q : dashboard.panelQueries()) {
      Matcher m = VARIABLE.matcher(q.expr());
      StringBuilder expr = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(expr, m.group(1).startsWith("__") ? "5m" : ".*");
      }
      m.appendTail(expr);
      rules.append("      - record: dashboard:query_").append(i++).append("\n        expr: '")
          .append(expr.toString().replace("'", "''")).append("'\n");
    }
    Path file = dir.resolve("dashboard-queries.yml");
    Files.writeString(file, rules);
    var r = RealPrometheus.promtool("check", "rules", file.toString());
    assertEquals(0, r.exitCode(), r.output() + "\n" + rules);
    assertTrue(r.output().contains("SUCCESS: " + i + " rules found"), r.output());
  }
}
