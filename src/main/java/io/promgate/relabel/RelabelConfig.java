package io.promgate.relabel;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.promgate.limits.RegexNesting;
import io.promgate.model.GoStrings;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One relabel rule as written in YAML ({@code relabel_configs}, {@code write_relabel_configs}),
 * validated and immutable. Keys, defaults and messages are Prometheus's
 * ({@code model/relabel/relabel.go}, v2.42), with one stricter rule taken from later versions:
 * lowercase, uppercase, keepequal and dropequal require {@code target_label} to be a plain label
 * name (2.42 accepted {@code ${1}} there and then wrote a label literally named "${1}").
 *
 * <p>A YAML null counts as the zero value, as with Go's yaml.v2: {@code regex: ~} is the regex ""
 * (matching only the empty string), {@code action: ~} is "relabel action cannot be empty".
 */
public final class RelabelConfig {
  static final String DEFAULT_SEPARATOR = ";";
  static final String DEFAULT_REGEX = "(.*)";
  static final String DEFAULT_REPLACEMENT = "$1";

  /** Prometheus's {@code relabelTarget}: a label name that may contain $-references. */
  private static final Pattern RELABEL_TARGET =
      Pattern.compile("^(?:(?:[a-zA-Z_]|\\$(?:\\{\\w+\\}|\\w+))+\\w*)+$");

  private static final Pattern DEFAULT_PATTERN = anchored(DEFAULT_REGEX);

  private static final Set<RelabelAction> NEEDS_TARGET =
      EnumSet.of(
          RelabelAction.REPLACE,
          RelabelAction.HASHMOD,
          RelabelAction.LOWERCASE,
          RelabelAction.UPPERCASE,
          RelabelAction.KEEPEQUAL,
          RelabelAction.DROPEQUAL);
  private static final Set<RelabelAction> NO_REPLACEMENT =
      EnumSet.of(
          RelabelAction.LOWERCASE,
          RelabelAction.UPPERCASE,
          RelabelAction.KEEPEQUAL,
          RelabelAction.DROPEQUAL);

  private final List<String> sourceLabels;
  private final String separator;
  private final String regex;
  private final Pattern pattern;
  private final long modulus;
  private final String targetLabel;
  private final String replacement;
  private final RelabelAction action;

  private RelabelConfig(
      List<String> sourceLabels,
      String separator,
      String regex,
      Pattern pattern,
      long modulus,
      String targetLabel,
      String replacement,
      RelabelAction action) {
    this.sourceLabels = sourceLabels;
    this.separator = separator;
    this.regex = regex;
    this.pattern = pattern;
    this.modulus = modulus;
    this.targetLabel = targetLabel;
    this.replacement = replacement;
    this.action = action;
  }

  /**
   * Reads one rule from its parsed YAML mapping. Every problem is appended to {@code errors} as
   * {@code "<keyPath>.<key>: <message>"}; returns null when there was any.
   *
   * @param keyPath where the mapping sits, e.g. {@code remote_write[0].write_relabel_configs[2]}
   */
  public static RelabelConfig fromYaml(Map<?, ?> yaml, String keyPath, List<String> errors) {
    int errorsBefore = errors.size();
    List<String> sourceLabels = List.of();
    boolean sourceLabelsSet = false;
    String separator = DEFAULT_SEPARATOR;
    String regex = DEFAULT_REGEX;
    boolean regexSet = false;
    long modulus = 0;
    String targetLabel = "";
    String replacement = DEFAULT_REPLACEMENT;
    RelabelAction action = RelabelAction.REPLACE;
    boolean actionKnown = true;

    for (Map.Entry<?, ?> e : yaml.entrySet()) {
      String key = String.valueOf(e.getKey());
      Object v = e.getValue();
      String path = keyPath + "." + key;
      switch (key) {
        case "source_labels" -> {
          sourceLabelsSet = v != null; // Prometheus tells an empty list from an absent one
          sourceLabels = labelNames(v, path, errors);
        }
        case "separator" -> separator = string(v, path, separator, errors);
        case "regex" -> {
          regexSet = true;
          regex = string(v, path, regex, errors);
        }
        case "modulus" -> modulus = uint64(v, path, errors);
        case "target_label" -> targetLabel = string(v, path, targetLabel, errors);
        case "replacement" -> replacement = string(v, path, replacement, errors);
        case "action" -> {
          if (v == null) {
            action = null;
            errors.add(path + ": relabel action cannot be empty");
          } else {
            String name = string(v, path, null, errors);
            action = name == null ? null : RelabelAction.fromYaml(name);
            if (name != null && action == null) {
              errors.add(path + ": unknown relabel action " + GoStrings.quote(name));
            }
          }
          actionKnown = action != null;
        }
        default -> errors.add(keyPath + ": field " + key + " not found");
      }
    }

    Pattern pattern = DEFAULT_PATTERN;
    if (RegexNesting.tooDeep(regex)) {
      // Refused before RE2/J's recursive compiler sees it (Go's words; Prometheus refuses it too).
      errors.add(keyPath + ".regex: error parsing regexp: " + RegexNesting.MESSAGE);
    } else if (!regex.equals(DEFAULT_REGEX)) {
      try {
        pattern = anchored(regex);
      } catch (PatternSyntaxException ex) {
        // RE2/J words this exactly as Go does, anchoring included:
        // error parsing regexp: missing closing ): `^(?:(abc)$`
        errors.add(keyPath + ".regex: " + ex.getMessage());
      }
    }

    if (actionKnown) {
      validate(keyPath, action, sourceLabelsSet, separator, regexSet, modulus, targetLabel,
          replacement, errors);
    }
    if (errors.size() != errorsBefore) {
      return null;
    }
    return new RelabelConfig(
        sourceLabels, separator, regex, pattern, modulus, targetLabel, replacement, action);
  }

