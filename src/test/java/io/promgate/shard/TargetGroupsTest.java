package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SD file/answer codec: what Prometheus accepts is read alike, anything else is one error. */
class TargetGroupsTest {

  private static List<TargetGroup> json(String text) throws SdFormatException {
    return TargetGroups.parseJson(Buffer.buffer(text), "src", "__meta_url", "http://sd/");
  }

  private static List<TargetGroup> yaml(String text) throws SdFormatException {
    return TargetGroups.parseYaml(text, "f.yml", "__meta_filepath", "/t/f.yml");
  }

  @Test
  void parseJson_groups_targetsLabelsAndMetaLabel() throws SdFormatException {
    List<TargetGroup> groups = json("""
        [{"targets": ["a:1", "b:2"], "labels": {"env": "prod", "__meta_url": "spoofed"}},
         {"targets": ["c:3"]}]""");

    assertEquals(List.of(
        new TargetGroup("src:0", List.of("a:1", "b:2"), Map.of("env", "prod", "__meta_url", "http://sd/")),
        new TargetGroup("src:1", List.of("c:3"), Map.of("__meta_url", "http://sd/"))), groups);
    assertEquals(List.of("__meta_url", "env"), List.copyOf(groups.get(0).labels().keySet()));
  }

  @Test
  void parseJson_nullDocumentOrEmptyList_noGroups() throws SdFormatException {
    assertEquals(List.of(), json("null"));
    assertEquals(List.of(), json("[]"));
  }

  @Test
  void parseJson_fieldNamesInAnyCase_likeGoEncodingJson() throws SdFormatException {
    assertEquals(List.of("a:1"), json("[{\"Targets\": [\"a:1\"], \"LABELS\": {}}]").get(0).targets());
  }

