package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import io.promgate.config.YamlTree;
import io.promgate.model.Labels;
import io.promgate.relabel.RelabelConfig;
import io.promgate.relabel.Relabeler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Decides which shard scrapes each discovered target, exactly as a slave Prometheus running the
 * generated scrape config would ({@link ScrapeConfigWriter}), so that the targets
 * {@code /sd/shards/i} lists are the ones that Prometheus keeps.
 *
 * <p>Per target, Prometheus's scrape semantics ({@code scrape/target.go}, v2.42):
 * <ol>
 *   <li>labels = the group's labels + {@code __address__} = the target (the target's own
 *       {@code __address__} wins over a group label of that name);
 *   <li>{@code job}, {@code __scrape_interval__}, {@code __scrape_timeout__},
 *       {@code __metrics_path__} and {@code __scheme__} are added from the scrape config unless
 *       the group already sets them. They matter for the hash only when a relabel rule reads
 *       them, which is why promgate adds the very values its generated config sets
 *       ({@link ShardingConfig}); {@code params} ({@code __param_*}) are not supported;
 *   <li>{@code sharding.relabel_configs}, then {@code hashmod} of {@code source_labels} into a
 *       temporary label: the shard index ({@code algorithm: rendezvous}: the highest
 *       {@link Rendezvous} weight of the same hash instead). A target a rule drops is on no shard;
 *   <li>a kept target Prometheus would refuse (empty {@code __address__}, one containing "/",
 *       no port with a scheme other than http/https, a bad or zero interval/timeout label, a
 *       timeout above the interval) is on no shard either: Prometheus lists it neither active nor
 *       dropped. The default port is added only after relabeling, so it never changes the hash.
 * </ol>
 * Thread-confined: one assigner per computation (the relabeler's scratch is per thread anyway).
 */
final class ShardAssigner {
  /** Where the hashmod rule writes the shard; a {@code __tmp} label, dropped by Prometheus. */
  static final String SHARD_LABEL = "__tmp_promgate_shard";

  static final int DROPPED = -1;
  static final int INVALID = -2;

  private final ShardingConfig config;
  private final Relabeler relabeler;
  private final String[] scrapeLabels;
  private final Labels.Builder builder = new Labels.Builder(16);
  private final StringBuilder key = new StringBuilder();
  // The hash64 of the last target shardOf placed on a shard; read right after by hash().
  private long lastHash;

  ShardAssigner(ShardingConfig config) {
    this.config = config;
    List<String> errors = new ArrayList<>();
    RelabelConfig hashmod =
        RelabelConfig.fromYaml(ScrapeConfigWriter.hashmodRule(config), "hashmod", errors);
    if (hashmod == null) {
      throw new IllegalStateException("generated hashmod rule is invalid: " + errors);
    }
    List<RelabelConfig> rules = new ArrayList<>(config.relabelConfigs());
    rules.add(hashmod);
    this.relabeler = Relabeler.of(rules);
    this.scrapeLabels = new String[] {
      "job", config.jobName(),
      "__scrape_interval__", prometheusDuration(config.scrapeInterval()),
      "__scrape_timeout__", prometheusDuration(config.scrapeTimeout()),
      "__metrics_path__", config.metricsPath(),
      "__scheme__", config.scheme(),
    };
  }

  /** relabel_configs plus the generated hashmod rule, as run per target (for ShardInspector). */
  Relabeler relabeler() {
    return relabeler;
  }

  List<RelabelConfig> rules() {
    return relabeler.configs();
  }

  /** The labels Prometheus discovers for {@code target} of {@code group}, before relabeling. */
  Labels discovered(TargetGroup group, String target) {
    Labels.Builder b = builder.clear();
    for (Map.Entry<String, String> l : group.labels().entrySet()) {
      b.set(l.getKey(), l.getValue());
    }
    b.set("__address__", target);
    for (int i = 0; i < scrapeLabels.length; i += 2) {
      if (b.get(scrapeLabels[i]).isEmpty()) {
        b.set(scrapeLabels[i], scrapeLabels[i + 1]);
      }
    }
    return b.build();
  }

  /**
   * The home shard of a target with these discovered labels (where it goes while every shard is
   * live), or {@link #DROPPED} / {@link #INVALID}.
   */
  int shardOf(Labels discovered) {
    Labels out = relabeler.apply(discovered);
    if (out == null) {
      return DROPPED;
    }
    if (!scrapable(out)) {
      return INVALID;
    }
    return home(out);
  }

  /** hashmod: the generated rule's own result, so parity with the slaves holds by construction. */
  private int home(Labels relabeled) {
    lastHash = Relabeler.hash64(hashKey(relabeled));
    return config.algorithm() == ShardingConfig.Algorithm.HASHMOD
        ? Integer.parseInt(relabeled.get(SHARD_LABEL))
        : HashedTargets.home(config.algorithm(), lastHash, config.modulus());
  }

  /** What hashmod hashes: the source labels' values joined with the rule's separator ";". */
  private CharSequence hashKey(Labels relabeled) {
    key.setLength(0);
    List<String> names = config.sourceLabels();
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        key.append(';');
      }
      key.append(relabeled.get(names.get(i)));
    }
    return key;
  }

  /** Relabels and hashes every target of {@code groups} (in order): the table health works on. */
  HashedTargets hash(List<TargetGroup> groups) {
    int cap = 16;
    int[] group = new int[cap];
    String[] target = new String[cap];
    long[] hash = new long[cap];
    int[] home = new int[cap];
    int n = 0;
    int discovered = 0;
    int dropped = 0;
    int invalid = 0;
    for (int gi = 0; gi < groups.size(); gi++) {
      TargetGroup g = groups.get(gi);
      for (String t : g.targets()) {
        discovered++;
        int shard = shardOf(discovered(g, t));
        if (shard == DROPPED) {
          dropped++;
        } else if (shard == INVALID) {
          invalid++;
        } else {
          if (n == cap) {
            cap *= 2;
            group = Arrays.copyOf(group, cap);
            target = Arrays.copyOf(target, cap);
            hash = Arrays.copyOf(hash, cap);
            home = Arrays.copyOf(home, cap);
          }
          group[n] = gi;
          target[n] = t;
          hash[n] = lastHash;
          home[n] = shard;
          n++;
        }
      }
    }
    return new HashedTargets(config.modulus(), config.algorithm(), groups, discovered, dropped,
        invalid, n, group, target, hash, home);
  }

  /** Assigns every target of {@code groups} (in order) to its home shard: every shard live. */
  Assignment assign(List<TargetGroup> groups) {
    return Assignment.distribute(hash(groups), new boolean[config.modulus()]);
  }

  /** The checks of Prometheus's PopulateLabels after relabeling; false = target refused. */
  static boolean scrapable(Labels l) {
    String addr = l.get("__address__");
    if (addr.isEmpty()) {
      return false; // "no address"
    }
    if (splitHostPort(addr) == null && splitHostPort(addr + ":1234") != null) {
      switch (l.get("__scheme__")) {
        case "", "http", "https" -> {} // ":80" / ":443" appended: no "/" added
        default -> {
          return false; // "invalid scheme"
        }
      }
    }
    if (addr.contains("/")) {
      return false; // "... is not a valid hostname"
    }
    Duration interval = duration(l.get("__scrape_interval__"));
    Duration timeout = duration(l.get("__scrape_timeout__"));
    return interval != null && !interval.isZero()
        && timeout != null && !timeout.isZero()
        && timeout.compareTo(interval) <= 0;
  }

  /** Prometheus's model.ParseDuration: null when malformed (no surrounding spaces either). */
  private static Duration duration(String s) {
    return s.isEmpty() || !s.strip().equals(s) ? null : YamlTree.parseDuration(s);
  }

  /**
   * Go's {@code net.SplitHostPort}: {host, port}, or null where Go returns an error (missing
   * port, too many colons, misplaced brackets).
   */
  static String[] splitHostPort(String hostport) {
    int i = hostport.lastIndexOf(':');
    if (i < 0) {
      return null; // missing port
    }
    String host;
    int j = 0;
    int k = 0;
    if (hostport.startsWith("[")) {
      int end = hostport.indexOf(']');
      if (end < 0) {
        return null; // missing ']'
      }
      if (end + 1 == hostport.length()) {
        return null; // missing port
      } else if (end + 1 != i) {
        return null; // too many colons, or missing port
      }
      host = hostport.substring(1, end);
      j = 1;
      k = end + 1;
    } else {
      host = hostport.substring(0, i);
      if (host.indexOf(':') >= 0) {
        return null; // too many colons
      }
    }
    if (hostport.indexOf('[', j) >= 0 || hostport.indexOf(']', k) >= 0) {
      return null; // unexpected bracket
    }
    return new String[] {host, hostport.substring(i + 1)};
  }

  /**
   * Prometheus's {@code model.Duration.String()}: {@code 1m}, {@code 1m30s}, {@code 90d} (years
   * and weeks only when exact), {@code 0s}. This text is what {@code __scrape_interval__} holds.
   */
  static String prometheusDuration(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    StringBuilder r = new StringBuilder();
    long[] mults = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1};
    String[] units = {"y", "w", "d", "h", "m", "s", "ms"};
    for (int i = 0; i < mults.length; i++) {
      if (i < 2 && ms % mults[i] != 0) {
        continue;
      }
      long v = ms / mults[i];
      if (v > 0) {
        r.append(v).append(units[i]);
        ms -= v * mults[i];
      }
    }
    return r.toString();
  }
}
