package io.promgate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * One immutable snapshot of promgate.yml. Handlers read the current snapshot once per request
 * (held by {@code Gateway} together with the storage clients built for it); a reload builds a
 * whole new one and swaps a single reference, so a request never sees half of one file and half
 * of another.
 */
public record PromgateConfig(
    String source,
    Map<String, String> externalLabels,
    InfluxDbConfig influxdb,
    RemoteWriteConfig remoteWrite,
    WebConfig web,
    TenancyConfig tenancy,
    ShardingConfig sharding,
    FederationConfig federation,
    RemoteReadConfig remoteRead) {

  /**
   * YAML 1.1 would turn the label value {@code yes} into a boolean, {@code 0x1F} into 31 and
   * {@code 1.50} into 1.5, so the string a user wrote would not be the string promgate uses
   * (Prometheus, decoding into typed string fields, keeps the text). Only {@code true/false},
   * canonical decimal integers (whose text round-trips exactly) and null are resolved; every
   * other plain scalar stays the string as written.
   */
  static final class TextKeepingResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL,
          Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF");
      addImplicitResolver(Tag.INT,
          Pattern.compile("^(?:0|-?[1-9][0-9]*)$"), "-0123456789");
      addImplicitResolver(Tag.NULL,
          Pattern.compile("^(?:~|null|Null|NULL| )$"), "~nN\0");
      addImplicitResolver(Tag.NULL, Pattern.compile("^$"), null);
      addImplicitResolver(Tag.MERGE, Pattern.compile("^(?:<<)$"), "<");
    }
  }

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

  /**
   * SnakeYAML's message quotes the offending lines, which may hold a password or token: only the
   * problem and its position are reported.
   */
  static String yamlError(YAMLException e) {
    if (e instanceof MarkedYAMLException m) {
      var mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
      String where = mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
      String what = m.getProblem() != null ? m.getProblem() : m.getContext();
      return "invalid YAML: " + where + (what == null ? "syntax error" : what.replace('\n', ' '));
    }
    // Other YAML errors (duplicate keys, alias limits) name keys, not values.
    String msg = String.valueOf(e.getMessage());
    int nl = msg.indexOf('\n');
    return "invalid YAML: " + Redaction.url(nl < 0 ? msg : msg.substring(0, nl));
  }

  /** Parses and validates the whole document, collecting every error before failing. */
  public static PromgateConfig parse(String source, String yamlText) throws ConfigException {
    List<String> errors = new ArrayList<>();
    Object doc;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(50);
      doc = new Yaml(new SafeConstructor(options), new Representer(
          new DumperOptions()), new DumperOptions(), options, new TextKeepingResolver())
          .load(yamlText);
    } catch (YAMLException e) {
      throw new ConfigException(source, List.of(yamlError(e)));
    }
    YamlTree root = YamlTree.root(doc, errors);
    YamlTree global = root.child("global");
    Map<String, String> externalLabels = global.stringMap("external_labels");
    global.rejectUnknownKeys();
    YamlTree storage = root.child("storage");
    InfluxDbConfig influx = InfluxDbConfig.read(storage.child("influxdb"));
    storage.rejectUnknownKeys();
    RemoteWriteConfig remoteWrite = RemoteWriteConfig.read(root.child("remote_write"));
    WebConfig web = WebConfig.read(root.child("web"));
    TenancyConfig tenancy = TenancyConfig.read(root.child("tenancy"));
    ShardingConfig sharding = ShardingConfig.read(root, "sharding", source);
    FederationConfig federation = FederationConfig.read(root.child("federation"));
    RemoteReadConfig remoteRead = RemoteReadConfig.read(root.child("remote_read"));
    root.rejectUnknownKeys();
    if (!errors.isEmpty()) {
      throw new ConfigException(source, errors);
    }
    return new PromgateConfig(source, Map.copyOf(externalLabels), influx, remoteWrite, web, tenancy, sharding, federation, remoteRead);
  }
}