  @Test
  void parseJson_nullsInside_goZeroValues() throws SdFormatException {
    TargetGroup g = json("[{\"targets\": [\"a:1\", null], \"labels\": {\"x\": null}}]").get(0);
    assertEquals(List.of("a:1", ""), g.targets());
    assertEquals("", g.labels().get("x"));
    assertEquals(List.of(), json("[{\"targets\": null, \"labels\": null}]").get(0).targets());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "{\"targets\": []}                        | expected a list of target groups, got a mapping",
    "\"x\"                                    | expected a list of target groups, got the string \"x\"",
    "[null]                                   | [0]: nil target group item found",
    "[{}, 5]                                  | [1]: expected a target group mapping, got 5",
    "[{\"targets\": [], \"source\": \"x\"}]   | [0]: unknown field \"source\"",
    "[{\"targets\": \"a:1\"}]                 | [0].targets: expected a list of host:port strings, got the string \"a:1\"",
    "[{\"targets\": [\"a:1\", 9100]}]         | [0].targets[1]: expected a string, got 9100",
    "[{\"targets\": [[\"a:1\"]]}]             | [0].targets[0]: expected a string, got a list",
    "[{\"labels\": [\"a\"]}]                  | [0].labels: expected a mapping of label names to values, got a list",
    "[{\"labels\": {\"a-b\": \"x\"}}]         | [0].labels: \"a-b\" is not a valid label name",
    "[{\"labels\": {\"\": \"x\"}}]            | [0].labels: \"\" is not a valid label name",
    "[{\"labels\": {\"a\": 1}}]               | [0].labels.a: expected a string, got 1",
    "[{\"labels\": {\"a\": true}}]            | [0].labels.a: expected a string, got true",
  })
  void parseJson_malformed_oneErrorNamingTheElement(String body, String message) {
    assertEquals(message, assertThrows(SdFormatException.class, () -> json(body)).getMessage());
  }

  @Test
  void parseJson_notJson_invalidJsonInOneLine() {
    String m = assertThrows(SdFormatException.class, () -> json("[{\"targets\": [\"a:1\"]},\n")).getMessage();
    assertEquals(true, m.startsWith("invalid JSON: "), m);
    assertEquals(-1, m.indexOf('\n'), m);
    String trailing = assertThrows(SdFormatException.class, () -> json("[] []")).getMessage();
    assertEquals(true, trailing.startsWith("invalid JSON: "), trailing);
  }

  @Test
  void parseJson_deepNesting_rejectedNotStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    String m = assertThrows(SdFormatException.class, () -> json(deep)).getMessage();
    assertEquals(true, m.startsWith("invalid JSON: "), m);
  }

  @Test
  void parseYaml_groups_scalarsAsTextLikeYamlV2() throws SdFormatException {
    List<TargetGroup> groups = yaml("""
        - targets: ['a:1', 9100, 0x1F]
          labels: {env: prod, port: 80, on: yes, empty: , quoted: '', n: ~}
        - labels: {x: y}
        """);
    assertEquals(List.of(
        new TargetGroup("f.yml:0", List.of("a:1", "9100", "0x1F"), Map.of("env", "prod", "port", "80",
            "on", "yes", "empty", "", "quoted", "", "n", "", "__meta_filepath", "/t/f.yml")),
        new TargetGroup("f.yml:1", List.of(), Map.of("x", "y", "__meta_filepath", "/t/f.yml"))), groups);
  }

  @Test
  void parseYaml_emptyDocument_noGroups() throws SdFormatException {
    assertEquals(List.of(), yaml(""));
    assertEquals(List.of(), yaml("# nothing yet\n"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "- ~                              | [0]: nil target group item found",
    "- {Targets: ['a:1']}             | [0]: unknown field \"Targets\"",
    "- {targets: {a: 1}}              | [0].targets: expected a list of host:port strings, got a mapping",
    "- {labels: {a.b: x}}             | [0].labels: \"a.b\" is not a valid label name",
    "- {labels: {a: [x]}}             | [0].labels.a: expected a string, got a list",
    "targets: ['a:1']                 | expected a list of target groups, got a mapping",
  })
  void parseYaml_malformed_oneErrorNamingTheElement(String body, String message) {
    assertEquals(message, assertThrows(SdFormatException.class, () -> yaml(body)).getMessage());
  }

  @Test
  void parseYaml_duplicateKey_rejectedLikeUnmarshalStrict() {
    String m = assertThrows(SdFormatException.class,
        () -> yaml("- targets: ['a:1']\n  targets: ['b:1']\n")).getMessage();
    assertEquals("invalid YAML: line 2: mapping key \"targets\" already defined", m);
  }

  @Test
  void parseYaml_aliasBomb_rejected() {
    StringBuilder y = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'j'; c++) {
      char p = (char) (c - 1);
      y.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p)
          .append(", *").append(p).append(", *").append(p).append(", *").append(p).append(", *")
          .append(p).append(", *").append(p).append(", *").append(p).append(", *").append(p)
          .append("]\n");
    }
    String m = assertThrows(SdFormatException.class, () -> yaml(y.toString())).getMessage();
    assertEquals(true, m.startsWith("invalid YAML: "), m);
  }

  @Test
  void parseYaml_aliasDoublingWithinAliasLimit_boundedExpansion() {
    // 24 levels of two aliases each: 48 aliases (under the limit of 50), 2^24 nodes expanded.
    StringBuilder y = new StringBuilder("- targets: &l0 [x, x]\n");
    for (int i = 1; i <= 24; i++) {
      y.append("- targets: &l").append(i).append(" [*l").append(i - 1).append(", *l").append(i - 1)
          .append("]\n");
    }
    assertEquals("invalid YAML: more than 1048576 nodes",
        assertThrows(SdFormatException.class, () -> yaml(y.toString())).getMessage());
  }

  @Test
  void toJson_groups_httpSdFormatWithLabelsAsGiven() {
    Buffer out = TargetGroups.toJson(List.of(
        new TargetGroup("s:0", List.of("a:1", "b:\"2\""), new TreeMap<>(Map.of("z", "", "a", "x\ny"))),
        new TargetGroup("s:1", List.of(), Map.of())));
    assertEquals("[{\"targets\":[\"a:1\",\"b:\\\"2\\\"\"],\"labels\":{\"a\":\"x\\ny\",\"z\":\"\"}},"
        + "{\"targets\":[],\"labels\":{}}]", out.toString());
  }

  @Test
  void toJson_thenParseJson_roundTrip() throws SdFormatException {
    List<TargetGroup> in = List.of(new TargetGroup("src:0", List.of("h:1", "ü:2"),
        new TreeMap<>(Map.of("__meta_url", "http://sd/", "k", "v ✓"))));
    assertEquals(in, TargetGroups.parseJson(TargetGroups.toJson(in), "src", "__meta_url", "http://sd/"));
  }
}
