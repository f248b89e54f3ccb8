package io.promgate.model;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.promgate.limits.RegexNesting;
import java.util.Objects;

/**
 * A Prometheus label matcher ({@code name="v"}, {@code !=}, {@code =~}, {@code !~}) with the exact
 * semantics of Prometheus 2.x {@code labels.Matcher}:
 *
 * <ul>
 *   <li>a label the series lacks has the value "" — so {@code l=""} selects series without
 *       {@code l}, {@code l!=""} those with it, and any regex that matches "" also matches series
 *       without the label;
 *   <li>regexes are RE2 (RE2/J here, the same engine family as Go: linear time, so a hostile
 *       {@code match[]} cannot stall us) and fully anchored as {@code ^(?:re)$}, the way
 *       Prometheus 2.x compiles them. {@code .} does not match a newline (2.x; 3.x adds (?s)).
 * </ul>
 */
public final class Matcher {
  /** The four matcher types, in remote-read protobuf order (EQ=0, NEQ=1, RE=2, NRE=3). */
  public enum Type {
    EQ("="),
    NEQ("!="),
    RE("=~"),
    NRE("!~");

    private final String op;

    Type(String op) {
      this.op = op;
    }

    public String op() {
      return op;
    }

    public boolean isRegex() {
      return this == RE || this == NRE;
    }

    /** By remote-read protobuf enum number; null when unknown. */
    public static Type ofProto(int n) {
      return n >= 0 && n < values().length ? values()[n] : null;
    }
  }

  private final Type type;
  private final String name;
  private final String value;
  private final Pattern pattern;

  private Matcher(Type type, String name, String value, Pattern pattern) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.pattern = pattern;
  }

  /**
   * @throws IllegalArgumentException with RE2's message when a regex does not compile
   */
  /**
   * A regex as Prometheus applies it, label matchers and relabel rules alike: fully anchored,
   * {@code ^(?:re)$}, so it must match the whole value.
   */
  public static String anchor(String re) {
    return "^(?:" + re + ")$";
  }

  public static Matcher of(Type type, String name, String value) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Pattern p = null;
    if (type.isRegex()) {
      if (RegexNesting.tooDeep(value)) {
        // RE2/J would recurse once per level and overflow the stack; Go refuses past 1,000
        throw new IllegalArgumentException("invalid regular expression in matcher for label \"" + name
            + "\": " + RegexNesting.MESSAGE);
      }
      try {
        p = Pattern.compile(anchor(value));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("invalid regular expression \"" + value + "\" in matcher for label \""
            + name + "\": " + e.getDescription(), e);
      }
    }
    return new Matcher(type, name, value, p);
  }

  public Type type() {
    return type;
  }

  public String name() {
    return name;
  }

  public String value() {
    return value;
  }

  /** Matches the value of this matcher's label; pass "" for an absent label. */
  public boolean matches(String v) {
    return switch (type) {
      case EQ -> value.equals(v);
      case NEQ -> !value.equals(v);
      case RE -> pattern.matches(v);
      case NRE -> !pattern.matches(v);
    };
  }

  public boolean matches(Labels labels) {
    return matches(labels.get(name));
  }

  /** Whether a series without this label is selected. */
  public boolean matchesEmpty() {
    return matches("");
  }

  /** The compiled anchored pattern, for regex matchers; null otherwise. */
  public Pattern pattern() {
    return pattern;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Matcher m && type == m.type && name.equals(m.name) && value.equals(m.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, name, value);
  }

  /** Prometheus's rendering: {@code name=~"value"}. */
  @Override
  public String toString() {
    return name + type.op + '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
