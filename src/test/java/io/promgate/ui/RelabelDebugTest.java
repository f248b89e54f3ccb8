package io.promgate.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.model.Labels;
import io.promgate.relabel.Relabeler;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The debugger's input parsing, its limits, and the steps it reports. */
class RelabelDebugTest {
  @Test
  void parseLabels_prometheusNotation_quotedEscapesKept() throws Exception {
    assertEquals(Labels.of("a", "x\"y", "b", "1", "c", "line\nbreak"),
        RelabelDebug.parseLabels("{a=\"x\\\"y\", b=\"1\", c=\"line\\nbreak\"}"));
  }

  @Test
  void parseLabels_linesUnquoted_valuesToEndOfLine() throws Exception {
    assertEquals(Labels.of("__address__", "node-1:9100", "env", "prod"),
        RelabelDebug.parseLabels("__address__=node-1:9100\nenv = prod\n"));
  }

  @Test
  void parseLabels_json_read() throws Exception {
    assertEquals(Labels.of("a", "<script>"), RelabelDebug.parseLabels("{\"a\": \"<script>\"}"));
  }

  @Test
  void parseLabels_invalidName_rejectsNamingIt() {
    var e = assertThrows(RelabelDebug.InputException.class, () -> RelabelDebug.parseLabels("{1a=\"b\"}"));
    assertEquals("labels: invalid label name \"1a\"", e.getMessage());
  }

  @Test
  void parseLabels_unterminatedQuote_rejects() {
    var e = assertThrows(RelabelDebug.InputException.class, () -> RelabelDebug.parseLabels("a=\"b"));
    assertEquals("labels: unterminated quoted value of \"a\"", e.getMessage());
  }

  @Test
  void parseLabels_duplicate_rejects() {
    var e = assertThrows(RelabelDebug.InputException.class, () -> RelabelDebug.parseLabels("a=\"1\", a=\"2\""));
    assertEquals("labels: duplicate label name \"a\"", e.getMessage());
  }

  @Test
  void parseLabels_tooMany_rejects() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i <= RelabelDebug.MAX_LABELS; i++) {
      b.append("l").append(i).append("=v\n");
    }
    var e = assertThrows(RelabelDebug.InputException.class, () -> RelabelDebug.parseLabels(b.toString()));
    assertEquals("labels: more than 1000 labels", e.getMessage());
  }

  @Test
  void parseRules_scrapeJobMapping_readsItsRelabelConfigs() throws Exception {
    var rules = RelabelDebug.parseRules("job_name: x\nrelabel_configs:\n  - {regex: a, action: drop}\n");
    assertEquals(1, rules.size());
    assertEquals("drop", rules.get(0).action().yamlName());
  }

  @Test
  void parseRules_invalidRule_prometheusMessageWithKeyPath() {
    var e = assertThrows(RelabelDebug.InputException.class, () -> RelabelDebug.parseRules("- {action: hashmod}"));
    assertTrue(e.getMessage().startsWith("relabel_configs[0]"), e.getMessage());
  }

  @Test
  void parseRules_notYaml_rejectsWithFirstLine() {
    var e = assertThrows(RelabelDebug.InputException.class, () -> RelabelDebug.parseRules("- [unclosed"));
    assertTrue(e.getMessage().startsWith("relabel_configs: invalid YAML: "), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void toYaml_roundTrips_sameRules() throws Exception {
    var rules = RelabelDebug.parseRules("""
        - {source_labels: [a, b], separator: '|', regex: 'x(.*)', target_label: t, replacement: '${1}y'}
        - {source_labels: [__address__], modulus: 7, target_label: __tmp, action: hashmod}
        """);
    assertEquals(rules, RelabelDebug.parseRules(RelabelDebug.toYaml(rules)));
  }

  @Test
  void toJson_hashmodAndDrop_reportsInputValueAndDroppingRule() throws Exception {
    var rules = RelabelDebug.parseRules("""
        - {source_labels: [__address__], modulus: 3, target_label: __tmp_shard, action: hashmod}
        - {source_labels: [__tmp_shard], regex: '%d', action: drop}
        """.formatted(Relabeler.hashmod("a:1", 3)));

    JsonObject json = RelabelDebug.toJson(RelabelDebug.run(Labels.of("__address__", "a:1"), rules));

    assertEquals(new JsonObject("""
        {"input":{"__address__":"a:1"},
         "steps":[{"rule":0,"action":"hashmod","dropped":false,
                   "labels":{"__address__":"a:1","__tmp_shard":"%1$d"},
                   "hashmod":{"input":"a:1","modulus":3,"value":"%1$d"}},
                  {"rule":1,"action":"drop","dropped":true,"labels":null}],
         "output":null,"droppedBy":1}
        """.formatted(Relabeler.hashmod("a:1", 3))), json);
  }

  @Test
  void stepsHtml_scriptInLabelValue_escaped() throws Exception {
    var r = RelabelDebug.run(Labels.of("a", "<script>alert(1)</script>"),
        RelabelDebug.parseRules("- {source_labels: [a], target_label: b}"));
    Html h = Html.page("/relabel", "t");
    RelabelDebug.stepsHtml(h, r);
    String html = h.finish();
    assertTrue(html.contains("b=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), html);
    assertEquals(1, html.split("<script", -1).length - 1, "only the page's own script tag");
  }
}
