package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.model.Labels;
import io.promgate.relabel.Relabeler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Prometheus's scrape-target semantics before the hash, the hash itself, and what is refused. */
class ShardAssignerTest {

  private static ShardingConfig config(String sharding) {
    try {
      return PromgateConfig.parse("<test>", "sharding:\n" + sharding.indent(2)).sharding();
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  private static TargetGroup group(Map<String, String> labels, String... targets) {
    return new TargetGroup("g", List.of(targets), new TreeMap<>(labels));
  }

  @Test
  void discovered_addsScrapeSettingsUnlessTheGroupSetsThem() {
    ShardAssigner a = new ShardAssigner(config(
        "{modulus: 2, job_name: nodes, scrape_interval: 90s, scrape_timeout: 1500ms, metrics_path: /m}"));

    assertEquals(Labels.of("__address__", "h:1", "__metrics_path__", "/m", "__scheme__", "http",
            "__scrape_interval__", "1m30s", "__scrape_timeout__", "1s500ms", "job", "nodes", "env", "x"),
        a.discovered(group(Map.of("env", "x"), "h:1"), "h:1"));
    // The group's own values win; an empty one counts as unset (Prometheus: lset.Get == "").
    assertEquals(Labels.of("__address__", "h:1", "__metrics_path__", "/m", "__scheme__", "https",
            "__scrape_interval__", "1m30s", "__scrape_timeout__", "1s500ms", "job", "other"),
        a.discovered(group(Map.of("job", "other", "__scheme__", "https", "__metrics_path__", "")), "h:1"));
  }

  @Test
  void discovered_targetAddressWinsOverAGroupAddressLabel() {
    ShardAssigner a = new ShardAssigner(config("{modulus: 2}"));
    assertEquals("t:1", a.discovered(group(Map.of("__address__", "g:1")), "t:1").get("__address__"));
  }

  @ParameterizedTest
  @CsvSource({
    // SPEC §6 extra hashmod values
    "localhost:9100, 4, 3",
    "127.0.0.1:9090, 8, 6",
  })
  void shardOf_defaultSourceLabel_hashmodOfAddress(String address, int modulus, int shard) {
    ShardAssigner a = new ShardAssigner(config("{modulus: " + modulus + "}"));
    assertEquals(shard, a.shardOf(a.discovered(group(Map.of()), address)));
  }

  @Test
  void shardOf_severalSourceLabels_joinedWithSemicolon() {
    ShardAssigner a = new ShardAssigner(config("{modulus: 1000, source_labels: [x, y]}"));
    // SPEC §6: hashmod("foo;bar", 1000) = 750
    assertEquals(750, a.shardOf(a.discovered(group(Map.of("x", "foo", "y", "bar")), "h:1")));
  }

  @Test
  void shardOf_relabelConfigs_runBeforeTheHash() {
    ShardAssigner a = new ShardAssigner(config("""
        modulus: 8
        relabel_configs:
          - source_labels: [__address__]
            regex: 'node-(.*)'
            target_label: __address__
            replacement: '127.0.0.1:$1'
        """));
    // Hashes the rewritten 127.0.0.1:9090 (shard 6), not node-9090 (another shard).
    assertNotEquals(6, Relabeler.hashmod("node-9090", 8));
    assertEquals(6, a.shardOf(a.discovered(group(Map.of()), "node-9090")));
  }

  @Test
  void shardOf_ruleReadingJob_seesTheConfiguredJobName() {
    ShardAssigner a = new ShardAssigner(config("""
        modulus: 4
        job_name: keepme
        relabel_configs: [{source_labels: [job], regex: keepme, action: keep}]
        """));
    assertEquals(3, a.shardOf(a.discovered(group(Map.of()), "localhost:9100")));
    assertEquals(ShardAssigner.DROPPED, a.shardOf(a.discovered(group(Map.of("job", "other")), "localhost:9100")));
  }

  @Test
  void shardOf_droppedByRule_dropped() {
    ShardAssigner a = new ShardAssigner(config(
        "{modulus: 4, relabel_configs: [{source_labels: [env], regex: dev, action: drop}]}"));
    assertEquals(ShardAssigner.DROPPED, a.shardOf(a.discovered(group(Map.of("env", "dev")), "h:1")));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    // group labels (k=v;k=v)                    | address           | scrapable
    "                                            | h:1               | true",
    "                                            | h                 | true",
    "                                            | [::1]             | true",
    "                                            | ::1               | true",
    "__scheme__=https                            | h                 | true",
    "__scheme__=ftp                              | h                 | false",
    "__scheme__=ftp                              | h:1               | true",
    "                                            | h:1/metrics       | false",
    "                                            | http://h:1        | false",
    "__scrape_interval__=0                       | h:1               | false",
    "__scrape_interval__=1x                      | h:1               | false",
    "__scrape_interval__=5s                      | h:1               | false",
    "__scrape_interval__=10s                     | h:1               | true",
    "__scrape_timeout__=' 5s'                    | h:1               | false",
    "__scrape_timeout__=0s                       | h:1               | false",
  })
  void scrapable_prometheusPopulateLabelsChecks(String labels, String address, boolean scrapable) {
    ShardAssigner a = new ShardAssigner(config("{modulus: 2}"));
    Map<String, String> m = new TreeMap<>();
    if (labels != null) {
      for (String kv : labels.split(";")) {
        String[] p = kv.split("=", 2);
        m.put(p[0], p[1].replace("'", ""));
      }
    }
    Labels d = a.discovered(group(m), address);
    assertEquals(scrapable, ShardAssigner.scrapable(d), d.toString());
    assertEquals(scrapable, a.shardOf(d) >= 0);
  }

  @Test
  void shardOf_ruleEmptiesAddress_invalid() {
    ShardAssigner a = new ShardAssigner(config(
        "{modulus: 2, relabel_configs: [{target_label: __address__, replacement: ''}]}"));
    assertEquals(ShardAssigner.INVALID, a.shardOf(a.discovered(group(Map.of()), "h:1")));
  }

  @Test
  void assign_manyTargets_eachOnExactlyOneShardWithItsGroupLabels() {
    ShardAssigner a = new ShardAssigner(config(
        "{modulus: 4, relabel_configs: [{source_labels: [drop], regex: 'yes', action: drop}]}"));
    List<TargetGroup> groups = new ArrayList<>();
    List<String> t1 = new ArrayList<>();
    List<String> t2 = new ArrayList<>();
    for (int p = 0; p < 300; p++) {
      (p % 2 == 0 ? t1 : t2).add("127.0.0.1:" + (20000 + p));
    }
    groups.add(new TargetGroup("a", List.copyOf(t1), new TreeMap<>(Map.of("env", "a"))));
    groups.add(new TargetGroup("b", List.copyOf(t2), new TreeMap<>(Map.of("env", "b"))));
    groups.add(new TargetGroup("c", List.of("10.0.0.1:1", "10.0.0.2:1"), new TreeMap<>(Map.of("drop", "yes"))));
    groups.add(new TargetGroup("d", List.of("x/y:1"), new TreeMap<>()));

    Assignment r = a.assign(groups);

    assertEquals(303, r.discovered);
    assertEquals(2, r.dropped);
    assertEquals(1, r.invalid);
    assertEquals(300, r.assigned());
    Set<String> seen = new HashSet<>();
    int total = 0;
    for (int i = 0; i < 4; i++) {
      int n = 0;
      for (TargetGroup g : r.shards.get(i)) {
        assertEquals(g.source().equals("a") ? Map.of("env", "a") : Map.of("env", "b"), g.labels());
        for (String t : g.targets()) {
          assertEquals(i, Relabeler.hashmod(t, 4), t);
          assertEquals(true, seen.add(t), t + " on two shards");
          n++;
        }
      }
      assertEquals(n, r.count(i));
      total += n;
    }
    assertEquals(300, total);
    int max = 0;
    for (int i = 0; i < 4; i++) {
      max = Math.max(max, r.count(i));
    }
    assertEquals(max / 75.0, r.skew(), 1e-9);
  }

  @Test
  void assign_nothing_emptyShardsSkewOne() {
    Assignment r = new ShardAssigner(config("{modulus: 3}")).assign(List.of());
    assertEquals(0, r.discovered);
    assertEquals(1.0, r.skew());
    assertEquals("[]", r.json(2).toString());
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0s",
    "500, 500ms",
    "1000, 1s",
    "60000, 1m",
    "90000, 1m30s",
    "3600000, 1h",
    "86400000, 1d",
    "1209600000, 2w",
    "7776000000, 90d",
    "31536000000, 1y",
    "31622400000, 366d",
    "3661001, 1h1m1s1ms",
  })
  void prometheusDuration_modelDurationString(long millis, String text) {
    assertEquals(text, ShardAssigner.prometheusDuration(Duration.ofMillis(millis)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "h:1          | h    | 1",
    "h:           | h    | ''",
    ":1           | ''   | 1",
    "[::1]:9090   | ::1  | 9090",
    "[::1]x:1     | -    | -",
    "[::1]        | -    | -",
    "h            | -    | -",
    "a:b:1        | -    | -",
    "[a]:1]       | -    | -",
    "a[:1         | -    | -",
  })
  void splitHostPort_goNetSemantics(String hostport, String host, String port) {
    String[] r = ShardAssigner.splitHostPort(hostport);
    if (host.equals("-")) {
      assertNull(r, hostport);
    } else {
      assertArrayEquals(new String[] {host, port}, r, hostport);
    }
  }
}