  /** Prometheus's checks, in its order; each problem reported once, against its key. */
  private static void validate(
      String keyPath,
      RelabelAction action,
      boolean sourceLabelsSet,
      String separator,
      boolean regexSet,
      long modulus,
      String target,
      String replacement,
      List<String> errors) {
    if (action == RelabelAction.HASHMOD && modulus == 0) {
      errors.add(keyPath + ".modulus: relabel configuration for hashmod requires non-zero modulus");
    }
    if (NEEDS_TARGET.contains(action)) {
      boolean valid;
      if (target.isEmpty()) {
        errors.add(keyPath + ".target_label: relabel configuration for " + action
            + " action requires 'target_label' value");
        valid = true; // reported
      } else if (action == RelabelAction.REPLACE) {
        valid = target.indexOf('$') < 0
            ? Labels.isLabelName(target)
            : RELABEL_TARGET.matcher(target).find();
      } else {
        valid = Labels.isLabelName(target);
      }
      if (!valid) {
        errors.add(keyPath + ".target_label: " + GoStrings.quote(target) + " is invalid 'target_label' for "
            + action + " action");
      }
    }
    boolean replacementSet = !replacement.equals(DEFAULT_REPLACEMENT);
    if (NO_REPLACEMENT.contains(action) && replacementSet) {
      errors.add(keyPath + ".replacement: 'replacement' can not be set for " + action + " action");
    }
    if (action == RelabelAction.LABELMAP && !RELABEL_TARGET.matcher(replacement).find()) {
      errors.add(keyPath + ".replacement: " + GoStrings.quote(replacement)
          + " is invalid 'replacement' for labelmap action");
    }
    if (action == RelabelAction.KEEPEQUAL || action == RelabelAction.DROPEQUAL) {
      // Prometheus compares the regex by identity with the default: setting it at all is an
      // error, even to "(.*)". replacement was reported above.
      String only = " action requires only 'source_labels' and `target_label`, and no other fields";
      if (regexSet) {
        errors.add(keyPath + ".regex: " + action + only);
      }
      if (modulus != 0) {
        errors.add(keyPath + ".modulus: " + action + only);
      }
      if (!separator.equals(DEFAULT_SEPARATOR)) {
        errors.add(keyPath + ".separator: " + action + only);
      }
    }
    if (action == RelabelAction.LABELDROP || action == RelabelAction.LABELKEEP) {
      String only = " action requires only 'regex', and no other fields";
      if (sourceLabelsSet) {
        errors.add(keyPath + ".source_labels: " + action + only);
      }
      if (!target.isEmpty()) {
        errors.add(keyPath + ".target_label: " + action + only);
      }
      if (modulus != 0) {
        errors.add(keyPath + ".modulus: " + action + only);
      }
      if (!separator.equals(DEFAULT_SEPARATOR)) {
        errors.add(keyPath + ".separator: " + action + only);
      }
      if (replacementSet) {
        errors.add(keyPath + ".replacement: " + action + only);
      }
    }
  }

