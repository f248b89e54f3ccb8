package io.promgate.relabel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.promgate.model.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Validation, message by message. The messages after the key path are Prometheus 2.42's own, as
 * printed by {@code promtool check config}; only the key path is promgate's.
 */
class RelabelConfigTest {
  private static final String P = "write_relabel_configs[2]";

  @Test
  void fromYaml_emptyMapping_appliesPrometheusDefaults() {
    RelabelConfig c = valid("{target_label: t}");

    assertEquals(List.of(), c.sourceLabels());
    assertEquals(";", c.separator());
    assertEquals("(.*)", c.regex());
    assertEquals(0, c.modulus());
    assertEquals("$1", c.replacement());
    assertEquals(RelabelAction.REPLACE, c.action());
  }

  @Test
  void fromYaml_everyKey_isRead() {
    RelabelConfig c = valid("{source_labels: [a, b], separator: ',', regex: 'x(.*)',"
        + " modulus: 18446744073709551615, target_label: t, replacement: y, action: hashmod}");

    assertEquals(List.of("a", "b"), c.sourceLabels());
    assertEquals(",", c.separator());
    assertEquals("x(.*)", c.regex());
    assertEquals("18446744073709551615", Long.toUnsignedString(c.modulus()));
    assertEquals("t", c.targetLabel());
    assertEquals("y", c.replacement());
    assertEquals(RelabelAction.HASHMOD, c.action());
  }

  @Test
  void fromYaml_actionInAnyCase_isAccepted() {
    assertEquals(RelabelAction.LABELDROP, valid("{action: LabelDrop}").action());
  }

  @Test
  void fromYaml_numberForAString_isAcceptedAsText() {
    assertEquals("9100", valid("{target_label: port, replacement: 9100}").replacement());
  }

  @Test
  void fromYaml_nullRegex_isTheEmptyRegex() {
    Relabeler r = Relabeler.of(List.of(valid("{source_labels: [a], regex: ~, action: keep}")));

    assertNull(r.apply(Labels.of("a", "x")));
    assertNotNull(r.apply(Labels.of("b", "x")));
  }

  @Test
  void fromYaml_sameYaml_givesEqualConfigs() {
    String yaml = "{source_labels: [a], regex: 'x', target_label: t}";

    assertEquals(valid(yaml), valid(yaml));
    assertEquals(valid(yaml).hashCode(), valid(yaml).hashCode());
  }

  @Test
  void fromYaml_unknownAction_reportsIt() {
    assertErrors("{action: foo}", P + ".action: unknown relabel action \"foo\"");
  }

  @Test
  void fromYaml_emptyStringAction_isUnknown() {
    assertErrors("{action: ''}", P + ".action: unknown relabel action \"\"");
  }

  @Test
  void fromYaml_nullAction_cannotBeEmpty() {
    assertErrors("{action: ~, target_label: t}", P + ".action: relabel action cannot be empty");
  }

  @Test
  void fromYaml_hashmodWithoutModulus_requiresNonZeroModulus() {
    assertErrors("{action: hashmod, target_label: d}",
        P + ".modulus: relabel configuration for hashmod requires non-zero modulus");
  }

