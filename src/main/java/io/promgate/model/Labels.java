package io.promgate.model;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * An immutable, canonical Prometheus label set: sorted by name in Go's string order ({@link
 * #compare(String, String)}), no duplicate names, no empty values (a label set to "" is the same
 * as an absent label, see Prometheus {@code labels.Builder}). Hashed once. Label sets compare as
 * Prometheus's {@code labels.Compare} does ({@link #compareTo}), the order of series in a
 * remote-read answer (SPEC §3).
 *
 * <p>Stored as one flat array {@code [name0, value0, name1, value1, ...]} so iteration and
 * comparison touch a single object, the way Micrometer's {@code Tags} keeps its array.
 */
public final class Labels implements Comparable<Labels> {
  public static final String METRIC_NAME = "__name__";
  public static final Labels EMPTY = new Labels(new String[0]);

  private final String[] nv;
  private final int hash;

  private Labels(String[] nv) {
    this.nv = nv;
    this.hash = Arrays.hashCode(nv);
  }

  /** Builds from alternating names and values, in any order; empty values are dropped. */
  public static Labels of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("odd number of names and values: " + namesAndValues.length);
    }
    Builder b = new Builder(namesAndValues.length / 2);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.set(namesAndValues[i], namesAndValues[i + 1]);
    }
    return b.build();
  }

  public static Labels of(Map<String, String> map) {
    Builder b = new Builder(map.size());
    map.forEach(b::set);
    return b.build();
  }

  public int size() {
    return nv.length >> 1;
  }

  public boolean isEmpty() {
    return nv.length == 0;
  }

  public String name(int i) {
    return nv[i << 1];
  }

  public String value(int i) {
    return nv[(i << 1) + 1];
  }

  /** The value of {@code name}, or "" when absent (Prometheus semantics: absent == empty). */
  public String get(String name) {
    int i = indexOf(name);
    return i < 0 ? "" : nv[(i << 1) + 1];
  }

  public boolean has(String name) {
    return indexOf(name) >= 0;
  }

  public String metricName() {
    return get(METRIC_NAME);
  }

  /** Binary search by name; returns the pair index or {@code -(insertion point) - 1}. */
  public int indexOf(String name) {
    return search(nv, size(), name);
  }

  /** Binary search over the first {@code size} names of a flat name/value array. */
  private static int search(String[] nv, int size, String name) {
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = compare(nv[mid << 1], name);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -(lo + 1);
  }

  public void forEach(BiConsumer<String, String> action) {
    for (int i = 0; i < nv.length; i += 2) {
      action.accept(nv[i], nv[i + 1]);
    }
  }

  public Builder toBuilder() {
    Builder b = new Builder(size() + 2);
    System.arraycopy(nv, 0, b.nv, 0, nv.length);
    b.size = size();
    return b;
  }

  /**
   * Prometheus's {@code labels.Compare}: label pairs in turn, name then value, in Go's string
   * order; the shorter set first on a tie.
   */
  @Override
  public int compareTo(Labels o) {
    int n = Math.min(nv.length, o.nv.length);
    for (int i = 0; i < n; i++) {
      int c = compare(nv[i], o.nv[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(nv.length, o.nv.length);
  }

  /**
   * Go's string order: byte by byte of the UTF-8 forms, which is code point order. Java's {@link
   * String#compareTo} compares UTF-16 units instead, and differs when a supplementary character
   * (a surrogate pair, D800..DFFF) meets a character in U+E000..U+FFFF.
   */
  public static int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        if (x >= 0xD800 && y >= 0xD800) {
          return codePointRank(x) - codePointRank(y);
        }
        return x - y;
      }
    }
    return a.length() - b.length();
  }

  /** Moves surrogates (which stand for code points above FFFF) above E000..FFFF. */
  private static int codePointRank(char c) {
    return c >= 0xE000 ? c - 0x800 : c + 0x2000;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Labels other && hash == other.hash && Arrays.equals(nv, other.nv);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Prometheus's own rendering: {@code {a="1", b="2"}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append('{');
    for (int i = 0; i < nv.length; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(nv[i]).append("=\"");
      String v = nv[i + 1];
      for (int j = 0; j < v.length(); j++) {
        char c = v.charAt(j);
        switch (c) {
          case '\\' -> sb.append("\\\\");
          case '"' -> sb.append("\\\"");
          case '\n' -> sb.append("\\n");
          default -> sb.append(c);
        }
      }
      sb.append('"');
    }
    return sb.append('}').toString();
  }

  /**
   * A mutable, reusable label set under construction, kept sorted on every change so that
   * {@link #build()} is a copy, not a sort. Setting a value to "" deletes the label, as in
   * Prometheus's {@code labels.Builder}. Not thread-safe.
   */
  public static final class Builder {
    private String[] nv;
    private int size;

    public Builder() {
      this(8);
    }

    public Builder(int capacity) {
      nv = new String[Math.max(2, capacity * 2)];
    }

    /** Resets this builder to hold exactly {@code base}. */
    public Builder reset(Labels base) {
      if (nv.length < base.nv.length) {
        nv = new String[base.nv.length + 4];
      }
      System.arraycopy(base.nv, 0, nv, 0, base.nv.length);
      Arrays.fill(nv, base.nv.length, size * 2 > base.nv.length ? size * 2 : base.nv.length, null);
      size = base.size();
      return this;
    }

    public Builder clear() {
      Arrays.fill(nv, 0, size * 2, null);
      size = 0;
      return this;
    }

    public int size() {
      return size;
    }

    public String name(int i) {
      return nv[i << 1];
    }

    public String value(int i) {
      return nv[(i << 1) + 1];
    }

    public String get(String name) {
      int i = find(name);
      return i < 0 ? "" : nv[(i << 1) + 1];
    }

    public Builder set(String name, String value) {
      Objects.requireNonNull(name, "name");
      if (value == null || value.isEmpty()) {
        return del(name);
      }
      int i = find(name);
      if (i >= 0) {
        nv[(i << 1) + 1] = value;
        return this;
      }
      int at = -(i + 1);
      if ((size + 1) * 2 > nv.length) {
        nv = Arrays.copyOf(nv, nv.length * 2);
      }
      System.arraycopy(nv, at * 2, nv, at * 2 + 2, (size - at) * 2);
      nv[at * 2] = name;
      nv[at * 2 + 1] = value;
      size++;
      return this;
    }

    public Builder del(String name) {
      int i = find(name);
      if (i >= 0) {
        System.arraycopy(nv, i * 2 + 2, nv, i * 2, (size - i - 1) * 2);
        size--;
        nv[size * 2] = null;
        nv[size * 2 + 1] = null;
      }
      return this;
    }

    private int find(String name) {
      return search(nv, size, name);
    }

    public Labels build() {
      return size == 0 ? EMPTY : new Labels(Arrays.copyOf(nv, size * 2));
    }
  }

  /** Prometheus 2.x label names: {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
  public static boolean isLabelName(CharSequence name) {
    int n = name.length();
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
