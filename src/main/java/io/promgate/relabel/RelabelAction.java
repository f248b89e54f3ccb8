package io.promgate.relabel;

import io.promgate.model.Labels;

/**
 * The relabel actions of Prometheus {@code model/relabel/relabel.go} (v2.42), each carrying its
 * behaviour. Every action first builds the source value: the values of {@code source_labels}
 * joined by {@code separator}, a missing label counting as "".
 */
public enum RelabelAction {
  /** Sets {@code target_label} to the expanded {@code replacement} when the regex matches. */
  REPLACE("replace") {
    @Override
    boolean apply(Rule r, Scratch s) {
      CharSequence src = s.sourceValue(r);
      int[] spans = s.match(r, src);
      if (spans == null) {
        return true; // no match, no replacement
      }
      String target = r.target;
      if (target == null) {
        CharSequence expanded = r.targetExpansion.expand(src, spans, s.out());
        // Prometheus skips the rule, without error, when the expanded name is not a label name.
        if (!Labels.isLabelName(expanded)) {
          return true;
        }
        target = expanded.toString();
      }
      // An empty result deletes the (expanded) target, as current Prometheus does. 2.42 deleted
      // the unexpanded target_label instead: a no-op when that holds $-references.
      s.set(target, r.replacement.expand(src, spans, s.out()));
      return true;
    }
  },
  /** Drops the series unless the source value matches. */
  KEEP("keep") {
    @Override
    boolean apply(Rule r, Scratch s) {
      return s.find(r, s.sourceValue(r));
    }
  },
  /** Drops the series when the source value matches. */
  DROP("drop") {
    @Override
    boolean apply(Rule r, Scratch s) {
      return !s.find(r, s.sourceValue(r));
    }
  },
  /** Drops the series unless the source value equals the value of {@code target_label}. */
  KEEPEQUAL("keepequal") {
    @Override
    boolean apply(Rule r, Scratch s) {
      return s.get(r.target).contentEquals(s.sourceValue(r));
    }
  },
  /** Drops the series when the source value equals the value of {@code target_label}. */
  DROPEQUAL("dropequal") {
    @Override
    boolean apply(Rule r, Scratch s) {
      return !s.get(r.target).contentEquals(s.sourceValue(r));
    }
  },
  /** Sets {@code target_label} to md5(source value) mod {@code modulus}, unsigned. */
  HASHMOD("hashmod") {
    @Override
    boolean apply(Rule r, Scratch s) {
      long mod = Relabeler.unsignedHashmod(s.sourceValue(r), r.modulus);
      s.set(r.target, Long.toUnsignedString(mod));
      return true;
    }
  },
  /** Copies every label whose name matches to the name given by the expanded replacement. */
  LABELMAP("labelmap") {
    @Override
    boolean apply(Rule r, Scratch s) {
      // Prometheus ranges over the labels as they were when this rule started, in name order,
      // and sets as it goes (later wins on a clash): collect first, so our own sets cannot
      // shift or feed the iteration.
      int n = s.size();
      String[] pending = s.pending(2 * n);
      int k = 0;
      for (int i = 0; i < n; i++) {
        String mapped = s.replaceAll(r, s.name(i));
        if (mapped != null) {
          pending[k++] = mapped;
          pending[k++] = s.value(i);
        }
      }
      for (int j = 0; j < k; j += 2) {
        // Like Prometheus, the mapped name is not validated (it may even be empty).
        s.set(pending[j], pending[j + 1]);
        pending[j] = null;
        pending[j + 1] = null;
      }
      return true;
    }
  },
  /** Removes every label whose name matches. */
  LABELDROP("labeldrop") {
    @Override
    boolean apply(Rule r, Scratch s) {
      removeLabels(r, s, true);
      return true;
    }
  },
  /** Removes every label whose name does not match. */
  LABELKEEP("labelkeep") {
    @Override
    boolean apply(Rule r, Scratch s) {
      removeLabels(r, s, false);
      return true;
    }
  },
  /** Sets {@code target_label} to the lower-cased source value. */
  LOWERCASE("lowercase") {
    @Override
    boolean apply(Rule r, Scratch s) {
      s.set(r.target, mapCase(s.sourceValue(r), false));
      return true;
    }
  },
  /** Sets {@code target_label} to the upper-cased source value. */
  UPPERCASE("uppercase") {
    @Override
    boolean apply(Rule r, Scratch s) {
      s.set(r.target, mapCase(s.sourceValue(r), true));
      return true;
    }
  };

  private final String yamlName;

  RelabelAction(String yamlName) {
    this.yamlName = yamlName;
  }

  /** The name used in YAML and in Prometheus's messages, e.g. {@code labelmap}. */
  public String yamlName() {
    return yamlName;
  }

  /**
   * The action named {@code name}, compared case-insensitively as Prometheus does, or null when
   * there is none.
   */
  public static RelabelAction fromYaml(String name) {
    String lower = mapCase(name, false);
    for (RelabelAction a : values()) {
      if (a.yamlName.equals(lower)) {
        return a;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return yamlName;
  }

  /** Applies this action to the label set in {@code s}; false means drop the series. */
  abstract boolean apply(Rule r, Scratch s);

  private static void removeLabels(Rule r, Scratch s, boolean removeMatching) {
    // Backwards, so that removing label i never moves a label still to be visited.
    for (int i = s.size() - 1; i >= 0; i--) {
      String name = s.name(i);
      if (s.find(r, name) == removeMatching) {
        s.set(name, "");
      }
    }
  }

  /**
   * Go's {@code strings.ToLower/ToUpper}: a simple one-to-one mapping per code point. Java's
   * {@code String.toLowerCase} differs on purpose-built cases ("İ" becomes two chars, final sigma,
   * "ß" upper-cases to "SS"), which would change label values Prometheus leaves alone.
   */
  static String mapCase(CharSequence v, boolean upper) {
    int n = v.length();
    int i = 0;
    while (i < n) {
      int cp = Character.codePointAt(v, i);
      if ((upper ? Character.toUpperCase(cp) : Character.toLowerCase(cp)) != cp) {
        break;
      }
      i += Character.charCount(cp);
    }
    if (i == n) {
      return v.toString(); // unchanged: a String returns itself, no copy
    }
    StringBuilder sb = new StringBuilder(n).append(v, 0, i);
    while (i < n) {
      int cp = Character.codePointAt(v, i);
      sb.appendCodePoint(upper ? Character.toUpperCase(cp) : Character.toLowerCase(cp));
      i += Character.charCount(cp);
    }
    return sb.toString();
  }
}
