package io.promgate.config;

import io.promgate.model.Labels;
import io.promgate.relabel.RelabelConfig;
import io.promgate.relabel.RelabelConfigs;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code sharding}: which targets promgate discovers and how it splits them over {@code modulus}
 * shard Prometheus servers (SPEC §6 hashmod, §7 http_sd). Absent section: {@link #DISABLED}.
 *
 * <p>The target sources read like a Prometheus scrape_config's ({@code static_configs},
 * {@code file_sd_configs}, {@code http_sd_configs}) and so do the scrape settings
 * ({@code job_name}, {@code scheme}, {@code metrics_path}, {@code scrape_interval},
 * {@code scrape_timeout}): Prometheus adds those as {@code job}, {@code __scheme__},
 * {@code __metrics_path__}, {@code __scrape_interval__} and {@code __scrape_timeout__} to every
 * target <em>before</em> relabeling, so a {@code relabel_configs} rule may read them, and promgate
 * must add the very values the generated slave config sets. That is why they are promgate keys
 * rather than left to the slave.
 *
 * <p>Relative {@code file_sd_configs} paths are joined with the config file's directory, as
 * Prometheus does; the result is what {@code __meta_filepath} holds.
 *
 * <p>For the generated slave configs only: {@code shard_label} (default {@code shard}, "" for
 * none) names the external label each slave gets, its shard index, as the seed's {@code slave: 1};
 * {@code sd_refresh_interval} (default 1m) is the refresh_interval of the slave's http_sd_configs
 * pointing at promgate.
 *
 * <p>Healing (issue 14): {@code shard_urls} (one base URL per shard, index i for shard i) are the
 * shard Prometheus servers promgate probes ({@code /-/ready}); {@code failover_after} (0 = off)
 * is how long a shard must fail every probe before its targets go to the live shards, and how
 * long it must pass every probe before they come back; {@code algorithm} picks how a target's
 * home shard is computed: Prometheus {@code hashmod} (default, bit-exact) or {@code rendezvous}
 * (highest random weight), which moves only about 1/M of the targets when the modulus changes.
 */
