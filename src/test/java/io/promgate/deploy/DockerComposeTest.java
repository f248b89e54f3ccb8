package io.promgate.deploy;

import static io.promgate.deploy.YamlDocs.at;
import static io.promgate.deploy.YamlDocs.list;
import static io.promgate.deploy.YamlDocs.map;
import static io.promgate.deploy.YamlDocs.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and deploy/compose: Docker is not available to the tests, so what can be
 * checked without it is checked: the services, that every file a service mounts exists, that
 * every file a config refers to is mounted where it looks, and that the shard Prometheus
 * servers, promgate's sharding and federation sections, and Grafana's provisioning agree.
 */
class DockerComposeTest {
  private static final String COMPOSE = "docker-compose.yml";
  private static Map<String, Object> services;

  @BeforeAll
  static void load() {
    services = map(COMPOSE, YamlDocs.load(Path.of(COMPOSE)), "services");
  }

  /** The service's bind mounts: container path → repository path. */
  private static Map<String, Path> binds(String service) {
    Map<String, Path> binds = new LinkedHashMap<>();
    for (Object v : list(COMPOSE, services, service, "volumes")) {
      String[] parts = String.valueOf(v).split(":");
      if (parts[0].startsWith("./")) {
        binds.put(parts[1], Path.of(parts[0].substring(2)));
      }
    }
    return binds;
  }

  /** The repository file a service sees at {@code containerPath}, directly or in a mounted dir. */
  private static Path mounted(String service, String containerPath) {
    for (Map.Entry<String, Path> b : binds(service).entrySet()) {
      if (containerPath.equals(b.getKey())) {
        return b.getValue();
      }
      if (containerPath.startsWith(b.getKey() + "/")) {
        return b.getValue().resolve(containerPath.substring(b.getKey().length() + 1));
      }
    }
    return fail(service + " does not mount " + containerPath + "; it mounts " + binds(service));
  }

  private static final List<String> SHARD_SERVICES =
      List.of("prometheus-shard-0a", "prometheus-shard-0b", "prometheus-shard-1a", "prometheus-shard-1b");

  @Test
  void services_theWholeArchitecture() {
    assertEquals(
        Set.of("influxdb", "promgate-1", "promgate-2", "node-exporter", "demo-targets",
            "prometheus-shard-0a", "prometheus-shard-0b", "prometheus-shard-1a", "prometheus-shard-1b",
            "prometheus-central", "alertmanager-1", "alertmanager-2", "alertmanager-3", "grafana"),
        services.keySet());
    assertEquals("src/main/docker/Dockerfile.jvm", string(COMPOSE, services, "promgate-1", "build", "dockerfile"));
    assertEquals("promgate:local", string(COMPOSE, services, "promgate-2", "image"), "promgate-2 runs promgate-1's image");
    assertTrue(Files.isRegularFile(Path.of("src/main/docker/Dockerfile.jvm")));
    assertTrue(Files.isRegularFile(Path.of("src/main/docker/Dockerfile.native")));
  }

  @Test
  void bindMounts_everySourceExists() {
    for (String service : services.keySet()) {
      if (((Map<?, ?>) services.get(service)).containsKey("volumes")) {
        binds(service).forEach((target, source) ->
            assertTrue(Files.exists(source), service + ": mounts missing " + source + " at " + target));
      }
    }
  }

  @Test
  void promgateReplicas_readTheSameMountedConfig() {
    for (String service : List.of("promgate-1", "promgate-2")) {
      String file = string(COMPOSE, services, service, "environment", "PROMGATE_CONFIG_FILE");
      assertEquals(Path.of("deploy/compose/promgate.yml"), mounted(service, file), service);
      assertEquals(true, at(COMPOSE, services, service, "read_only"), service);
      assertEquals(List.of("/tmp"), at(COMPOSE, services, service, "tmpfs"), service);
    }
  }

