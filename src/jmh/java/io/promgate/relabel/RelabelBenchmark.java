package io.promgate.relabel;

import io.promgate.model.Labels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.yaml.snakeyaml.Yaml;

/**
 * Relabel + hashmod throughput, in label sets per second: a typical discovered target (10 labels)
 * through a typical 5-rule config ending in the sharding hashmod, as promgate's shard assignment
 * and write_relabel_configs run it. 1024 distinct label sets (by address) so that neither the
 * hash nor the regexes see one value only.
 *
 * <p>The measured figures are in BENCHMARKS.md.
 *
 * <p>Each benchmark has a {@code ...Naive} twin in the same run: the same parsed rules applied the
 * straightforward way, a {@code TreeMap} copy of the labels, {@code java.util.regex} anchored as
 * {@code ^(?:re)$}, {@code String.join} for the source value, a regex-driven Go-style {@code $1 ${1}
 * $name} expansion, and a fresh {@code MessageDigest} per hashmod. Its input is the same labels
 * already as maps (the conversion is not charged to it). {@link #setUp} checks that both give the
 * same result for all 1024 inputs, so each ratio compares equal work. On these rules the naive
 * twin is the faster one (2-2.5x at load average 3-5, 1.4-1.9x at 10), for all its 7-8x more
 * allocation: java.util.regex extracts groups far faster than RE2/J's NFA. promgate keeps RE2/J
 * for RE2 syntax and linear-time matching (SPEC §4); a faster relabel needs cheaper matching,
 * not less allocation.
 *
 * <pre>./mvnw -B -o -Pjmh test-compile exec:exec -Djmh.args="RelabelBenchmark -prof gc -f 1 -wi 3 -i 5"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RelabelBenchmark {
  private static final String RULES = """
      - source_labels: [env]
        regex: dev|test
        action: drop
      - source_labels: [__address__]
        regex: '(.*):\\d+'
        target_label: host
      - source_labels: [region]
        regex: '(\\w+)-(\\w+)-\\d+'
        target_label: dc
        replacement: '$1-$2'
      - regex: 'tmp_.*'
        action: labeldrop
      - source_labels: [__address__]
        modulus: 4
        target_label: __tmp_shard
        action: hashmod
      """;

  private Labels[] inputs;
  private Map<String, String>[] inputMaps;
  private Relabeler relabeler;
  private Relabeler shardKeep;
  private List<NaiveRule> naiveRules;
  private List<NaiveRule> naiveShardKeep;
  private int next;

  @Setup
  public void setUp() {
    List<String> errors = new ArrayList<>();
    List<RelabelConfig> rules = RelabelConfigs.parse(new Yaml().load(RULES), "rules", errors);
    List<RelabelConfig> keep = new ArrayList<>(rules);
    keep.addAll(RelabelConfigs.parse(
        new Yaml().load("[{source_labels: [__tmp_shard], regex: '^1$', action: keep}]"), "keep", errors));
    if (!errors.isEmpty()) {
      throw new IllegalStateException(errors.toString());
    }
    relabeler = Relabeler.of(rules);
    shardKeep = Relabeler.of(keep);
    naiveRules = rules.stream().map(NaiveRule::new).toList();
    naiveShardKeep = keep.stream().map(NaiveRule::new).toList();
    inputs = new Labels[1024];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = Labels.of(
          "__address__", "node-" + i + ".prod.example.com:9100",
          "__metrics_path__", "/metrics",
          "__scheme__", "http",
          "__scrape_interval__", "30s",
          "__scrape_timeout__", "10s",
          "job", "node",
          "env", "prod",
          "region", "eu-west-" + (i % 3 + 1),
          "team", "infra",
          "tmp_owner", "x" + i);
    }
    @SuppressWarnings("unchecked")
    Map<String, String>[] maps = new Map[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      Map<String, String> m = new TreeMap<>();
      Labels l = inputs[i];
      for (int j = 0; j < l.size(); j++) {
        m.put(l.name(j), l.value(j));
      }
      maps[i] = m;
    }
    inputMaps = maps;
    verifyNaive();
  }

  private Map<String, String> nextInputMap() {
    return inputMaps[next++ & (inputs.length - 1)];
  }

  private Labels nextInput() {
    return inputs[next++ & (inputs.length - 1)];
  }

  /** The 5 rules, the last one the hashmod: label sets relabeled per second. */
  @Benchmark
  public Labels relabelAndHashmod() {
    return relabeler.apply(nextInput());
  }

  /** The same plus {@code keep} of shard 1, as a slave's relabel_configs (3 in 4 dropped). */
  @Benchmark
  public Labels shardKeep() {
    return shardKeep.apply(nextInput());
  }

  @Benchmark
  public Map<String, String> relabelAndHashmodNaive() {
    return naiveApply(naiveRules, nextInputMap());
  }

  @Benchmark
  public Map<String, String> shardKeepNaive() {
    return naiveApply(naiveShardKeep, nextInputMap());
  }

  /** The hash alone (MD5 of the address), for scale. */
  @Benchmark
  public long hashmodOnly() {
    return Relabeler.hashmod(nextInput().get("__address__"), 4);
  }

  @Benchmark
  public long hashmodOnlyNaive() {
    return naiveHashmod(nextInputMap().get("__address__"), 4);
  }

  // ---- the naive way

  private static final Pattern REFERENCE = Pattern.compile("\\$(?:\\{(\\w+)\\}|(\\w+)|\\$)");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  /** One parsed rule with its regex compiled by java.util.regex. */
  static final class NaiveRule {
    final RelabelAction action;
    final List<String> sources;
    final String separator;
    final Pattern regex;
    final String target;
    final String replacement;
    final long modulus;

    NaiveRule(RelabelConfig c) {
      action = c.action();
      sources = c.sourceLabels();
      separator = c.separator();
      regex = Pattern.compile("^(?:" + c.regex() + ")$");
      target = c.targetLabel();
      replacement = c.replacement();
      modulus = c.modulus();
    }
  }

  static Map<String, String> naiveApply(List<NaiveRule> rules, Map<String, String> in) {
    Map<String, String> labels = new TreeMap<>(in);
    for (NaiveRule r : rules) {
      List<String> values = new ArrayList<>();
      for (String name : r.sources) {
        values.add(labels.getOrDefault(name, ""));
      }
      String src = String.join(r.separator, values);
      switch (r.action) {
        case REPLACE -> {
          Matcher m = r.regex.matcher(src);
          if (m.matches()) {
            String target = expand(r.target, m);
            if (LABEL_NAME.matcher(target).matches()) {
              set(labels, target, expand(r.replacement, m));
            }
          }
        }
        case KEEP -> {
          if (!r.regex.matcher(src).matches()) {
            return null;
          }
        }
        case DROP -> {
          if (r.regex.matcher(src).matches()) {
            return null;
          }
        }
        case KEEPEQUAL -> {
          if (!src.equals(labels.getOrDefault(r.target, ""))) {
            return null;
          }
        }
        case DROPEQUAL -> {
          if (src.equals(labels.getOrDefault(r.target, ""))) {
            return null;
          }
        }
        case HASHMOD -> set(labels, r.target, Long.toUnsignedString(naiveHashmod(src, r.modulus)));
        case LABELMAP -> {
          Map<String, String> mapped = new TreeMap<>();
          for (Map.Entry<String, String> e : labels.entrySet()) {
            Matcher m = r.regex.matcher(e.getKey());
            if (m.matches()) {
              mapped.put(expand(r.replacement, m), e.getValue());
            }
          }
          mapped.forEach((k, v) -> set(labels, k, v));
        }
        case LABELDROP -> labels.keySet().removeIf(k -> r.regex.matcher(k).matches());
        case LABELKEEP -> labels.keySet().removeIf(k -> !r.regex.matcher(k).matches());
        case LOWERCASE -> set(labels, r.target, src.toLowerCase(Locale.ROOT));
        case UPPERCASE -> set(labels, r.target, src.toUpperCase(Locale.ROOT));
      }
    }
    return labels;
  }

  private static void set(Map<String, String> labels, String name, String value) {
    if (value.isEmpty()) {
      labels.remove(name);
    } else {
      labels.put(name, value);
    }
  }

  /** Go's {@code regexp.Expand}: {@code $1 ${1} $name ${name}}, {@code $$}; a missing group is "". */
  private static String expand(String template, Matcher m) {
    StringBuilder sb = new StringBuilder();
    Matcher ref = REFERENCE.matcher(template);
    while (ref.find()) {
      String name = ref.group(1) != null ? ref.group(1) : ref.group(2);
      String value;
      if (name == null) {
        value = "$";
      } else if (name.chars().allMatch(Character::isDigit)) {
        int g = Integer.parseInt(name);
        value = g <= m.groupCount() && m.group(g) != null ? m.group(g) : "";
      } else {
        try {
          value = m.group(name) == null ? "" : m.group(name);
        } catch (IllegalArgumentException noSuchGroup) {
          value = "";
        }
      }
      ref.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    ref.appendTail(sb);
    return sb.toString();
  }

  static long naiveHashmod(String value, long modulus) {
    try {
      byte[] md5 = MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8));
      return Long.remainderUnsigned(ByteBuffer.wrap(md5, 8, 8).getLong(), modulus);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Equal work: the naive relabeler gives promgate's result for every input. */
  private void verifyNaive() {
    int kept = 0;
    for (int i = 0; i < inputs.length; i++) {
      for (boolean keep : new boolean[] {false, true}) {
        Labels ours = (keep ? shardKeep : relabeler).apply(inputs[i]);
        Map<String, String> theirs = naiveApply(keep ? naiveShardKeep : naiveRules, inputMaps[i]);
        if (ours == null || theirs == null) {
          check(ours == null && theirs == null, "input " + i + " dropped by one side only: " + ours + " / " + theirs);
          continue;
        }
        kept += keep ? 1 : 0;
        check(ours.equals(Labels.of(theirs)), "input " + i + ": " + ours + " vs " + theirs);
      }
      check(Relabeler.hashmod(inputs[i].get("__address__"), 4) == naiveHashmod(inputMaps[i].get("__address__"), 4),
          "hashmod of input " + i);
    }
    check(kept > 0 && kept < inputs.length, "shardKeep kept " + kept + " of " + inputs.length);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("not equal work: " + what);
    }
  }
}
