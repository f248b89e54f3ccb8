package io.promgate.deploy;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The metric names a PromQL expression (a Grafana panel query or an alerting rule) selects, so
 * that a test can check each against what promgate exports. A scanner, not a parser: it skips
 * string literals, label matchers ({@code {...}}), ranges ({@code [...]}), Grafana variables
 * ({@code $job}, {@code ${job}}, {@code $__rate_interval}) and the label lists of {@code by},
 * {@code without}, {@code on}, {@code ignoring}, {@code group_left} and {@code group_right};
 * an identifier followed by {@code (} is a function. Of the identifiers left, the metric names
 * are those of promgate, the JVM and the process ({@code promgate_}, {@code jvm_},
 * {@code process_}) and Prometheus's {@code up}: other words (aggregations, keywords, units of
 * numbers) never start that way. A selector by {@code {__name__="..."}} is not seen.
 */
final class PromQlNames {
  private static final Set<String> LABEL_LIST_KEYWORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  /** One PromQL expression and where it is used (a panel, a template variable, an alert). */
  record Query(String where, String expr) {}

  private PromQlNames() {}

  static Set<String> metricNames(String expr) {
    Set<String> names = new LinkedHashSet<>();
    int i = 0;
    int n = expr.length();
    while (i < n) {
      char c = expr.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = skipString(expr, i);
      } else if (c == '{') {
        i = skipBlock(expr, i, '{', '}');
      } else if (c == '[') {
        i = skipBlock(expr, i, '[', ']');
      } else if (c == '#') {
        while (i < n && expr.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '$') {
        i++;
        if (i < n && expr.charAt(i) == '{') {
          i = skipBlock(expr, i, '{', '}');
        } else {
          while (i < n && isIdentifierPart(expr.charAt(i))) {
            i++;
          }
        }
      } else if (isIdentifierStart(c)) {
        int start = i;
        while (i < n && isIdentifierPart(expr.charAt(i))) {
          i++;
        }
        String word = expr.substring(start, i);
        int next = skipSpace(expr, i);
        if (LABEL_LIST_KEYWORDS.contains(word)) {
          if (next < n && expr.charAt(next) == '(') {
            i = skipBlock(expr, next, '(', ')');
          }
        } else if (next < n && expr.charAt(next) == '(') {
          // a function or aggregation: its arguments are scanned next
        } else if (isMetricName(word)) {
          names.add(word);
        }
      } else if (Character.isDigit(c) || c == '.') {
        // a number or duration (1e3, 0x1f, 5m): never a name
        while (i < n && (isIdentifierPart(expr.charAt(i)) || expr.charAt(i) == '.')) {
          i++;
        }
      } else {
        i++;
      }
    }
    return names;
  }

  private static boolean isMetricName(String word) {
    return word.equals("up") || word.startsWith("promgate_") || word.startsWith("jvm_")
        || word.startsWith("process_");
  }

  private static boolean isIdentifierStart(char c) {
    return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isIdentifierPart(char c) {
    return isIdentifierStart(c) || (c >= '0' && c <= '9');
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /** Index after the string literal starting at {@code i}; backquoted strings have no escapes. */
  private static int skipString(String s, int i) {
    char quote = s.charAt(i++);
    while (i < s.length()) {
      char c = s.charAt(i++);
      if (c == '\\' && quote != '`') {
        i++;
      } else if (c == quote) {
        return i;
      }
    }
    throw new IllegalArgumentException("unterminated string in: " + s);
  }

  /** Index after the bracket matching the one at {@code i}, skipping strings inside. */
  private static int skipBlock(String s, int i, char open, char close) {
    int depth = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = skipString(s, i);
        continue;
      }
      if (c == open) {
        depth++;
      } else if (c == close && --depth == 0) {
        return i + 1;
      }
      i++;
    }
    throw new IllegalArgumentException("unbalanced " + open + close + " in: " + s);
  }
}