  @Test
  void prometheusServices_mountTheirConfigAndEveryRuleFileItNames() {
    List<String> all = new ArrayList<>(SHARD_SERVICES);
    all.add("prometheus-central");
    for (String service : all) {
      List<?> command = list(COMPOSE, services, service, "command");
      assertTrue(command.contains("--config.file=/etc/prometheus/prometheus.yml"), service);
      Path config = mounted(service, "/etc/prometheus/prometheus.yml");
      assertEquals(Path.of("deploy/compose/" + service + ".yml"), config);
      for (Object ruleFile : list(config.toString(), YamlDocs.load(config), "rule_files")) {
        assertTrue(Files.isRegularFile(mounted(service, String.valueOf(ruleFile))), service + ": " + ruleFile);
      }
    }
    assertEquals(DeployFilesTest.RULES, mounted("prometheus-central", "/etc/prometheus/promgate-rules.yml"));
    assertEquals(DeployFilesTest.CENTRAL_RULES, mounted("prometheus-central", "/etc/prometheus/central-rules.yml"));
    for (String shard : SHARD_SERVICES) {
      assertEquals(DeployFilesTest.SHARD_RULES, mounted(shard, "/etc/prometheus/shard-rules.yml"), shard);
    }
  }

  @Test
  void shards_haPairsOfEachShard_scrapeItsShareAndWriteThroughTheirOwnPromgate() {
    Object promgate = YamlDocs.load(Path.of("deploy/compose/promgate.yml"));
    int modulus = (Integer) at("promgate.yml", promgate, "sharding", "modulus");
    assertEquals(2, modulus);
    String jobName = string("promgate.yml", promgate, "sharding", "job_name");
    // The HA tracker's labels are the ones the pairs carry.
    assertEquals(true, at("promgate.yml", promgate, "remote_write", "ha_tracker", "enabled"));
    String clusterLabel = string("promgate.yml", promgate, "remote_write", "ha_tracker", "cluster_label");
    String replicaLabel = string("promgate.yml", promgate, "remote_write", "ha_tracker", "replica_label");
    assertEquals(List.of(replicaLabel), at("promgate.yml", promgate, "federation", "dedup_labels"));
    for (int i = 0; i < modulus; i++) {
      for (String replica : List.of("a", "b")) {
        String service = "prometheus-shard-" + i + replica;
        String file = "deploy/compose/" + service + ".yml";
        Object cfg = YamlDocs.load(Path.of(file));
        assertEquals(String.valueOf(i), string(file, cfg, "global", "external_labels", "shard"));
        assertEquals("shard-" + i, string(file, cfg, "global", "external_labels", clusterLabel));
        assertEquals(replica, string(file, cfg, "global", "external_labels", replicaLabel));
        // Replica a through promgate-1, b through promgate-2: the tracker must agree across them.
        String gateService = "promgate-" + (replica.equals("a") ? 1 : 2);
        assertTrue(services.containsKey(gateService), gateService);
        String gate = "http://" + gateService + ":9201";
        Map<String, Object> job = map(file, cfg, "scrape_configs", 1);
        assertEquals(jobName, job.get("job_name"), file);
        assertEquals(gate + "/sd/shards/" + i, string(file, job, "http_sd_configs", 0, "url"));
        // Failover moves targets between shards: a hashmod keep rule would drop them again.
        assertTrue(!job.containsKey("relabel_configs"), file + ": no hashmod guard with sharding.failover_after");
        assertEquals(gate + "/api/v1/write", string(file, cfg, "remote_write", 0, "url"));
      }
    }
    // promgate's federation fans out to exactly these four servers.
    List<?> upstreams = list("promgate.yml", promgate, "federation", "upstreams");
    assertEquals(SHARD_SERVICES.size(), upstreams.size());
    for (int i = 0; i < SHARD_SERVICES.size(); i++) {
      assertEquals("http://" + SHARD_SERVICES.get(i) + ":9090", string("promgate.yml", upstreams, i, "url"));
    }
    // Failover probes each pair as a whole: demo-targets' /shards/{i} is ready while a replica is.
    assertEquals(List.of("http://demo-targets:5001/shards/0", "http://demo-targets:5001/shards/1"),
        at("promgate.yml", promgate, "sharding", "shard_urls"));
    List<?> command = list(COMPOSE, services, "demo-targets", "command");
    for (int i = 0; i < modulus; i++) {
      assertTrue(command.contains(i + "=http://prometheus-shard-" + i + "a:9090,http://prometheus-shard-" + i + "b:9090"),
          "demo-targets --pair " + i + ": " + command);
    }
  }

