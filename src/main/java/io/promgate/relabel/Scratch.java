package io.promgate.relabel;

import com.google.re2j.Matcher;
import io.promgate.model.Labels;

/**
 * Per-thread working state of one {@link Relabeler}: the label set being relabeled plus reusable
 * buffers and one RE2/J {@link Matcher} per rule, so a series that passes through costs no
 * allocation beyond what the rules themselves produce.
 *
 * <p>The label set is copy-on-write: rules read the input {@link Labels} until the first real
 * change copies it into the builder. Rules that only filter or that change nothing (the common
 * case for write_relabel_configs) therefore hand back the input instance itself.
 */
final class Scratch {
  private final Labels.Builder builder = new Labels.Builder(16);
  private final StringBuilder joined = new StringBuilder(64); // source value of >1 label
  private final StringBuilder out = new StringBuilder(64); // expansion results
  private final Matcher[] matchers;
  private final int[] spans;
  private String[] pending = new String[16];
  private Labels in;
  private boolean copied;

  Scratch(int rules, int spanLength) {
    this.matchers = new Matcher[rules];
    this.spans = new int[Math.max(4, spanLength)];
  }

  void begin(Labels labels) {
    in = labels;
    copied = false;
  }

  /** The relabeled set: the input itself when nothing changed. */
  Labels finish() {
    Labels result = copied ? builder.build() : in;
    in = null;
    return result;
  }

  void abandon() {
    in = null;
  }

  String get(String name) {
    return copied ? builder.get(name) : in.get(name);
  }

  int size() {
    return copied ? builder.size() : in.size();
  }

  String name(int i) {
    return copied ? builder.name(i) : in.name(i);
  }

  String value(int i) {
    return copied ? builder.value(i) : in.value(i);
  }

  /** Sets {@code name}; an empty value deletes it. Copies the input only on a real change. */
  void set(String name, CharSequence value) {
    if (get(name).contentEquals(value)) {
      return;
    }
    if (!copied) {
      builder.reset(in);
      copied = true;
    }
    builder.set(name, value.toString());
  }

  StringBuilder out() {
    return out;
  }

  String[] pending(int capacity) {
    if (pending.length < capacity) {
      pending = new String[Math.max(capacity, pending.length * 2)];
    }
    return pending;
  }

  /** The values of the rule's source labels joined by its separator; valid until the next call. */
  CharSequence sourceValue(Rule r) {
    String[] names = r.sourceLabels;
    switch (names.length) {
      case 0:
        return "";
      case 1:
        return get(names[0]);
      default:
        joined.setLength(0);
        joined.append(get(names[0]));
        for (int i = 1; i < names.length; i++) {
          joined.append(r.separator).append(get(names[i]));
        }
        return joined;
    }
  }

  /**
   * Whether the rule's regex matches {@code input}. The regex was compiled as Prometheus 2.x
   * compiles it, {@code ^(?:re)$}, and is searched with find(), as Go's MatchString does, rather
   * than with matches(): for a regex like {@code a)|(b} the wrapper does not anchor both ends,
   * and Prometheus then matches "ax" too.
   */
  boolean find(Rule r, CharSequence input) {
    if (r.anyLine) {
      return indexOfNewline(input) < 0;
    }
    return matcher(r, input).find();
  }

  /** Group spans of the first match of the rule's regex in {@code input}, or null. */
  int[] match(Rule r, CharSequence input) {
    if (r.anyLine) {
      if (indexOfNewline(input) >= 0) {
        return null;
      }
      spans[0] = 0;
      spans[1] = input.length();
      spans[2] = 0;
      spans[3] = input.length();
      return spans;
    }
    Matcher m = matcher(r, input);
    if (!m.find()) {
      return null;
    }
    loadSpans(r, m);
    return spans;
  }

  /**
   * Go's {@code ReplaceAllString(name, replacement)}, as labelmap uses it, or null when the regex
   * does not match at all.
   */
  String replaceAll(Rule r, String src) {
    Matcher m = matcher(r, src);
    if (!m.find()) {
      return null;
    }
    int len = src.length();
    if (m.start() == 0 && m.end() == len) {
      // The normal anchored case: one match covering everything. (A further match could only be
      // empty at the end, and Go does not expand an empty match right after another match.)
      loadSpans(r, m);
      return r.replacement.expand(src, spans, out).toString();
    }
    // Only reachable when the regex escapes the ^(?:...)$ wrapper, e.g. "a)|(b": replicate Go.
    StringBuilder res = new StringBuilder(len + 16);
    int lastEnd = 0;
    int searchPos = 0;
    boolean found = true;
    while (found) {
      int start = m.start();
      int end = m.end();
      res.append(src, lastEnd, start);
      if (end > lastEnd || start == 0) {
        loadSpans(r, m);
        r.replacement.appendTo(res, src, spans);
      }
      lastEnd = end;
      int width = searchPos < len ? Character.charCount(src.codePointAt(searchPos)) : 0;
      if (searchPos + width > end) {
        searchPos += width;
      } else if (searchPos + 1 > end) {
        searchPos++;
      } else {
        searchPos = end;
      }
      found = searchPos <= len && m.find(searchPos);
    }
    res.append(src, lastEnd, len);
    return res.toString();
  }

  private Matcher matcher(Rule r, CharSequence input) {
    Matcher m = matchers[r.slot];
    if (m == null) {
      m = r.regex.matcher(input);
      matchers[r.slot] = m;
      return m;
    }
    return m.reset(input);
  }

  private void loadSpans(Rule r, Matcher m) {
    for (int g = 0, i = 0; i < r.spanLength; g++, i += 2) {
      spans[i] = m.start(g);
      spans[i + 1] = m.end(g);
    }
  }

  private static int indexOfNewline(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        return i;
      }
    }
    return -1;
  }
}
