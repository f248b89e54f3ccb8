package io.promgate.relabel;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code replacement} or {@code target_label} template compiled against one regex, expanded the
 * way Go's {@code regexp.Expand} does (Prometheus uses it for replace and, through
 * {@code ReplaceAllString}, for labelmap). RE2/J's {@code appendReplacement} is Java syntax and
 * differs, so this is done by hand:
 *
 * <ul>
 *   <li>{@code $1 ${1} $name ${name}} refer to groups; a name is the longest run of Unicode
 *       letters, digits and {@code _}, so {@code $1x} is the group named "1x", not group 1;
 *   <li>a reference to a group that does not exist or did not participate expands to "";
 *   <li>{@code $$} is a literal {@code $}; a malformed reference ({@code $} at the end, {@code ${}
 *       or {@code ${x} without the closing brace, {@code $-}) leaves the {@code $} as text.
 * </ul>
 *
 * References are resolved to group indices once here, so expansion is a walk over two arrays.
 */
final class Expansion {
  /** Go parses all-digit names as numbers only up to this many digits, then as names. */
  private static final int GO_MAX_GROUP_NUMBER = 100_000_000;

  private final String[] literals; // literals[i] precedes groups[i]; one more literal at the end
  private final int[] groups; // group index, or -1 for a reference that can never match
  private final String constant; // the whole expansion when there is no reference
  private final int soleGroup; // the template is exactly one reference to this group, else -1
  final int maxGroup;

  private Expansion(String[] literals, int[] groups) {
    this.literals = literals;
    this.groups = groups;
    this.constant = groups.length == 0 ? literals[0] : null;
    this.soleGroup =
        groups.length == 1 && literals[0].isEmpty() && literals[1].isEmpty() ? groups[0] : -1;
    int max = 0;
    for (int g : groups) {
      max = Math.max(max, g);
    }
    this.maxGroup = max;
  }

  static Expansion compile(String template, Pattern regex) {
    List<String> literals = new ArrayList<>();
    List<Integer> groups = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    int n = template.length();
    int i = 0;
    while (i < n) {
      int dollar = template.indexOf('$', i);
      if (dollar < 0) {
        break;
      }
      lit.append(template, i, dollar);
      i = dollar + 1;
      if (i < n && template.charAt(i) == '$') {
        lit.append('$');
        i++;
        continue;
      }
      int p = i;
      boolean brace = p < n && template.charAt(p) == '{';
      if (brace) {
        p++;
      }
      int nameStart = p;
      while (p < n) {
        int cp = template.codePointAt(p);
        if (!Character.isLetter(cp) && !Character.isDigit(cp) && cp != '_') {
          break;
        }
        p += Character.charCount(cp);
      }
      if (p == nameStart || (brace && (p == n || template.charAt(p) != '}'))) {
        lit.append('$'); // malformed: Go keeps the '$' and goes on right after it
        continue;
      }
      String name = template.substring(nameStart, p);
      i = brace ? p + 1 : p;
      literals.add(lit.toString());
      lit.setLength(0);
      groups.add(resolve(name, regex));
    }
    lit.append(template, i, n);
    literals.add(lit.toString());
    return new Expansion(
        literals.toArray(new String[0]), groups.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Go's {@code extract}: ASCII digits without a leading zero are a number, else a name. */
  private static int resolve(String name, Pattern regex) {
    int num = 0;
    for (int i = 0; i < name.length() && num >= 0; i++) {
      char c = name.charAt(i);
      num = c < '0' || c > '9' || num >= GO_MAX_GROUP_NUMBER ? -1 : num * 10 + (c - '0');
    }
    if (name.length() > 1 && name.charAt(0) == '0') {
      num = -1;
    }
    if (num >= 0) {
      return num <= regex.groupCount() ? num : -1;
    }
    Map<String, Integer> named = regex.namedGroups();
    Integer g = named.get(name);
    return g == null ? -1 : g;
  }

  boolean isConstant() {
    return constant != null;
  }

  /** The expansion when {@link #isConstant()}, else null. */
  String constant() {
    return constant;
  }

  /**
   * Expands against {@code src}, whose group {@code g} spans {@code spans[2g]..spans[2g+1]}
   * ({@code -1} when it did not participate). Returns the constant, {@code src} itself when the
   * template is a lone reference covering all of it (the default {@code $1} over {@code (.*)}, so
   * the common rule copies nothing), or {@code out} holding the result.
   */
  CharSequence expand(CharSequence src, int[] spans, StringBuilder out) {
    if (constant != null) {
      return constant;
    }
    if (soleGroup >= 0
        && src instanceof String
        && spans[2 * soleGroup] == 0
        && spans[2 * soleGroup + 1] == src.length()) {
      return src;
    }
    out.setLength(0);
    appendTo(out, src, spans);
    return out;
  }

  void appendTo(StringBuilder out, CharSequence src, int[] spans) {
    for (int k = 0; k < groups.length; k++) {
      out.append(literals[k]);
      int g = groups[k];
      if (g >= 0 && spans[2 * g] >= 0) {
        out.append(src, spans[2 * g], spans[2 * g + 1]);
      }
    }
    out.append(literals[groups.length]);
  }
}
