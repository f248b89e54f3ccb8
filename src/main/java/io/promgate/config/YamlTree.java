package io.promgate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cursor over one YAML mapping of promgate.yml that remembers its key path, so that every
 * problem is reported as {@code storage.influxdb.timeout: not a duration: "3x"} and collected
 * rather than thrown: the whole file is validated before anyone sees the first error
 * (Micrometer's config validation works the same way). Unknown keys are errors, as in
 * Prometheus ({@code field foo not found in type ...}), because a typo in a limit is otherwise
 * silently ignored.
 */
public final class YamlTree {
  private static final Pattern DURATION =
      Pattern.compile("(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");

  private final String path;
  private final Map<String, Object> map;
  private final List<String> errors;
  private final Set<String> read = new HashSet<>();

  private YamlTree(String path, Map<String, Object> map, List<String> errors) {
    this.path = path;
    this.map = map;
    this.errors = errors;
  }

  @SuppressWarnings("unchecked")
  public static YamlTree root(Object parsed, List<String> errors) {
    if (parsed == null) {
      return new YamlTree("", Map.of(), errors);
    }
    if (!(parsed instanceof Map)) {
      errors.add("top level: expected a mapping, got " + kind(parsed));
      return new YamlTree("", Map.of(), errors);
    }
    return new YamlTree("", (Map<String, Object>) parsed, errors);
  }

  public String path() {
    return path;
  }

  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public void error(String key, String message) {
    errors.add(pathOf(key) + ": " + Redaction.url(message));
  }

  public List<String> errors() {
    return errors;
  }

  public boolean has(String key) {
    read.add(key);
    return map.containsKey(key) && map.get(key) != null;
  }

  /** The nested mapping at {@code key}, or an empty one when absent. */
  @SuppressWarnings("unchecked")
  public YamlTree child(String key) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      return new YamlTree(pathOf(key), Map.of(), errors);
    }
    if (!(v instanceof Map)) {
      error(key, "expected a mapping, got " + kind(key, v));
      return new YamlTree(pathOf(key), Map.of(), errors);
    }
    return new YamlTree(pathOf(key), (Map<String, Object>) v, errors);
  }

  /** The list at {@code key}, or an empty list when absent. */
  public List<?> list(String key) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> l)) {
      error(key, "expected a list, got " + kind(key, v));
      return List.of();
    }
    return l;
  }

  /** Each element of the list at {@code key} as a mapping cursor named {@code key[i]}. */
  @SuppressWarnings("unchecked")
  public List<YamlTree> children(String key) {
    List<?> l = list(key);
    List<YamlTree> out = new ArrayList<>(l.size());
    for (int i = 0; i < l.size(); i++) {
      Object e = l.get(i);
      String p = pathOf(key) + "[" + i + "]";
      if (e instanceof Map) {
        out.add(new YamlTree(p, (Map<String, Object>) e, errors));
      } else {
        errors.add(p + ": expected a mapping, got " + kind(key, e));
      }
    }
    return out;
  }

  /**
   * The value at {@code key} as {@code convert} makes it, or {@code dflt} when absent or when
   * {@code convert} refused it (returned null after recording the error).
   */
  private <T> T typed(String key, T dflt, BiFunction<String, Object, T> convert) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      return dflt;
    }
    T t = convert.apply(key, v);
    return t == null ? dflt : t;
  }

  public String string(String key, String dflt) {
    return typed(key, dflt, (k, v) -> {
      if (v instanceof String s) {
        return s;
      }
      if (v instanceof Number || v instanceof Boolean) {
        return String.valueOf(v);
      }
      error(k, "expected a string, got " + kind(k, v));
      return null;
    });
  }

  public boolean bool(String key, boolean dflt) {
    return typed(key, dflt, (k, v) -> {
      if (v instanceof Boolean b) {
        return b;
      }
      error(k, "expected true or false, got " + quote(k, v));
      return null;
    });
  }

  /** A whole number within {@code [min, max]}. */
  public long integer(String key, long dflt, long min, long max) {
    return typed(key, dflt, (k, v) -> {
      if (!(v instanceof Integer || v instanceof Long)) {
        error(k, "expected a whole number, got " + quote(k, v));
        return null;
      }
      long n = ((Number) v).longValue();
      if (n < min || n > max) {
        error(k, "must be between " + min + " and " + max + ", got " + n);
        return null;
      }
      return n;
    });
  }

  /** A Prometheus-style duration ({@code 30s}, {@code 1m30s}, {@code 500ms}), strictly positive. */
  public Duration duration(String key, Duration dflt) {
    return typed(key, dflt, (k, v) -> {
      Duration d = parseDuration(String.valueOf(v));
      if (d == null || d.isZero()) {
        error(k, "not a positive duration (like 30s, 1m, 1h30m, 500ms): " + quote(k, v));
        return null;
      }
      return d;
    });
  }

  /** A byte size: a whole number of bytes or a number with B, KB/KiB, MB/MiB, GB/GiB (base 2). */
  public long bytes(String key, long dflt, long min, long max) {
    return typed(key, dflt, (k, v) -> byteSize(k, v, min, max));
  }

  private Long byteSize(String key, Object v, long min, long max) {
    Matcher m = SIZE.matcher(String.valueOf(v).trim());
    if (!m.matches()) {
      error(key, "not a byte size (like 10MiB or 1048576): " + quote(key, v));
      return null;
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      error(key, "byte size too large: " + quote(key, v));
      return null;
    }
    String unit = m.group(2) == null ? "B" : m.group(2);
    int shift =
        switch (unit) {
          case "KB", "KiB" -> 10;
          case "MB", "MiB" -> 20;
          case "GB", "GiB" -> 30;
          default -> 0;
        };
    if (n > (max >> shift)) {
      error(key, "must be at most " + max + " bytes, got " + quote(key, v));
      return null;
    }
    n <<= shift;
    if (n < min) {
      error(key, "must be at least " + min + " bytes, got " + quote(key, v));
      return null;
    }
    return n;
  }

  /** A mapping of strings to strings (labels, headers). */
  public Map<String, String> stringMap(String key) {
    YamlTree c = child(key);
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : c.map.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Map || v instanceof List) {
        c.error(String.valueOf(e.getKey()), "expected a string, got " + c.kind(String.valueOf(e.getKey()), v));
      } else {
        out.put(String.valueOf(e.getKey()), v == null ? "" : String.valueOf(v));
      }
    }
    return out;
  }

  /** {@code key} or, Prometheus-style, the trimmed contents of {@code key_file}; not both. */
  public String secret(String key) {
    String inline = string(key, "");
    String file = string(key + "_file", "");
    if (file.isEmpty()) {
      return inline;
    }
    if (!inline.isEmpty()) {
      error(key + "_file", "set either " + key + " or " + key + "_file, not both");
      return inline;
    }
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      error(key + "_file", "cannot read \"" + file + "\": " + e.getMessage());
      return "";
    }
  }

  /** Reports every key of this mapping that no getter asked for. Call after reading it. */
  public void rejectUnknownKeys() {
    for (String k : map.keySet()) {
      if (!read.contains(k)) {
        errors.add((path.isEmpty() ? "" : path + ": ") + "unknown field \"" + k + "\"");
      }
    }
  }

  /** Parses a Prometheus duration; null when malformed. */
  public static Duration parseDuration(String s) {
    s = s.trim();
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      return null;
    }
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      return null;
    }
    long[] unitsMs = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1};
    long ms = 0;
    try {
      for (int i = 0; i < unitsMs.length; i++) {
        String g = m.group(i + 1);
        if (g != null) {
          ms = Math.addExact(ms, Math.multiplyExact(Long.parseLong(g), unitsMs[i]));
        }
      }
    } catch (ArithmeticException | NumberFormatException e) {
      return null;
    }
    return Duration.ofMillis(ms);
  }

  /** {@link #kind(Object)} unless {@code key} holds a secret: its value is never echoed. */
  private String kind(String key, Object v) {
    if (Redaction.secretKey(pathOf(key)) && !(v instanceof Map) && !(v instanceof List)) {
      return "a value (not shown: secret)";
    }
    return key.equals("url") || key.endsWith("_url") ? Redaction.url(kind(v)) : kind(v);
  }

  private String quote(String key, Object v) {
    if (Redaction.secretKey(pathOf(key))) {
      return "a value (not shown: secret)";
    }
    return Redaction.url(quote(v));
  }

  private static String kind(Object v) {
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    return quote(v);
  }

  private static String quote(Object v) {
    return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
  }
}
