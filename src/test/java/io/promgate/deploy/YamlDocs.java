package io.promgate.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deploy files as plain YAML trees (maps, lists, scalars), with a path navigator whose
 * failure names the file and the path, so a broken manifest reads as {@code deployment.yaml:
 * spec.template.spec.containers[0].readinessProbe: missing}.
 */
final class YamlDocs {
  private YamlDocs() {}

  /** Every document of a (multi-document) YAML file; empty documents are skipped. */
  static List<Object> loadAll(Path file) {
    List<Object> docs = new ArrayList<>();
    for (Object doc : yaml().loadAll(read(file))) {
      if (doc != null) {
        docs.add(doc);
      }
    }
    return docs;
  }

  static Object load(Path file) {
    return yaml().load(read(file));
  }

  static Object load(String text) {
    return yaml().load(text);
  }

  /**
   * The node at {@code path} (map keys as strings, list indices as integers) under {@code node};
   * fails the test when a step is missing or of the wrong kind.
   */
  static Object at(String where, Object node, Object... path) {
    Object n = node;
    StringBuilder walked = new StringBuilder();
    for (Object step : path) {
      if (step instanceof Integer i) {
        walked.append('[').append(i).append(']');
        if (!(n instanceof List<?> list) || i >= list.size()) {
          return fail(where + ": " + walked + ": missing (not a list of " + (i + 1) + "+ items)");
        }
        n = list.get(i);
      } else {
        walked.append(walked.length() == 0 ? "" : ".").append(step);
        if (!(n instanceof Map<?, ?> map) || !map.containsKey(step)) {
          return fail(where + ": " + walked + ": missing");
        }
        n = map.get(step);
      }
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(String where, Object node, Object... path) {
    Object n = at(where, node, path);
    if (!(n instanceof Map)) {
      return fail(where + ": " + List.of(path) + ": expected a mapping, got " + n);
    }
    return (Map<String, Object>) n;
  }

  static List<?> list(String where, Object node, Object... path) {
    Object n = at(where, node, path);
    if (!(n instanceof List<?> l)) {
      return fail(where + ": " + List.of(path) + ": expected a list, got " + n);
    }
    return l;
  }

  static String string(String where, Object node, Object... path) {
    return String.valueOf(at(where, node, path));
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    // Kubernetes and Prometheus refuse duplicate keys; a silently overwritten key is a bug here.
    options.setAllowDuplicateKeys(false);
    return new Yaml(new SafeConstructor(options));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
