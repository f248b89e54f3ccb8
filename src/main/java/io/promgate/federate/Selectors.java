package io.promgate.federate;

import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import java.util.ArrayList;
import java.util.List;

/**
 * The union of a request's {@code match[]} selectors (SPEC §5), split for speed: matchers on
 * {@code __name__} are evaluated once per metric family ({@link #forFamily}), the others once per
 * series ({@link #matches}). A selector with no matchers at all ({@code {}}) selects nothing,
 * as Prometheus's TSDB answers an empty matcher list with no series.
 */
final class Selectors {
  private final List<String> raw;
  private final Matcher[][] nameMatchers;
  private final Matcher[][] labelMatchers;
  private final boolean[] empty;

  private Selectors(List<String> raw, List<List<Matcher>> parsed) {
    this.raw = List.copyOf(raw);
    int n = parsed.size();
    nameMatchers = new Matcher[n][];
    labelMatchers = new Matcher[n][];
    empty = new boolean[n];
    for (int i = 0; i < n; i++) {
      List<Matcher> names = new ArrayList<>();
      List<Matcher> labels = new ArrayList<>();
      for (Matcher m : parsed.get(i)) {
        (m.name().equals(Labels.METRIC_NAME) ? names : labels).add(m);
      }
      nameMatchers[i] = names.toArray(Matcher[]::new);
      labelMatchers[i] = labels.toArray(Matcher[]::new);
      empty[i] = parsed.get(i).isEmpty();
    }
  }

  /**
   * Parses every {@code match[]} value.
   *
   * @throws SelectorParseException for the first one that does not parse
   */
  static Selectors parse(List<String> matchParams) throws SelectorParseException {
    List<List<Matcher>> parsed = new ArrayList<>(matchParams.size());
    for (String s : matchParams) {
      parsed.add(SelectorParser.parse(s));
    }
    return new Selectors(matchParams, parsed);
  }

  /** The selectors as given, to forward to upstreams. */
  List<String> raw() {
    return raw;
  }

  boolean isEmpty() {
    return raw.isEmpty();
  }

  /**
   * The per-series matcher sets of the selectors whose name matchers accept {@code metricName},
   * or null when none can select a series of this family. An empty inner array selects every
   * series of the family.
   */
  Matcher[][] forFamily(String metricName) {
    List<Matcher[]> out = null;
    for (int i = 0; i < nameMatchers.length; i++) {
      if (empty[i] || !all(nameMatchers[i], metricName)) {
        continue;
      }
      if (labelMatchers[i].length == 0) {
        return new Matcher[][] {labelMatchers[i]}; // the whole family: no other selector can add anything
      }
      if (out == null) {
        out = new ArrayList<>(2);
      }
      out.add(labelMatchers[i]);
    }
    return out == null ? null : out.toArray(Matcher[][]::new);
  }

  /** Whether any of the family's matcher sets (from {@link #forFamily}) accepts {@code labels}. */
  static boolean matches(Matcher[][] family, Labels labels) {
    for (Matcher[] set : family) {
      boolean all = true;
      for (Matcher m : set) {
        if (!m.matches(labels)) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  private static boolean all(Matcher[] ms, String value) {
    for (Matcher m : ms) {
      if (!m.matches(value)) {
        return false;
      }
    }
    return true;
  }

  /** The name matchers of every selector that could match anything, for storage push-down. */
  Matcher[][] nameMatchers() {
    List<Matcher[]> out = new ArrayList<>();
    for (int i = 0; i < nameMatchers.length; i++) {
      if (!empty[i]) {
        out.add(nameMatchers[i]);
      }
    }
    return out.toArray(Matcher[][]::new);
  }
}
