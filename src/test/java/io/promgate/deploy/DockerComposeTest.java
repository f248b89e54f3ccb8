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

  @Test
  void services_theWholeArchitecture() {
    assertEquals(
        Set.of("influxdb", "promgate", "prometheus-shard-0", "prometheus-shard-1", "prometheus-central", "grafana"),
        services.keySet());
    assertEquals("src/main/docker/Dockerfile.jvm", string(COMPOSE, services, "promgate", "build", "dockerfile"));
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
  void promgate_readsTheMountedConfig() {
    String file = string(COMPOSE, services, "promgate", "environment", "PROMGATE_CONFIG_FILE");
    assertEquals(Path.of("deploy/compose/promgate.yml"), mounted("promgate", file));
    assertEquals(true, at(COMPOSE, services, "promgate", "read_only"));
    assertEquals(List.of("/tmp"), at(COMPOSE, services, "promgate", "tmpfs"));
  }

  @Test
  void prometheusServices_mountTheirConfigAndEveryRuleFileItNames() {
    for (String service : List.of("prometheus-shard-0", "prometheus-shard-1", "prometheus-central")) {
      List<?> command = list(COMPOSE, services, service, "command");
      assertTrue(command.contains("--config.file=/etc/prometheus/prometheus.yml"), service);
      Path config = mounted(service, "/etc/prometheus/prometheus.yml");
      assertEquals(Path.of("deploy/compose/" + service + ".yml"), config);
      for (Object ruleFile : list(config.toString(), YamlDocs.load(config), "rule_files")) {
        assertTrue(Files.isRegularFile(mounted(service, String.valueOf(ruleFile))), service + ": " + ruleFile);
      }
    }
    assertEquals(DeployFilesTest.RULES, mounted("prometheus-central", "/etc/prometheus/promgate-rules.yml"));
  }

  @Test
  void shards_eachScrapesItsOwnShardOfPromgatesSharding() {
    Object promgate = YamlDocs.load(Path.of("deploy/compose/promgate.yml"));
    int modulus = (Integer) at("promgate.yml", promgate, "sharding", "modulus");
    assertEquals(2, modulus);
    List<?> sourceLabels = list("promgate.yml", promgate, "sharding", "source_labels");
    String jobName = string("promgate.yml", promgate, "sharding", "job_name");
    for (int i = 0; i < modulus; i++) {
      String file = "deploy/compose/prometheus-shard-" + i + ".yml";
      Object cfg = YamlDocs.load(Path.of(file));
      assertEquals(String.valueOf(i), string(file, cfg, "global", "external_labels", "shard"));
      Map<String, Object> job = map(file, cfg, "scrape_configs", 0);
      assertEquals(jobName, job.get("job_name"), file);
      assertEquals("http://promgate:9201/sd/shards/" + i, string(file, job, "http_sd_configs", 0, "url"));
      // The guard rules hash like promgate: same labels, same modulus, keep i.
      Map<String, Object> hashmod = map(file, job, "relabel_configs", 0);
      assertEquals("hashmod", hashmod.get("action"), file);
      assertEquals(sourceLabels, hashmod.get("source_labels"), file);
      assertEquals(modulus, hashmod.get("modulus"), file);
      Map<String, Object> keep = map(file, job, "relabel_configs", 1);
      assertEquals("keep", keep.get("action"), file);
      assertEquals(List.of(hashmod.get("target_label")), keep.get("source_labels"), file);
      assertEquals(String.valueOf(i), keep.get("regex"), file);
      assertEquals("http://promgate:9201/api/v1/write", string(file, cfg, "remote_write", 0, "url"));
    }
    // promgate's federation fans out to exactly these shards, by their compose names.
    List<?> upstreams = list("promgate.yml", promgate, "federation", "upstreams");
    assertEquals(modulus, upstreams.size());
    for (int i = 0; i < modulus; i++) {
      assertEquals("http://prometheus-shard-" + i + ":9090", string("promgate.yml", upstreams, i, "url"));
      assertTrue(services.containsKey("prometheus-shard-" + i));
    }
  }

  @Test
  void central_federatesWritesAndReadsThroughPromgate() {
    String file = "deploy/compose/prometheus-central.yml";
    Object cfg = YamlDocs.load(Path.of(file));
    Map<String, Object> self = map(file, cfg, "scrape_configs", 0);
    assertEquals("promgate", self.get("job_name"), "the job the rules and the dashboard select");
    assertEquals(List.of("promgate:9201"), at(file, self, "static_configs", 0, "targets"));
    Map<String, Object> federate = map(file, cfg, "scrape_configs", 1);
    assertEquals("/federate", federate.get("metrics_path"));
    assertEquals(true, federate.get("honor_labels"));
    assertEquals(List.of("promgate:9201"), at(file, federate, "static_configs", 0, "targets"));
    assertEquals("http://promgate:9201/api/v1/write", string(file, cfg, "remote_write", 0, "url"));
    assertEquals("http://promgate:9201/api/v1/read", string(file, cfg, "remote_read", 0, "url"));
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
