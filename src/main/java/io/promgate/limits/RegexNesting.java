package io.promgate.limits;

/**
 * The nesting limit Go's regexp parser enforces ({@code maxHeight = 1000}: "expression nests too
 * deeply"), checked before RE2/J compiles a pattern: RE2/J's parser and compiler recurse once per
 * nesting level, so a regex nested 5,000 deep overflows the thread's stack instead of being refused.
 * Prometheus refuses such a regex with Go's message; promgate refuses it with the same words
 * wherever it accepts one (remote-read matchers, /federate selectors, relabel configs).
 */
public final class RegexNesting {
  /** Go's regexp/syntax maxHeight. */
  public static final int MAX_DEPTH = 1000;

  /** Go's error text for the condition. */
  public static final String MESSAGE = "expression nests too deeply";

  private RegexNesting() {}

  /** The deepest group nesting of {@code re}: parentheses outside character classes, escapes skipped. */
  public static int depth(String re) {
    int depth = 0;
    int max = 0;
    boolean inClass = false;
    for (int i = 0; i < re.length(); i++) {
      char c = re.charAt(i);
      if (c == '\\') {
        i++; // the escaped character is a literal (or a class like \d)
      } else if (inClass) {
        if (c == ']') {
          inClass = false;
        }
      } else if (c == '[') {
        inClass = true;
        // a ']' right after '[' or '[^' is a literal member
        if (i + 1 < re.length() && re.charAt(i + 1) == '^') {
          i++;
        }
        if (i + 1 < re.length() && re.charAt(i + 1) == ']') {
          i++;
        }
      } else if (c == '(') {
        depth++;
        max = Math.max(max, depth);
      } else if (c == ')' && depth > 0) {
        depth--;
      }
    }
    return max;
  }

  /** True when {@code re} nests deeper than Go (and so Prometheus) accepts. */
  public static boolean tooDeep(String re) {
    // A cheap bound first: fewer '(' than the limit cannot nest past it.
    int open = 0;
    for (int i = 0; i < re.length() && open <= MAX_DEPTH; i++) {
      if (re.charAt(i) == '(') {
        open++;
      }
    }
    return open > MAX_DEPTH && depth(re) > MAX_DEPTH;
  }
}
