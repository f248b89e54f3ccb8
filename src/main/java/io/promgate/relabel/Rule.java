package io.promgate.relabel;

import com.google.re2j.Pattern;

/** One {@link RelabelConfig} prepared for {@link Relabeler}: templates parsed, names in arrays. */
final class Rule {
  final RelabelAction action;
  final int slot; // index of this rule's cached Matcher in Scratch
  final String[] sourceLabels;
  final String separator;
  final Pattern regex;
  /**
   * The regex is the default {@code (.*)}. Anchored and without the {@code s} flag (Prometheus
   * 2.x), it matches exactly the values without a newline, with group 1 spanning the whole value,
   * so Scratch can skip running it.
   */
  final boolean anyLine;
  final long modulus; // unsigned
  final String target; // target_label, or null when it has $ references (replace only)
  final Expansion targetExpansion;
  final Expansion replacement;
  final int spanLength; // 2 * (highest group any template refers to + 1)

  Rule(RelabelConfig c, int slot) {
    this.action = c.action();
    this.slot = slot;
    this.sourceLabels = c.sourceLabels().toArray(new String[0]);
    this.separator = c.separator();
    this.regex = c.pattern();
    this.anyLine = c.regex().equals(RelabelConfig.DEFAULT_REGEX);
    this.modulus = c.modulus();
    // Only replace expands target_label; the others use it verbatim (validated as a name).
    this.targetExpansion =
        action == RelabelAction.REPLACE ? Expansion.compile(c.targetLabel(), regex) : null;
    this.target = targetExpansion == null ? c.targetLabel() : targetExpansion.constant();
    this.replacement = Expansion.compile(c.replacement(), regex);
    int max = replacement.maxGroup;
    if (targetExpansion != null) {
      max = Math.max(max, targetExpansion.maxGroup);
    }
    this.spanLength = 2 * (max + 1);
  }
}