  @ParameterizedTest
  @EnumSource(names = {"REPLACE", "HASHMOD", "LOWERCASE", "UPPERCASE", "KEEPEQUAL", "DROPEQUAL"})
  void fromYaml_actionWithoutTargetLabel_requiresTargetLabel(RelabelAction action) {
    String yaml = action == RelabelAction.HASHMOD
        ? "{action: hashmod, modulus: 1}"
        : "{action: " + action + "}";
    assertErrors(yaml,
        P + ".target_label: relabel configuration for " + action
            + " action requires 'target_label' value");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0${3}", "-${3}", "a-b", "${", "$", "${}", "foo${", "-foo${1}bar-"})
  void fromYaml_replaceWithInvalidTarget_isInvalidTargetLabel(String target) {
    assertErrors(Map.of("target_label", target),
        P + ".target_label: \"" + target + "\" is invalid 'target_label' for replace action");
  }

  @ParameterizedTest
  @ValueSource(strings = {"label", "label${1}", "${1}label", "${1}", "$1", "asd$2asd", "_${1}_",
      "foo${bar}foo"})
  void fromYaml_replaceWithTargetTemplate_isValid(String target) {
    List<String> errors = new ArrayList<>();

    RelabelConfig.fromYaml(Map.of("target_label", target), P, errors);

    assertEquals(List.of(), errors);
  }

  @Test
  void fromYaml_lowercaseWithTemplateTarget_isInvalidTargetLabel() {
    // Stricter than 2.42, which accepted this and then wrote a label named "${3}".
    assertErrors("{action: lowercase, target_label: '${3}'}",
        P + ".target_label: \"${3}\" is invalid 'target_label' for lowercase action");
  }

  @Test
  void fromYaml_hashmodWithTemplateTarget_isInvalidTargetLabel() {
    assertErrors("{action: hashmod, target_label: '${1}', modulus: 3}",
        P + ".target_label: \"${1}\" is invalid 'target_label' for hashmod action");
  }

  @Test
  void fromYaml_lowercaseWithReplacement_cannotSetReplacement() {
    assertErrors("{action: lowercase, target_label: x, replacement: y}",
        P + ".replacement: 'replacement' can not be set for lowercase action");
  }

  @Test
  void fromYaml_uppercaseWithRegexSeparatorModulus_isAccepted() {
    // Prometheus forbids only 'replacement' for lowercase/uppercase.
    valid("{action: uppercase, target_label: x, regex: y, separator: ',', modulus: 3}");
  }

  @Test
  void fromYaml_labelmapWithInvalidReplacement_isInvalidReplacement() {
    assertErrors("{action: labelmap, replacement: '-x'}",
        P + ".replacement: \"-x\" is invalid 'replacement' for labelmap action");
  }

  @Test
  void fromYaml_keepequalWithRegex_requiresOnlySourceAndTarget() {
    // Even the default regex: Prometheus compares the regex by identity.
    assertErrors("{action: keepequal, target_label: x, regex: '(.*)'}", P + ".regex: keepequal"
        + " action requires only 'source_labels' and `target_label`, and no other fields");
  }

  @Test
  void fromYaml_dropequalWithSeparatorAndModulus_reportsEach() {
    String only = " action requires only 'source_labels' and `target_label`, and no other fields";
    assertErrors("{action: dropequal, target_label: x, separator: ',', modulus: 2}",
        P + ".modulus: dropequal" + only, P + ".separator: dropequal" + only);
  }

  @Test
  void fromYaml_keepequalWithDefaultSeparatorAndReplacement_isAccepted() {
    valid("{action: keepequal, target_label: x, separator: ';', replacement: '$1'}");
  }

  @Test
  void fromYaml_labeldropWithOtherFields_requiresOnlyRegex() {
    String only = " action requires only 'regex', and no other fields";
    assertErrors(
        "{action: labeldrop, source_labels: [], target_label: t, modulus: 2, separator: ',',"
            + " replacement: r}",
        P + ".source_labels: labeldrop" + only,
        P + ".target_label: labeldrop" + only,
        P + ".modulus: labeldrop" + only,
        P + ".separator: labeldrop" + only,
        P + ".replacement: labeldrop" + only);
  }

  @Test
  void fromYaml_labelkeepWithDefaultValuesSpelledOut_isAccepted() {
    // Prometheus compares values here: null source_labels, "" target, 0 modulus are all defaults.
    valid("{action: labelkeep, source_labels: ~, target_label: '', modulus: 0, separator: ';',"
        + " replacement: '$1'}");
  }

  @Test
  void fromYaml_invalidRegex_reportsRe2Error() {
    assertErrors("{regex: '(abc', target_label: x}",
        P + ".regex: error parsing regexp: missing closing ): `^(?:(abc)$`");
  }

  @Test
  void fromYaml_unknownKey_fieldNotFound() {
    assertErrors("{foo: 1, target_label: x}", P + ": field foo not found");
  }

  @Test
  void fromYaml_invalidSourceLabelName_isNotAValidLabelName() {
    assertErrors("{source_labels: [a, 'a-b'], target_label: x}",
        P + ".source_labels[1]: \"a-b\" is not a valid label name");
  }

  @Test
  void fromYaml_sourceLabelsNotAList_reportsType() {
    assertErrors("{source_labels: a, target_label: x}",
        P + ".source_labels: expected a list of label names, got the string \"a\"");
  }

  @Test
  void fromYaml_separatorNotAScalar_reportsType() {
    assertErrors("{separator: [1], target_label: x}",
        P + ".separator: expected a string, got a list");
  }

  @Test
  void fromYaml_negativeModulus_reportsType() {
    assertErrors("{modulus: -1, target_label: x}",
        P + ".modulus: expected an unsigned 64-bit integer, got -1");
  }

  @Test
  void fromYaml_modulusAsString_reportsType() {
    assertErrors("{modulus: '3', target_label: x}",
        P + ".modulus: expected an unsigned 64-bit integer, got the string \"3\"");
  }

  @Test
  void fromYaml_modulusBeyondUint64_reportsType() {
    assertErrors("{modulus: 18446744073709551616, target_label: x}",
        P + ".modulus: expected an unsigned 64-bit integer, got 18446744073709551616");
  }

  @Test
  void fromYaml_severalProblems_reportsEveryOne() {
    assertErrors("{action: hashmod, regex: '(', bogus: 1}",
        P + ": field bogus not found",
        P + ".regex: error parsing regexp: missing closing ): `^(?:()$`",
        P + ".modulus: relabel configuration for hashmod requires non-zero modulus",
        P + ".target_label: relabel configuration for hashmod action requires 'target_label'"
            + " value");
  }

  @Test
  void fromYaml_messageQuotesLikeGo() {
    assertErrors(Map.of("action", "a\"b\n\u0001"),
        P + ".action: unknown relabel action \"a\\\"b\\n\\x01\"");
  }

  @Test
  void parse_list_namesEachEntryByIndex() {
    List<String> errors = new ArrayList<>();

    List<RelabelConfig> configs = RelabelConfigs.parse(new Yaml().load(
        "[{target_label: a}, ~, 3, {action: nope}, {regex: b, action: drop}]"),
        "remote_write[0].write_relabel_configs", errors);

    assertEquals(List.of(
        "remote_write[0].write_relabel_configs[1]: empty or null relabeling rule",
        "remote_write[0].write_relabel_configs[2]: expected a mapping, got 3",
        "remote_write[0].write_relabel_configs[3].action: unknown relabel action \"nope\""),
        errors);
    assertEquals(2, configs.size());
    assertEquals(RelabelAction.DROP, configs.get(1).action());
  }

  @Test
  void parse_null_isNoRules() {
    List<String> errors = new ArrayList<>();

    assertEquals(List.of(), RelabelConfigs.parse(null, "x", errors));
    assertEquals(List.of(), errors);
  }

  private static RelabelConfig valid(String yaml) {
    List<String> errors = new ArrayList<>();
    RelabelConfig c = RelabelConfig.fromYaml(new Yaml().<Map<?, ?>>load(yaml), P, errors);
    assertEquals(List.of(), errors);
    assertNotNull(c);
    return c;
  }

  private static void assertErrors(String yaml, String... expected) {
    assertErrors(new Yaml().<Map<?, ?>>load(yaml), expected);
  }

  private static void assertErrors(Map<?, ?> yaml, String... expected) {
    List<String> errors = new ArrayList<>();

    RelabelConfig c = RelabelConfig.fromYaml(yaml, P, errors);

    assertEquals(List.of(expected), errors);
    assertNull(c);
  }

  @Test
  void fromYaml_regexNested5000Deep_errorExpressionNestsTooDeeply() {
    List<String> errors = new ArrayList<>();

    RelabelConfig.fromYaml(Map.of("regex", "(".repeat(5000) + "a" + ")".repeat(5000), "action", "keep"), P, errors);

    assertEquals(List.of(P + ".regex: error parsing regexp: expression nests too deeply"), errors);
  }

  @Test
  void fromYaml_regexNested1000Deep_accepted() {
    List<String> errors = new ArrayList<>();

    RelabelConfig.fromYaml(Map.of("regex", "(".repeat(1000) + "a" + ")".repeat(1000), "action", "keep"), P, errors);

    assertEquals(List.of(), errors);
  }
}
