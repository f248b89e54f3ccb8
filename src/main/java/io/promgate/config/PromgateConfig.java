package io.promgate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * One immutable snapshot of promgate.yml. Handlers read the current snapshot once per request
 * (see {@link ConfigHolder}); a reload builds a whole new one and swaps a single reference, so
 * a request never sees half of one file and half of another.
 */
public record PromgateConfig(
    String source, Map<String, String> externalLabels, InfluxDbConfig influxdb, RemoteWriteConfig remoteWrite,
    RemoteReadConfig remoteRead) {

  /** The configuration used when no file is given: every default. */
  public static PromgateConfig defaults() {
    try {
      return parse("<defaults>", "");
    } catch (ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  public static PromgateConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot read file: " + e));
    }
    return parse(file.toString(), text);
  }

  /** Parses and validates the whole document, collecting every error before failing. */
  public static PromgateConfig parse(String source, String yamlText) throws ConfigException {
    List<String> errors = new ArrayList<>();
    Object doc;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(50);
      doc = new Yaml(new SafeConstructor(options)).load(yamlText);
    } catch (YAMLException e) {
      throw new ConfigException(source, List.of("invalid YAML: " + e.getMessage().replace('\n', ' ')));
    }
    YamlTree root = YamlTree.root(doc, errors);
    YamlTree global = root.child("global");
    Map<String, String> externalLabels = global.stringMap("external_labels");
    global.rejectUnknownKeys();
    YamlTree storage = root.child("storage");
    InfluxDbConfig influx = InfluxDbConfig.read(storage.child("influxdb"));
    storage.rejectUnknownKeys();
    RemoteWriteConfig remoteWrite = RemoteWriteConfig.read(root.child("remote_write"));
    RemoteReadConfig remoteRead = RemoteReadConfig.read(root.child("remote_read"));
    root.rejectUnknownKeys();
    if (!errors.isEmpty()) {
      throw new ConfigException(source, errors);
    }
    return new PromgateConfig(source, Map.copyOf(externalLabels), influx, remoteWrite, remoteRead);
  }
}
