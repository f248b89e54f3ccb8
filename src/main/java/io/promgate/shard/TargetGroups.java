package io.promgate.shard;

import io.promgate.model.Labels;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The Prometheus service-discovery format (SPEC §7): a list of
 * {@code {"targets": ["host:port", ...], "labels": {...}}}, read from file_sd files (JSON or YAML)
 * and http_sd answers (JSON), and written for {@code /sd/shards/{i}}.
 *
 * <p>Reading follows Prometheus's {@code targetgroup.Group} unmarshalling: unknown fields are
 * errors in both formats (JSON {@code DisallowUnknownFields}, YAML {@code UnmarshalStrict}), JSON
 * field names match case-insensitively as Go's encoding/json does, label names must be valid, a
 * null group is an error ("nil target group item found") and a null list is no groups. YAML, like
 * yaml.v2, takes any scalar where a string is expected; JSON does not. Then the source's meta
 * label is set on every group, replacing any the document carried, as Prometheus does.
 *
 * <p>Input is hostile: the caller bounds its size ({@link #MAX_BYTES}) before it gets here, and
 * every problem is one {@link SdFormatException} naming the element.
 */
final class TargetGroups {
  /** Largest file_sd file or http_sd answer read: about 200k targets. */
  static final int MAX_BYTES = 16 << 20;

  private TargetGroups() {}

  /**
   * Parses a JSON document. {@code source} prefixes each group's source id; {@code metaLabel}
   * ({@code __meta_filepath}, {@code __meta_url}) is set to {@code metaValue} on every group.
   */
  static List<TargetGroup> parseJson(Buffer json, String source, String metaLabel, String metaValue)
      throws SdFormatException {
    Object doc;
    try {
      doc = Json.decodeValue(json);
    } catch (DecodeException e) {
      throw new SdFormatException("invalid JSON: " + oneLine(e.getMessage()));
    }
    return groups(doc, false, source, metaLabel, metaValue);
  }

  /**
   * Parses a YAML document, as {@link #parseJson} does a JSON one. Scalars keep their spelling,
   * as yaml.v2 gives them to a Go string ({@code yes}, {@code on}, {@code 0x1F} stay text; a
   * SnakeYAML object tree would make them {@code true} and {@code 31}), so the YAML is composed
   * into nodes and walked here.
   */
  static List<TargetGroup> parseYaml(String yaml, String source, String metaLabel, String metaValue)
      throws SdFormatException {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setMaxAliasesForCollections(50);
      options.setCodePointLimit(MAX_BYTES);
      root = new Yaml(new SafeConstructor(options)).compose(new StringReader(yaml));
    } catch (YAMLException e) {
      throw new SdFormatException("invalid YAML: " + oneLine(e.getMessage()));
    }
    return groups(root == null ? null : plain(root, new int[] {0}), true, source, metaLabel, metaValue);
  }

  /** Largest number of YAML nodes walked, aliases expanded: bounds an alias bomb's expansion. */
  private static final int MAX_YAML_NODES = 1 << 20;

  /** A YAML node as List / Map / String, null for a null scalar. */
  private static Object plain(Node node, int[] count) throws SdFormatException {
    if (++count[0] > MAX_YAML_NODES) {
      throw new SdFormatException("invalid YAML: more than " + MAX_YAML_NODES + " nodes");
    }
    if (node instanceof ScalarNode s) {
      return s.getTag().equals(Tag.NULL) ? null : s.getValue();
    }
    if (node instanceof SequenceNode q) {
      List<Object> out = new ArrayList<>(q.getValue().size());
      for (Node n : q.getValue()) {
        out.add(plain(n, count));
      }
      return out;
    }
    MappingNode m = (MappingNode) node;
    Map<String, Object> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      Object key = plain(t.getKeyNode(), count);
      if (!(key instanceof String k)) {
        throw new SdFormatException("invalid YAML: line " + (t.getKeyNode().getStartMark().getLine() + 1)
            + ": mapping key is not a string");
      }
      if (out.containsKey(k)) {
        // yaml.v2 UnmarshalStrict: "mapping key ... already defined".
        throw new SdFormatException("invalid YAML: line " + (t.getKeyNode().getStartMark().getLine() + 1)
            + ": mapping key \"" + k + "\" already defined");
      }
      out.put(k, plain(t.getValueNode(), count));
    }
    return out;
  }

  private static List<TargetGroup> groups(
      Object doc, boolean yaml, String source, String metaLabel, String metaValue)
      throws SdFormatException {
    if (doc == null) {
      return List.of();
    }
    List<?> list = asList(doc);
    if (list == null) {
      throw new SdFormatException("expected a list of target groups, got " + kind(doc));
    }
    List<TargetGroup> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      Object e = list.get(i);
      String at = "[" + i + "]";
      if (e == null) {
        throw new SdFormatException(at + ": nil target group item found");
      }
      Map<?, ?> group = asMap(e);
      if (group == null) {
        throw new SdFormatException(at + ": expected a target group mapping, got " + kind(e));
      }
      List<String> targets = List.of();
      TreeMap<String, String> labels = new TreeMap<>();
      for (Map.Entry<?, ?> f : group.entrySet()) {
        String key = String.valueOf(f.getKey());
        if (field(key, "targets", yaml)) {
          targets = targets(f.getValue(), at + ".targets", yaml);
        } else if (field(key, "labels", yaml)) {
          labels = labels(f.getValue(), at + ".labels", yaml);
        } else {
          throw new SdFormatException(at + ": unknown field \"" + key + "\"");
        }
      }
      if (metaLabel != null) {
        labels.put(metaLabel, metaValue);
      }
      out.add(new TargetGroup(source + ":" + i, targets, Collections.unmodifiableMap(labels)));
    }
    return List.copyOf(out);
  }

  private static boolean field(String key, String name, boolean yaml) {
    return yaml ? key.equals(name) : key.equalsIgnoreCase(name);
  }

  private static List<String> targets(Object v, String at, boolean yaml) throws SdFormatException {
    if (v == null) {
      return List.of();
    }
    List<?> list = asList(v);
    if (list == null) {
      throw new SdFormatException(at + ": expected a list of host:port strings, got " + kind(v));
    }
    List<String> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(string(list.get(i), at + "[" + i + "]", yaml));
    }
    return List.copyOf(out);
  }

  private static TreeMap<String, String> labels(Object v, String at, boolean yaml)
      throws SdFormatException {
    TreeMap<String, String> out = new TreeMap<>();
    if (v == null) {
      return out;
    }
    Map<?, ?> map = asMap(v);
    if (map == null) {
      throw new SdFormatException(at + ": expected a mapping of label names to values, got " + kind(v));
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = String.valueOf(e.getKey());
      if (!Labels.isLabelName(name)) {
        throw new SdFormatException(at + ": \"" + name + "\" is not a valid label name");
      }
      out.put(name, string(e.getValue(), at + "." + name, yaml));
    }
    return out;
  }

  /** A string where Go expects one; null is Go's zero value "". */
  private static String string(Object v, String at, boolean yaml) throws SdFormatException {
    if (v == null) {
      return "";
    }
    if (v instanceof String s) {
      return s;
    }
    if (yaml && (v instanceof Number || v instanceof Boolean)) {
      return String.valueOf(v);
    }
    throw new SdFormatException(at + ": expected a string, got " + kind(v));
  }

  private static List<?> asList(Object v) {
    return v instanceof JsonArray a ? a.getList() : v instanceof List<?> l ? l : null;
  }

  private static Map<?, ?> asMap(Object v) {
    return v instanceof JsonObject o ? o.getMap() : v instanceof Map<?, ?> m ? m : null;
  }

  private static String kind(Object v) {
    if (asMap(v) != null) {
      return "a mapping";
    }
    if (asList(v) != null) {
      return "a list";
    }
    if (v instanceof String s) {
      return "the string \"" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "\"";
    }
    return String.valueOf(v);
  }

  private static String oneLine(String s) {
    String line = s == null ? "" : s.replaceAll("\\s+", " ").trim();
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }


  /** The http_sd JSON for {@code groups}, labels as given (meta labels included). */
  static Buffer toJson(List<TargetGroup> groups) {
    JsonArray out = new JsonArray(new ArrayList<>(groups.size()));
    for (TargetGroup g : groups) {
      out.add(new JsonObject()
          .put("targets", new JsonArray(new ArrayList<Object>(g.targets())))
          .put("labels", new JsonObject(new LinkedHashMap<String, Object>(g.labels()))));
    }
    return out.toBuffer();
  }
}
