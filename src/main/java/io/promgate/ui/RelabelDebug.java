package io.promgate.ui;

import io.promgate.model.Labels;
import io.promgate.relabel.RelabelAction;
import io.promgate.relabel.RelabelConfig;
import io.promgate.relabel.RelabelConfigs;
import io.promgate.relabel.Relabeler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The relabel debugger behind {@code /relabel} and {@code POST /api/v1/relabel}: a label set and
 * {@code relabel_configs} YAML in, the label set after each rule out (via
 * {@link Relabeler#trace}), with the rule that dropped it and each hashmod's input and value.
 * Input is hostile: bounded in size by the caller ({@link #MAX_INPUT_BYTES}), in labels and
 * rules here, YAML parsed with the safe constructor and an alias limit.
 */
final class RelabelDebug {
  /** Largest request body of the debugger (form or JSON), bytes. */
  static final int MAX_INPUT_BYTES = 64 * 1024;
  static final int MAX_LABELS = 1000;
  static final int MAX_RULES = 1000;


  /** A bad input: its message is the one-line reason shown to the user (escaped). */
  static final class InputException extends Exception {
    InputException(String message) {
      super(message);
    }
  }

  record Result(Labels input, List<Relabeler.Step> steps) {
    /** The final labels, or null when a rule dropped them. */
    Labels output() {
      if (steps.isEmpty()) {
        return input;
      }
      return steps.get(steps.size() - 1).after();
    }

    /** Index of the dropping rule, or -1. */
    int droppedBy() {
      return !steps.isEmpty() && steps.get(steps.size() - 1).dropped() ? steps.get(steps.size() - 1).index() : -1;
    }
  }

  private RelabelDebug() {}

  static Result run(Labels input, List<RelabelConfig> rules) {
    return new Result(input, Relabeler.of(rules).trace(input));
  }

  /**
   * Reads a label set: Prometheus style {@code {a="b", c="d"}} (braces optional, one pair per line
   * works too, unquoted values run to the end of the line or a comma) or a JSON object.
   */
  static Labels parseLabels(String text) throws InputException {
    String s = text.strip();
    if (s.startsWith("{") && s.substring(1).stripLeading().startsWith("\"")) {
      JsonObject o;
      try {
        o = new JsonObject(s);
      } catch (RuntimeException e) {
        throw new InputException("labels: invalid JSON object");
      }
      Labels.Builder b = new Labels.Builder();
      for (Map.Entry<String, Object> e : o) {
        if (!(e.getValue() instanceof String v)) {
          throw new InputException("labels: value of \"" + e.getKey() + "\" is not a string");
        }
        add(b, e.getKey(), v);
      }
      return b.build();
    }
    if (s.startsWith("{")) {
      if (!s.endsWith("}")) {
        throw new InputException("labels: missing closing }");
      }
      s = s.substring(1, s.length() - 1);
    }
    Labels.Builder b = new Labels.Builder();
    int i = 0;
    int n = s.length();
    while (true) {
      while (i < n && (Character.isWhitespace(s.charAt(i)) || s.charAt(i) == ',')) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int start = i;
      while (i < n && s.charAt(i) != '=' && s.charAt(i) != '\n' && s.charAt(i) != ',') {
        i++;
      }
      String name = s.substring(start, i).strip();
      if (i >= n || s.charAt(i) != '=') {
        throw new InputException("labels: expected name=\"value\" at \"" + shorten(s.substring(start, Math.min(n, start + 40))) + "\"");
      }
      i++; // '='
      while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
      String value;
      if (i < n && s.charAt(i) == '"') {
        StringBuilder v = new StringBuilder();
        i++;
        boolean closed = false;
        while (i < n) {
          char c = s.charAt(i++);
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\' && i < n) {
            char e = s.charAt(i++);
            v.append(switch (e) {
              case 'n' -> '\n';
              case 't' -> '\t';
              case 'r' -> '\r';
              default -> e; // \" \\ and anything else: the character itself
            });
          } else {
            v.append(c);
          }
        }
        if (!closed) {
          throw new InputException("labels: unterminated quoted value of \"" + shorten(name) + "\"");
        }
        value = v.toString();
      } else {
        int vs = i;
        while (i < n && s.charAt(i) != ',' && s.charAt(i) != '\n') {
          i++;
        }
        value = s.substring(vs, i).strip();
      }
      add(b, name, value);
    }
    return b.build();
  }

  private static void add(Labels.Builder b, String name, String value) throws InputException {
    if (!Labels.isLabelName(name)) {
      throw new InputException("labels: invalid label name \"" + shorten(name) + "\"");
    }
    if (!b.get(name).isEmpty()) {
      throw new InputException("labels: duplicate label name \"" + name + "\"");
    }
    if (b.size() >= MAX_LABELS) {
      throw new InputException("labels: more than " + MAX_LABELS + " labels");
    }
    b.set(name, value);
  }

  /**
   * Reads relabel rules: a YAML list, or a mapping holding one under {@code relabel_configs},
   * {@code write_relabel_configs} or {@code metric_relabel_configs} (so a pasted scrape job works).
   * Every problem in one message, Prometheus's wording.
   */
  static List<RelabelConfig> parseRules(String yamlText) throws InputException {
    if (yamlText.isBlank()) {
      return List.of();
    }
    Object doc;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(50);
      options.setCodePointLimit(MAX_INPUT_BYTES);
      doc = new Yaml(new SafeConstructor(options)).load(yamlText);
    } catch (RuntimeException e) {
      throw new InputException("relabel_configs: invalid YAML: " + firstLine(e.getMessage()));
    }
    String key = "relabel_configs";
    if (doc instanceof Map<?, ?> m) {
      Object list = null;
      for (String k : new String[] {"relabel_configs", "write_relabel_configs", "metric_relabel_configs"}) {
        if (m.containsKey(k)) {
          list = m.get(k);
          key = k;
          break;
        }
      }
      if (list == null) {
        // A single rule pasted on its own.
        list = m.containsKey("action") || m.containsKey("source_labels") ? List.of(m) : null;
      }
      doc = list;
    }
    if (doc == null) {
      return List.of();
    }
    if (!(doc instanceof List<?> list)) {
      throw new InputException("relabel_configs: expected a list of rules");
    }
    if (list.size() > MAX_RULES) {
      throw new InputException("relabel_configs: more than " + MAX_RULES + " rules");
    }
    List<String> errors = new ArrayList<>();
    List<RelabelConfig> rules = RelabelConfigs.parse(list, key, errors);
    if (!errors.isEmpty()) {
      throw new InputException(String.join("; ", errors));
    }
    return rules;
  }

  /** The rules back as YAML text (to prefill the debugger with sharding's rules). */
  static String toYaml(List<RelabelConfig> rules) {
    List<Object> out = new ArrayList<>();
    for (RelabelConfig r : rules) {
      out.add(r.toYaml());
    }
    DumperOptions o = new DumperOptions();
    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    o.setWidth(1000);
    return out.isEmpty() ? "" : new Yaml(o).dump(out);
  }

  /** The joined source value a hashmod step hashed (before the step's rule ran). */
  static String hashInput(Relabeler.Step step) {
    RelabelConfig r = step.rule();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < r.sourceLabels().size(); i++) {
      if (i > 0) {
        b.append(r.separator());
      }
      b.append(step.before().get(r.sourceLabels().get(i)));
    }
    return b.toString();
  }

  /** {@code data} of the API answer. */
  static JsonObject toJson(Result r) {
    JsonArray steps = new JsonArray();
    for (Relabeler.Step s : r.steps()) {
      JsonObject step = new JsonObject()
          .put("rule", s.index())
          .put("action", s.rule().action().yamlName())
          .put("dropped", s.dropped())
          .put("labels", s.dropped() ? null : labelsJson(s.after()));
      if (s.rule().action() == RelabelAction.HASHMOD) {
        step.put("hashmod", new JsonObject()
            .put("input", hashInput(s))
            .put("modulus", s.rule().modulus())
            .put("value", Long.toUnsignedString(Relabeler.hashmod(hashInput(s), s.rule().modulus()))));
      }
      steps.add(step);
    }
    Labels out = r.output();
    int dropped = r.droppedBy();
    return new JsonObject()
        .put("input", labelsJson(r.input()))
        .put("steps", steps)
        .put("output", out == null ? null : labelsJson(out))
        .put("droppedBy", dropped < 0 ? null : dropped);
  }

  private static JsonObject labelsJson(Labels l) {
    JsonObject o = new JsonObject();
    l.forEach(o::put);
    return o;
  }

  /**
   * The steps as an HTML table: per rule its settings, then the label set after it as a diff
   * (added, changed, removed), "dropped here", and for hashmod the hashed value and result.
   */
  static void stepsHtml(Html h, Result r) {
    if (r.steps().isEmpty()) {
      h.raw("<p>No rules: the label set passes unchanged.</p>");
      return;
    }
    h.raw("<ol class=\"steps\">");
    for (Relabeler.Step s : r.steps()) {
      RelabelConfig rule = s.rule();
      boolean changed = !s.dropped() && !s.after().equals(s.before());
      h.raw("<li class=\"step").raw(s.dropped() ? " dropped" : changed ? " changed" : "").raw("\">");
      h.raw("<div class=\"rule\"><span class=\"idx\">#").text(s.index()).raw("</span> <code class=\"action\">")
          .text(rule.action().yamlName()).raw("</code> ");
      ruleSummary(h, rule);
      h.raw("</div>");
      if (rule.action() == RelabelAction.HASHMOD) {
        String in = hashInput(s);
        h.raw("<div class=\"hash\">hashmod: md5(<code>").text(in).raw("</code>) mod ").text(rule.modulus())
            .raw(" = <strong>").text(Long.toUnsignedString(Relabeler.hashmod(in, rule.modulus())))
            .raw("</strong> → <code>").text(rule.targetLabel()).raw("</code></div>");
      }
      if (s.dropped()) {
        h.raw("<div class=\"verdict\"><strong>Dropped by this rule.</strong> Later rules do not run.</div>");
      } else if (!changed) {
        h.raw("<div class=\"nochange\">no change</div>");
      } else {
        diff(h, s.before(), s.after());
      }
      h.raw("</li>");
    }
    h.raw("</ol>");
  }

  private static void ruleSummary(Html h, RelabelConfig r) {
    if (!r.sourceLabels().isEmpty()) {
      h.raw("source_labels=<code>[").text(String.join(", ", r.sourceLabels())).raw("]</code> ");
    }
    if (!r.regex().equals("(.*)")) {
      h.raw("regex=<code>").text(r.regex()).raw("</code> ");
    }
    if (!r.targetLabel().isEmpty()) {
      h.raw("target_label=<code>").text(r.targetLabel()).raw("</code> ");
    }
    if (r.action() == RelabelAction.REPLACE && !r.replacement().equals("$1")) {
      h.raw("replacement=<code>").text(r.replacement()).raw("</code> ");
    }
    if (!r.separator().equals(";")) {
      h.raw("separator=<code>").text(r.separator()).raw("</code> ");
    }
  }

  private static void diff(Html h, Labels before, Labels after) {
    h.raw("<ul class=\"diff\">");
    for (int i = 0; i < after.size(); i++) {
      String name = after.name(i);
      String old = before.get(name);
      if (!before.has(name)) {
        h.raw("<li class=\"add\"><span class=\"sr\">added </span>+ ").text(name).raw("=\"").text(after.value(i)).raw("\"</li>");
      } else if (!old.equals(after.value(i))) {
        h.raw("<li class=\"chg\"><span class=\"sr\">changed </span>~ ").text(name).raw("=\"").text(after.value(i))
            .raw("\" <span class=\"was\">(was \"").text(old).raw("\")</span></li>");
      }
    }
    for (int i = 0; i < before.size(); i++) {
      if (!after.has(before.name(i))) {
        h.raw("<li class=\"del\"><span class=\"sr\">removed </span>− ").text(before.name(i)).raw("=\"")
            .text(before.value(i)).raw("\"</li>");
      }
    }
    h.raw("</ul>");
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