  /** Prometheus compiles every relabel regex as {@code ^(?:re)$}: fully anchored. */
  static Pattern anchored(String regex) {
    return Pattern.compile(Matcher.anchor(regex));
  }

  private static List<String> labelNames(Object v, String path, List<String> errors) {
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      errors.add(path + ": expected a list of label names, got " + describe(v));
      return List.of();
    }
    List<String> names = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String name = string(list.get(i), path + "[" + i + "]", null, errors);
      if (name == null) {
        continue;
      }
      if (!Labels.isLabelName(name)) {
        errors.add(path + "[" + i + "]: " + GoStrings.quote(name) + " is not a valid label name");
      }
      names.add(name);
    }
    return Collections.unmodifiableList(names);
  }

  /**
   * A YAML scalar as text; null becomes "". Like yaml.v2 a number or boolean is accepted for a
   * string, though SnakeYAML hands us its value, not its spelling ({@code 0x1F} arrives as 31).
   * On a type error, reports it and returns {@code fallback}.
   */
  private static String string(Object v, String path, String fallback, List<String> errors) {
    if (v == null) {
      return "";
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    errors.add(path + ": expected a string, got " + describe(v));
    return fallback;
  }

  private static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);

  /** A YAML integer in [0, 2^64), returned as the bits of a Go uint64. */
  private static long uint64(Object v, String path, List<String> errors) {
    if (v == null) {
      return 0;
    }
    if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger b && b.signum() >= 0 && b.compareTo(UINT64_LIMIT) < 0) {
      return b.longValue();
    }
    errors.add(path + ": expected an unsigned 64-bit integer, got " + describe(v));
    return 0;
  }

  static String describe(Object v) {
    if (v instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (v instanceof List<?>) {
      return "a list";
    }
    if (v instanceof String s) {
      return "the string " + GoStrings.quote(s);
    }
    return String.valueOf(v);
  }

  public List<String> sourceLabels() {
    return sourceLabels;
  }

  public String separator() {
    return separator;
  }

  /** The regex as written, without the anchoring Prometheus adds. */
  public String regex() {
    return regex;
  }

  Pattern pattern() {
    return pattern;
  }

  /** Unsigned, as Prometheus's uint64: use {@link Long#toUnsignedString(long)} to print it. */
  public long modulus() {
    return modulus;
  }

  public String targetLabel() {
    return targetLabel;
  }

  public String replacement() {
    return replacement;
  }

  public RelabelAction action() {
    return action;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RelabelConfig c
        && modulus == c.modulus
        && action == c.action
        && sourceLabels.equals(c.sourceLabels)
        && separator.equals(c.separator)
        && regex.equals(c.regex)
        && targetLabel.equals(c.targetLabel)
        && replacement.equals(c.replacement);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        sourceLabels, separator, regex, modulus, targetLabel, replacement, action);
  }

  /** Flow-style YAML, for logs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    if (!sourceLabels.isEmpty()) {
      sb.append("source_labels: ").append(sourceLabels).append(", ");
    }
    sb.append("separator: ").append(GoStrings.quote(separator))
        .append(", regex: ").append(GoStrings.quote(regex));
    if (modulus != 0) {
      sb.append(", modulus: ").append(Long.toUnsignedString(modulus));
    }
    if (!targetLabel.isEmpty()) {
      sb.append(", target_label: ").append(GoStrings.quote(targetLabel));
    }
    return sb.append(", replacement: ").append(GoStrings.quote(replacement))
        .append(", action: ").append(action).append('}').toString();
  }

  /**
   * One user rule as YAML, only the keys that differ from Prometheus's defaults: keepequal,
   * dropequal, labeldrop and labelkeep refuse some keys even at their default values.
   */
  public Map<String, Object> toYaml() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!sourceLabels().isEmpty()) {
      m.put("source_labels", new ArrayList<>(sourceLabels()));
    }
    if (!separator().equals(";")) {
      m.put("separator", separator());
    }
    if (!regex().equals("(.*)")) {
      m.put("regex", regex());
    }
    if (modulus() != 0) {
      m.put("modulus", modulus() > 0
          ? (Object) modulus()
          : new BigInteger(Long.toUnsignedString(modulus())));
    }
    if (!targetLabel().isEmpty()) {
      m.put("target_label", targetLabel());
    }
    if (!replacement().equals("$1")) {
      m.put("replacement", replacement());
    }
    m.put("action", action().yamlName());
    return m;
  }
}