  @Test
  void shardingTargets_areServicesOfTheCompose() {
    Object promgate = YamlDocs.load(Path.of("deploy/compose/promgate.yml"));
    List<String> demoPorts = List.of(String.valueOf(at(COMPOSE, services, "demo-targets", "command", 4)).split(","));
    int targets = 0;
    for (Object group : list("promgate.yml", promgate, "sharding", "static_configs")) {
      for (Object t : list("promgate.yml", group, "targets")) {
        String[] hostPort = String.valueOf(t).split(":");
        assertTrue(services.containsKey(hostPort[0]), t + ": not a service");
        if (hostPort[0].equals("demo-targets")) {
          assertTrue(demoPorts.contains(hostPort[1]), t + ": demo-targets does not serve " + hostPort[1]);
        }
        targets++;
      }
    }
    assertTrue(targets >= 12, "a dozen or more targets, so the split is visible: " + targets);
  }

  @Test
  void alertmanagers_formOneClusterAndTheCentralSendsToAll() {
    List<String> ams = List.of("alertmanager-1", "alertmanager-2", "alertmanager-3");
    for (String am : ams) {
      List<?> command = list(COMPOSE, services, am, "command");
      assertTrue(command.contains("--cluster.listen-address=0.0.0.0:9094"), am);
      for (String peer : ams) {
        assertEquals(!peer.equals(am), command.contains("--cluster.peer=" + peer + ":9094"), am + " -> " + peer);
      }
      assertEquals(Path.of("deploy/compose/alertmanager.yml"), mounted(am, "/etc/alertmanager/alertmanager.yml"));
    }
    Object central = YamlDocs.load(Path.of("deploy/compose/prometheus-central.yml"));
    assertEquals(List.of("alertmanager-1:9093", "alertmanager-2:9093", "alertmanager-3:9093"),
        at("prometheus-central.yml", central, "alerting", "alertmanagers", 0, "static_configs", 0, "targets"));
    // The receiver is demo-targets' webhook.
    Object am = YamlDocs.load(Path.of("deploy/compose/alertmanager.yml"));
    assertEquals("http://demo-targets:" + at(COMPOSE, services, "demo-targets", "command", 6) + "/",
        string("alertmanager.yml", am, "receivers", 0, "webhook_configs", 0, "url"));
  }

  @Test
  void central_federatesWithTheSeedsSelectors_writesAndReadsThroughPromgate() {
    String file = "deploy/compose/prometheus-central.yml";
    Object cfg = YamlDocs.load(Path.of(file));
    Map<String, Object> self = map(file, cfg, "scrape_configs", 0);
    assertEquals("promgate", self.get("job_name"), "the job the rules and the dashboard select");
    assertEquals(List.of("promgate-1:9201", "promgate-2:9201"), at(file, self, "static_configs", 0, "targets"));
    Map<String, Object> federate = map(file, cfg, "scrape_configs", 1);
    assertEquals("/federate", federate.get("metrics_path"));
    assertEquals(true, federate.get("honor_labels"));
    assertTrue(((List<?>) at(file, federate, "params", "match[]")).containsAll(
        List.of("{job=\"prometheus\"}", "{__name__=~\"job:.*\"}", "{__name__=~\"node.*\"}")), "the seed's match[]");
    assertEquals(List.of("promgate-1:9201"), at(file, federate, "static_configs", 0, "targets"));
    assertEquals("http://promgate-1:9201/api/v1/write", string(file, cfg, "remote_write", 0, "url"));
    assertEquals("http://promgate-1:9201/api/v1/read", string(file, cfg, "remote_read", 0, "url"));
    assertEquals(false, at(file, cfg, "remote_read", 0, "filter_external_labels"));
  }

  @Test
  void grafana_provisionsTheCentralPrometheusAndTheDashboard() {
    Path datasources = mounted("grafana", "/etc/grafana/provisioning/datasources/datasources.yml");
    Object ds = YamlDocs.load(datasources);
    assertEquals("prometheus", string(datasources.toString(), ds, "datasources", 0, "type"));
    assertEquals("http://prometheus-central:9090", string(datasources.toString(), ds, "datasources", 0, "url"));
    Path dashboards = mounted("grafana", "/etc/grafana/provisioning/dashboards/dashboards.yml");
    String path = string(dashboards.toString(), YamlDocs.load(dashboards), "providers", 0, "options", "path");
    assertEquals(Path.of("deploy/grafana/promgate.json"), mounted("grafana", path + "/promgate.json"));
    assertTrue(Files.isRegularFile(Path.of("deploy/grafana/promgate.json")));
  }
}
