package io.promgate.relabel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a YAML list of relabel rules, such as {@code write_relabel_configs}. */
public final class RelabelConfigs {
  private RelabelConfigs() {}

  /**
   * Reads every rule of {@code yamlList} (null reads as no rules), appending each problem to
   * {@code errors} as {@code "<keyPath>[i].<key>: <message>"}. Returns the valid rules; the caller
   * rejects the whole configuration when {@code errors} grew.
   *
   * @param keyPath where the list sits, e.g. {@code remote_write[0].write_relabel_configs}
   */
  public static List<RelabelConfig> parse(List<?> yamlList, String keyPath, List<String> errors) {
    if (yamlList == null) {
      return List.of();
    }
    List<RelabelConfig> configs = new ArrayList<>(yamlList.size());
    for (int i = 0; i < yamlList.size(); i++) {
      Object item = yamlList.get(i);
      String path = keyPath + "[" + i + "]";
      if (item == null) {
        // Prometheus rejects a bare "-" too, rather than reading it as a default rule.
        errors.add(path + ": empty or null relabeling rule");
      } else if (item instanceof Map<?, ?> map) {
        RelabelConfig c = RelabelConfig.fromYaml(map, path, errors);
        if (c != null) {
          configs.add(c);
        }
      } else {
        errors.add(path + ": expected a mapping, got " + RelabelConfig.describe(item));
      }
    }
    return List.copyOf(configs);
  }
}
