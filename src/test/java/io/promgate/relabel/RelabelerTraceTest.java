package io.promgate.relabel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.model.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@link Relabeler#trace}: one step per rule, the same result as {@link Relabeler#apply}. */
class RelabelerTraceTest {
  private static Relabeler rules(String yaml) {
    return RelabelerTest.relabeler(new Yaml().load(yaml));
  }

  @Test
  void trace_everyRuleKeeps_oneStepPerRuleEndingInApplysResult() {
    Relabeler r = rules("""
        - {source_labels: [__address__], regex: '([^:]+):.*', target_label: instance}
        - {source_labels: [env], regex: prod, action: keep}
        - {regex: 'team', action: labeldrop}
        - {source_labels: [__address__], modulus: 4, target_label: __tmp_shard, action: hashmod}
        """);
    Labels in = Labels.of("__address__", "node-1:9100", "env", "prod", "team", "a");

    List<Relabeler.Step> steps = r.trace(in);

    assertEquals(4, steps.size());
    assertEquals(List.of(0, 1, 2, 3), steps.stream().map(Relabeler.Step::index).toList());
    assertEquals(Labels.of("__address__", "node-1:9100", "env", "prod", "team", "a", "instance", "node-1"),
        steps.get(0).after());
    assertSame(steps.get(0).after(), steps.get(1).before(), "each step starts from the previous result");
    assertEquals(steps.get(1).before(), steps.get(1).after(), "keep that keeps changes nothing");
    assertEquals(Labels.of("__address__", "node-1:9100", "env", "prod", "instance", "node-1"), steps.get(2).after());
    String shard = Long.toString(Relabeler.hashmod("node-1:9100", 4));
    assertEquals(shard, steps.get(3).after().get("__tmp_shard"));
    assertEquals(r.apply(in), steps.get(3).after());
    assertFalse(steps.get(3).dropped());
  }

  @Test
  void trace_ruleDrops_stopsAtTheDroppingRule() {
    Relabeler r = rules("""
        - {target_label: a, replacement: x}
        - {source_labels: [env], regex: dev, action: drop}
        - {target_label: never, replacement: y}
        """);
    Labels in = Labels.of("env", "dev");

    List<Relabeler.Step> steps = r.trace(in);

    assertEquals(2, steps.size());
    assertTrue(steps.get(1).dropped());
    assertNull(steps.get(1).after());
    assertEquals(Labels.of("a", "x", "env", "dev"), steps.get(1).before());
    assertNull(r.apply(in));
  }

  @Test
  void trace_noRules_noSteps() {
    assertEquals(List.of(), Relabeler.of(List.of()).trace(Labels.of("a", "b")));
  }
}
