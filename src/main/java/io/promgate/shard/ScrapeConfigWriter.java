package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import io.promgate.relabel.RelabelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Writes the Prometheus configuration of one slave: the seed's hand-written horizontal scaling
 * ({@code hashmod} into a temporary label, then {@code keep} of the slave's index), generated so
 * that it agrees with promgate's own assignment ({@link ShardAssigner}) by construction: the
 * assigner runs the very hashmod rule written here, after the user's rules.
 *
 * <p>Two ways for the slave to find its targets ({@link Discovery}):
 * <ul>
 *   <li>{@code promgate}: one {@code http_sd_configs} entry pointing at promgate's
 *       {@code /sd/shards/i}, which lists only this shard's targets, with their discovered
 *       labels; the rules then keep all of them, and also guard against a promgate that assigns
 *       differently. The slave needs no access to the original sources (files on promgate's
 *       host); promgate does the refreshing and keeps the last good targets on errors.
 *   <li>{@code sources}: the original {@code static_configs}, {@code file_sd_configs} and
 *       {@code http_sd_configs}, so the slave discovers every target and keeps its share itself,
 *       with no dependency on promgate at run time (file paths must then exist on the slave).
 *       Static targets that Prometheus would refuse after relabeling (on no shard anyway) are
 *       left out: {@code promtool check config} rejects a config holding one.
 * </ul>
 * A relabel rule reading {@code __meta_url} sees promgate's URL on a slave in {@code promgate}
 * mode (Prometheus sets that label itself): use {@code sources} mode for such rules.
 *
 * <p>With {@code sharding.failover_after} on or {@code sharding.algorithm: rendezvous} the
 * {@code hashmod}/{@code keep} pair is left out (a comment says why): a target may then belong
 * to another shard than its hashmod one, so promgate's http_sd answer is the only filter, and
 * {@code sources} mode, which needs the guard, is refused ({@link ShardEndpoints}).
 */
final class ScrapeConfigWriter {

  /** Where the slave's targets come from: {@code ?sd=promgate} (the default) or {@code ?sd=sources}. */
  enum Discovery {
    PROMGATE,
    SOURCES;

    /** The discovery {@code sd=param} names, or null. */
    static Discovery of(String param) {
      return switch (param) {
        case "promgate" -> PROMGATE;
        case "sources" -> SOURCES;
        default -> null;
      };
    }
  }

  private ScrapeConfigWriter() {}

  /** {@code hashmod} of {@code source_labels} into {@link ShardAssigner#SHARD_LABEL}. */
  static Map<String, Object> hashmodRule(ShardingConfig c) {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("source_labels", new ArrayList<>(c.sourceLabels()));
    rule.put("modulus", c.modulus());
    rule.put("target_label", ShardAssigner.SHARD_LABEL);
    rule.put("action", "hashmod");
    return rule;
  }

  /** {@code keep} of the targets hashed to {@code shard} (Prometheus anchors the regex anyway). */
  static Map<String, Object> keepRule(int shard) {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("source_labels", new ArrayList<>(List.of(ShardAssigner.SHARD_LABEL)));
    rule.put("regex", "^" + shard + "$");
    rule.put("action", "keep");
    return rule;
  }

  /**
   * The whole Prometheus configuration file for slave {@code shard}.
   *
   * @param sdUrl the absolute URL of {@code /sd/shards/{shard}} (used in {@code promgate} mode)
   */
  static String write(ShardingConfig c, int shard, Discovery discovery, String sdUrl) {
    Map<String, Object> job = new LinkedHashMap<>();
    job.put("job_name", c.jobName());
    job.put("scrape_interval", ShardAssigner.prometheusDuration(c.scrapeInterval()));
    job.put("scrape_timeout", ShardAssigner.prometheusDuration(c.scrapeTimeout()));
    job.put("metrics_path", c.metricsPath());
    job.put("scheme", c.scheme());
    if (discovery == Discovery.PROMGATE) {
      Map<String, Object> sd = new LinkedHashMap<>();
      sd.put("url", sdUrl);
      sd.put("refresh_interval", ShardAssigner.prometheusDuration(c.sdRefreshInterval()));
      job.put("http_sd_configs", new ArrayList<>(List.of(sd)));
    } else {
      sources(c, job);
    }
    List<Object> rules = new ArrayList<>();
    for (RelabelConfig r : c.relabelConfigs()) {
      rules.add(r.toYaml());
    }
    if (c.keepGuard()) {
      rules.add(hashmodRule(c));
      rules.add(keepRule(shard));
    }
    if (!rules.isEmpty()) {
      job.put("relabel_configs", rules);
    }

    Map<String, Object> doc = new LinkedHashMap<>();
    if (!c.shardLabel().isEmpty()) {
      Map<String, Object> external = new LinkedHashMap<>();
      external.put(c.shardLabel(), String.valueOf(shard));
      Map<String, Object> global = new LinkedHashMap<>();
      global.put("external_labels", external);
      doc.put("global", global);
    }
    doc.put("scrape_configs", new ArrayList<>(List.of(job)));

    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setSplitLines(false);
    options.setWidth(Integer.MAX_VALUE);
    String header = "# Prometheus configuration of shard " + shard + " of " + c.modulus()
        + ", generated by promgate (sharding section).\n"
        + (c.keepGuard()
            ? "# It keeps exactly the targets promgate assigns to shard " + shard
                + " (GET /sd/shards/" + shard + "):\n"
                + "# sharding.relabel_configs, then hashmod of " + c.sourceLabels() + " modulo "
                + c.modulus() + ", then keep " + shard + ".\n"
            : "# It scrapes exactly the targets GET /sd/shards/" + shard + " lists. There is no hashmod keep rule:\n"
                + noGuardReason(c)
                + "# http_sd is the only filter: point this job at /sd/shards/" + shard
                + " alone, never at the original sources.\n")
        + "# Targets from: " + (discovery == Discovery.PROMGATE
            ? "promgate's /sd/shards/" + shard + " (http_sd)." : "the original target sources.")
        + "\n";
    return header + new Yaml(options).dump(doc);
  }

  /** Why the generated config carries no keep guard, as YAML comment lines. */
  private static String noGuardReason(ShardingConfig c) {
    String reason = "";
    if (c.algorithm() == ShardingConfig.Algorithm.RENDEZVOUS) {
      reason += "# sharding.algorithm is rendezvous, which no Prometheus relabel rule can express.\n";
    }
    if (c.failover()) {
      reason += "# sharding.failover_after is on: a failed-over shard's targets are listed by the live shards,\n"
          + "# and a keep of hashmod == shard would drop them.\n";
    }
    return reason;
  }

  private static void sources(ShardingConfig c, Map<String, Object> job) {
    if (!c.staticConfigs().isEmpty()) {
      List<Object> statics = new ArrayList<>();
      ShardAssigner assigner = new ShardAssigner(c);
      for (ShardingConfig.StaticConfig s : c.staticConfigs()) {
        Map<String, Object> group = new LinkedHashMap<>();
        // A target Prometheus would refuse is on no shard: left out, as promtool check config
        // rejects a static target that fails (it builds the targets of static_configs).
        TargetGroup g = new TargetGroup("", s.targets(), s.labels());
        List<Object> targets = new ArrayList<>();
        for (String t : s.targets()) {
          if (assigner.shardOf(assigner.discovered(g, t)) != ShardAssigner.INVALID) {
            targets.add(t);
          }
        }
        group.put("targets", targets);
        if (!s.labels().isEmpty()) {
          group.put("labels", new LinkedHashMap<>(s.labels()));
        }
        statics.add(group);
      }
      job.put("static_configs", statics);
    }
    if (!c.fileSdConfigs().isEmpty()) {
      List<Object> files = new ArrayList<>();
      for (ShardingConfig.FileSdConfig f : c.fileSdConfigs()) {
        Map<String, Object> sd = new LinkedHashMap<>();
        List<Object> patterns = new ArrayList<>();
        f.files().forEach(g -> patterns.add(g.pattern()));
        sd.put("files", patterns);
        sd.put("refresh_interval", ShardAssigner.prometheusDuration(f.refreshInterval()));
        files.add(sd);
      }
      job.put("file_sd_configs", files);
    }
    if (!c.httpSdConfigs().isEmpty()) {
      List<Object> https = new ArrayList<>();
      for (ShardingConfig.HttpSdConfig h : c.httpSdConfigs()) {
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("url", h.url());
        sd.put("refresh_interval", ShardAssigner.prometheusDuration(h.refreshInterval()));
        https.add(sd);
      }
      job.put("http_sd_configs", https);
    }
  }
}