public record ShardingConfig(
    int modulus,
    List<String> sourceLabels,
    String jobName,
    String scheme,
    String metricsPath,
    Duration scrapeInterval,
    Duration scrapeTimeout,
    String shardLabel,
    Duration sdRefreshInterval,
    List<StaticConfig> staticConfigs,
    List<FileSdConfig> fileSdConfigs,
    List<HttpSdConfig> httpSdConfigs,
    List<RelabelConfig> relabelConfigs,
    List<URI> shardUrls,
    Duration failoverAfter,
    Algorithm algorithm) {

  /** How a target's home shard is computed from the hash of its {@code source_labels}. */
  public enum Algorithm {
    /** Prometheus's {@code hashmod}: md5, low 64 bits, modulo the modulus (SPEC §6). */
    HASHMOD("hashmod"),
    /** Highest random weight over the shards; no Prometheus relabel rule can express it. */
    RENDEZVOUS("rendezvous");

    private final String yamlName;

    Algorithm(String yamlName) {
      this.yamlName = yamlName;
    }

    public String yamlName() {
      return yamlName;
    }

    static Algorithm of(String name) {
      for (Algorithm a : values()) {
        if (a.yamlName.equals(name)) {
          return a;
        }
      }
      return null;
    }
  }

  /** Upper bound of {@code modulus}: one gauge per shard, one endpoint per shard. */
  public static final int MAX_MODULUS = 1024;

  public static final ShardingConfig DISABLED =
      new ShardingConfig(0, List.of("__address__"), "sharded", "http", "/metrics",
          Duration.ofMinutes(1), Duration.ofSeconds(10), "shard", Duration.ofMinutes(1),
          List.of(), List.of(), List.of(), List.of(), List.of(), Duration.ZERO, Algorithm.HASHMOD);

  /** Prometheus {@code patFileSDName}: a glob only in the last element, a known extension. */
  private static final Pattern FILE_SD_NAME =
      Pattern.compile("^[^*]*(\\*[^/]*)?\\.(json|yml|yaml|JSON|YML|YAML)$");

  /** One {@code static_configs} entry: targets are {@code __address__} values. */
  public record StaticConfig(List<String> targets, Map<String, String> labels) {}

  /** One {@code file_sd_configs} entry; {@code files} already joined with the config's dir. */
  public record FileSdConfig(List<FileGlob> files, Duration refreshInterval) {}

  /**
   * One {@code files} pattern: {@code pattern} as joined with the config directory, the
   * directory to list ({@code ""} for the working directory, else ending in {@code /}), and the
   * compiled file-name glob, null when the pattern names a single file.
   */
  public record FileGlob(String pattern, String dir, Pattern name) {
    /** The path Prometheus reports for a listed file name: {@code filepath.Join(dir, file)}. */
    public String path(String fileName) {
      return dir + fileName;
    }

    // By pattern: the rest is derived from it, and Pattern has identity equality, which would
    // make every reload see a changed sharding section.
    @Override
    public boolean equals(Object o) {
      return o instanceof FileGlob g && pattern.equals(g.pattern);
    }

    @Override
    public int hashCode() {
      return pattern.hashCode();
    }
  }

  /** One {@code http_sd_configs} entry. */
  public record HttpSdConfig(String url, Duration refreshInterval) {}

  public boolean enabled() {
    return modulus > 0;
  }

  /** Whether a shard that stays down gives its targets to the live shards. */
  public boolean failover() {
    return !failoverAfter.isZero();
  }

  /**
   * Whether the generated slave configs can carry the hashmod {@code keep} guard: not when a
   * target may be scraped by another shard than its hashmod one (failover, rendezvous).
   */
  public boolean keepGuard() {
    return algorithm == Algorithm.HASHMOD && !failover();
  }

  /**
   * Reads the {@code sharding} mapping; {@code configSource} names the config file, whose
   * directory relative file_sd paths are joined with.
   */
  static ShardingConfig read(YamlTree parent, String key, String configSource) {
    if (!parent.has(key)) {
      return DISABLED;
    }
    YamlTree t = parent.child(key);
    List<String> errors = t.errors();
    int modulus = 0;
    if (!t.has("modulus")) {
      t.error("modulus", "required: the number of shard Prometheus servers");
    } else {
      modulus = (int) t.integer("modulus", 0, 1, MAX_MODULUS);
    }
    List<String> sourceLabels = labelNames(t, "source_labels", List.of("__address__"));
    String jobName = t.string("job_name", DISABLED.jobName);
    if (jobName.isEmpty()) {
      t.error("job_name", "must not be empty");
    }
    String scheme = t.string("scheme", DISABLED.scheme);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      t.error("scheme", "must be http or https, got \"" + scheme + "\"");
    }
    String metricsPath = t.string("metrics_path", DISABLED.metricsPath);
    Duration interval = t.duration("scrape_interval", DISABLED.scrapeInterval);
    // Prometheus: an unset timeout is the global 10s, capped at the interval.
    Duration defaultTimeout =
        interval.compareTo(DISABLED.scrapeTimeout) < 0 ? interval : DISABLED.scrapeTimeout;
    Duration timeout = t.duration("scrape_timeout", defaultTimeout);
    if (timeout.compareTo(interval) > 0) {
      t.error("scrape_timeout", "must not be greater than scrape_interval ("
          + timeout.toMillis() + "ms > " + interval.toMillis() + "ms)");
    }
    String shardLabel = t.string("shard_label", DISABLED.shardLabel);
    if (!shardLabel.isEmpty() && (!Labels.isLabelName(shardLabel) || shardLabel.startsWith("__"))) {
      t.error("shard_label", "not a valid external label name: \"" + shardLabel + "\"");
    }
    Duration sdRefresh = t.duration("sd_refresh_interval", DISABLED.sdRefreshInterval);

    List<StaticConfig> statics = new ArrayList<>();
    for (YamlTree c : t.children("static_configs")) {
      statics.add(staticConfig(c));
    }
    List<FileSdConfig> files = new ArrayList<>();
    Path baseDir = baseDir(configSource);
    for (YamlTree c : t.children("file_sd_configs")) {
      files.add(fileSdConfig(c, baseDir));
    }
    List<HttpSdConfig> https = new ArrayList<>();
    for (YamlTree c : t.children("http_sd_configs")) {
      https.add(httpSdConfig(c));
    }
    List<RelabelConfig> relabel =
        RelabelConfigs.parse(t.list("relabel_configs"), t.pathOf("relabel_configs"), errors);
    if (relabel.isEmpty()) {
      // Prometheus's check for URLs pasted as targets, made only when nothing may rewrite them.
      for (int i = 0; i < statics.size(); i++) {
        for (String target : statics.get(i).targets()) {
          if (target.contains("/")) {
            t.error("static_configs[" + i + "].targets", "\"" + target + "\" is not a valid hostname");
          }
        }
      }
    }
    List<URI> shardUrls = shardUrls(t, modulus);
    Duration failoverAfter = Duration.ZERO;
    if (t.has("failover_after")) {
      String raw = t.string("failover_after", "0s");
      Duration d = YamlTree.parseDuration(raw);
      if (d == null) {
        t.error("failover_after", "not a duration (like 0s, 30s, 1m, 500ms): \"" + raw + "\"");
      } else {
        failoverAfter = d;
      }
    }
    if (!failoverAfter.isZero() && shardUrls.isEmpty() && !t.has("shard_urls")) {
      t.error("failover_after", "needs sharding.shard_urls: the shards whose health it follows");
    }
    String rawAlgorithm = t.string("algorithm", Algorithm.HASHMOD.yamlName());
    Algorithm algorithm = Algorithm.of(rawAlgorithm);
    if (algorithm == null) {
      t.error("algorithm", "must be hashmod or rendezvous, got \"" + rawAlgorithm + "\"");
      algorithm = Algorithm.HASHMOD;
    }
    t.rejectUnknownKeys();
    return new ShardingConfig(modulus, sourceLabels, jobName, scheme, metricsPath, interval,
        timeout, shardLabel, sdRefresh, List.copyOf(statics), List.copyOf(files), List.copyOf(https),
        relabel, shardUrls, failoverAfter, algorithm);
  }

  /**
   * {@code shard_urls}: absolute http(s) base URLs, one per shard (trailing slash dropped:
   * promgate appends {@code /-/ready}); none, or exactly {@code modulus} of them.
   */
  private static List<URI> shardUrls(YamlTree t, int modulus) {
    List<?> raw = t.list("shard_urls");
    List<URI> urls = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      String key = "shard_urls[" + i + "]";
      if (!(raw.get(i) instanceof String s) || s.isEmpty()) {
        t.error(key, "expected a URL like http://prometheus-shard-" + i + ":9090, got "
            + (raw.get(i) == null ? "null" : "\"" + raw.get(i) + "\""));
        continue;
      }
      String trimmed = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
      try {
        URI u = new URI(trimmed);
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
          t.error(key, "must be an absolute http:// or https:// URL, got \"" + s + "\"");
        } else if (u.getRawQuery() != null || u.getRawFragment() != null) {
          t.error(key, "must not have a query or fragment (promgate appends /-/ready), got \"" + s + "\"");
        } else {
          urls.add(u);
        }
      } catch (URISyntaxException e) {
        t.error(key, "not a URL: \"" + s + "\"");
      }
    }
    if (!raw.isEmpty() && modulus > 0 && raw.size() != modulus) {
      t.error("shard_urls", "has " + raw.size() + " URLs but modulus is " + modulus
          + ": one per shard, shard i's at index i");
    }
    return List.copyOf(urls);
  }

  private static StaticConfig staticConfig(YamlTree c) {
    List<?> raw = c.list("targets");
    List<String> targets = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      Object v = raw.get(i);
      String key = "targets[" + i + "]";
      if (v instanceof String || v instanceof Number) {
        String s = String.valueOf(v);
        if (s.isEmpty()) {
          c.error(key, "must not be empty");
        }
        targets.add(s);
      } else {
        c.error(key, "expected a host:port string, got " + (v == null ? "null" : "\"" + v + "\""));
      }
    }
    Map<String, String> labels = new TreeMap<>(c.stringMap("labels"));
    for (String name : labels.keySet()) {
      if (!Labels.isLabelName(name)) {
        c.error("labels", "\"" + name + "\" is not a valid label name");
      }
    }
    c.rejectUnknownKeys();
    return new StaticConfig(List.copyOf(targets), Collections.unmodifiableMap(labels));
  }

  private static FileSdConfig fileSdConfig(YamlTree c, Path baseDir) {
    List<?> raw = c.list("files");
    List<FileGlob> files = new ArrayList<>(raw.size());
    if (raw.isEmpty()) {
      c.error("files", "file service discovery config must contain at least one path name");
    }
    for (int i = 0; i < raw.size(); i++) {
      String key = "files[" + i + "]";
      if (!(raw.get(i) instanceof String name)) {
        c.error(key, "expected a path, got " + raw.get(i));
        continue;
      }
      if (!FILE_SD_NAME.matcher(name).matches()) {
        c.error(key, "path name \"" + name + "\" is not valid for file discovery");
        continue;
      }
      String joined = join(baseDir, name);
      int slash = joined.lastIndexOf('/');
      String dir = slash < 0 ? "" : joined.substring(0, slash + 1);
      String file = joined.substring(slash + 1);
      // Prometheus (filepath.Glob) would also expand globs in directories; promgate lists one
      // directory per pattern, so it refuses them rather than silently reading nothing.
      if (hasMeta(dir)) {
        c.error(key, "glob characters are only supported in the file name: \"" + name + "\"");
        continue;
      }
      try {
        files.add(new FileGlob(joined, dir, hasMeta(file) ? globRegex(file) : null));
      } catch (IllegalArgumentException e) {
        c.error(key, e.getMessage() + ": \"" + name + "\"");
      }
    }
    Duration refresh = c.duration("refresh_interval", Duration.ofMinutes(5));
    c.rejectUnknownKeys();
    return new FileSdConfig(List.copyOf(files), refresh);
  }

  private static HttpSdConfig httpSdConfig(YamlTree c) {
    String url = c.string("url", "");
    if (url.isEmpty()) {
      c.error("url", "URL is missing");
    } else {
      try {
        URI u = new URI(url);
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
          c.error("url", "URL scheme must be 'http' or 'https'");
        } else if (u.getHost() == null) {
          c.error("url", "host is missing in URL");
        }
      } catch (URISyntaxException e) {
        c.error("url", "not a URL: " + e.getMessage());
      }
    }
    Duration refresh = c.duration("refresh_interval", Duration.ofMinutes(1));
    c.rejectUnknownKeys();
    return new HttpSdConfig(url, refresh);
  }

  private static List<String> labelNames(YamlTree t, String key, List<String> dflt) {
    if (!t.has(key)) {
      return dflt;
    }
    List<?> raw = t.list(key);
    if (raw.isEmpty()) {
      t.error(key, "must name at least one label");
      return dflt;
    }
    List<String> names = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      Object v = raw.get(i);
      if (v instanceof String s && Labels.isLabelName(s)) {
        names.add(s);
      } else {
        t.error(key + "[" + i + "]", "\"" + v + "\" is not a valid label name");
      }
    }
    return List.copyOf(names);
  }

  /** Directory of the config file, or null when the source is not a path (tests, defaults). */
  private static Path baseDir(String configSource) {
    try {
      Path p = Path.of(configSource);
      return p.getParent();
    } catch (InvalidPathException e) {
      return null;
    }
  }

  /** Go's {@code filepath.Join(dir, name)} for an unset or set directory. */
  private static String join(Path baseDir, String name) {
    if (name.startsWith("/") || baseDir == null) {
      return Path.of(name).normalize().toString();
    }
    return baseDir.resolve(name).normalize().toString();
  }

  /**
   * Compiles a Go {@code filepath.Match} file-name pattern into a regex: {@code *} is any run of
   * characters but {@code /}, {@code ?} one such character, {@code [a-z]} / {@code [^a-z]} a
   * class, {@code \\} escapes. Throws with Go's reason on what Go calls ErrBadPattern.
   */
  static Pattern globRegex(String glob) {
    StringBuilder re = new StringBuilder();
    int n = glob.length();
    for (int i = 0; i < n; i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> re.append("[^/]*");
        case '?' -> re.append("[^/]");
        case '\\' -> {
          if (++i >= n) {
            throw new IllegalArgumentException("syntax error in pattern (trailing backslash)");
          }
          re.append(literal(glob.charAt(i)));
        }
        case '[' -> {
          int j = i + 1;
          boolean negated = j < n && glob.charAt(j) == '^';
          if (negated) {
            j++;
          }
          StringBuilder ranges = new StringBuilder();
          int count = 0;
          while (true) {
            if (j >= n) {
              throw new IllegalArgumentException("syntax error in pattern (unclosed [)");
            }
            if (glob.charAt(j) == ']' && count > 0) {
              break;
            }
            int[] lo = classChar(glob, j);
            int[] hi = lo;
            j = lo[1];
            if (j < n && glob.charAt(j) == '-') {
              hi = classChar(glob, j + 1);
              j = hi[1];
            }
            // Go's reversed range matches nothing; Java would refuse to compile it.
            if (lo[0] <= hi[0]) {
              ranges.append(literal((char) lo[0])).append('-').append(literal((char) hi[0]));
            }
            count++;
          }
          if (ranges.length() > 0) {
            re.append(negated ? "[^" : "[").append(ranges).append(']');
          } else {
            re.append(negated ? "[\\s\\S]" : "(?!)");
          }
          i = j;
        }
        default -> re.append(literal(c));
      }
    }
    return Pattern.compile(re.toString());
  }

  /** One character of a class, as Go's getEsc reads it: returns {char, next index}. */
  private static int[] classChar(String glob, int j) {
    if (j >= glob.length() || glob.charAt(j) == '-' || glob.charAt(j) == ']') {
      throw new IllegalArgumentException("syntax error in pattern (bad character class)");
    }
    if (glob.charAt(j) == '\\') {
      j++;
      if (j >= glob.length()) {
        throw new IllegalArgumentException("syntax error in pattern (trailing backslash)");
      }
    }
    return new int[] {glob.charAt(j), j + 1};
  }

  /** Go's {@code hasMeta} on Unix: would filepath.Glob treat this as a pattern. */
  private static boolean hasMeta(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == '\\') {
        return true;
      }
    }
    return false;
  }

  private static String literal(char c) {
    return String.format("\\x{%04x}", (int) c);
  }
}
