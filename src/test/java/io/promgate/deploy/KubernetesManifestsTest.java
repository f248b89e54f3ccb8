package io.promgate.deploy;

import static io.promgate.deploy.YamlDocs.at;
import static io.promgate.deploy.YamlDocs.list;
import static io.promgate.deploy.YamlDocs.map;
import static io.promgate.deploy.YamlDocs.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.promgate.config.PromgateConfig;
import io.promgate.config.YamlTree;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes: every manifest parses with the expected kinds, the Deployment is what the
 * issue asks (2 replicas, probes, resources, non-root, read-only root FS), and the pieces fit:
 * the ConfigMap's promgate.yml is valid with the Secret mounted where the Deployment mounts it,
 * the Services and the PodDisruptionBudget select the Deployment's pods, and the Prometheus
 * configs reach promgate through those Services.
 */
class KubernetesManifestsTest {
  private static final Path DIR = Path.of("deploy/kubernetes");

  /** kind/name → manifest, with the file it came from. */
  private static final Map<String, Manifest> manifests = new TreeMap<>();

  private record Manifest(String file, Map<String, Object> doc) {
    String where() {
      return file + " (" + doc.get("kind") + ")";
    }
  }

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path f : files) {
      for (Object doc : YamlDocs.loadAll(f)) {
        if (!(doc instanceof Map)) {
          fail(f + ": a document is not a mapping: " + doc);
        }
        Map<String, Object> m = (Map<String, Object>) doc;
        String key = string(f.toString(), m, "kind") + "/" + string(f.toString(), m, "metadata", "name");
        assertTrue(m.get("apiVersion") instanceof String, f + ": " + key + " has no apiVersion");
        if (manifests.put(key, new Manifest(f.toString(), m)) != null) {
          fail(f + ": " + key + " defined twice");
        }
      }
    }
  }

  private static Manifest get(String kindAndName) {
    Manifest m = manifests.get(kindAndName);
    if (m == null) {
      fail("no " + kindAndName + " under deploy/kubernetes; found " + manifests.keySet());
    }
    return m;
  }

  private static Map<String, Object> container() {
    Manifest d = get("Deployment/promgate");
    List<?> containers = list(d.where(), d.doc, "spec", "template", "spec", "containers");
    assertEquals(1, containers.size(), d.where() + ": containers");
    return map(d.where(), containers.get(0));
  }

  /** The volume of the Deployment's pod named by the container's mount at {@code mountPath}. */
  private static Map<String, Object> volumeMountedAt(String mountPath) {
    Manifest d = get("Deployment/promgate");
    String volume = null;
    for (Object m : list(d.where(), container(), "volumeMounts")) {
      if (mountPath.equals(string(d.where(), m, "mountPath"))) {
        volume = string(d.where(), m, "name");
      }
    }
    if (volume == null) {
      fail(d.where() + ": nothing mounted at " + mountPath);
    }
    for (Object v : list(d.where(), d.doc, "spec", "template", "spec", "volumes")) {
      if (volume.equals(string(d.where(), v, "name"))) {
        return map(d.where(), v);
      }
    }
    return fail(d.where() + ": no volume " + volume);
  }

  @Test
  void manifests_parse_withTheExpectedKinds() {
    assertEquals(
        new TreeSet<>(Set.of(
            "ConfigMap/promgate-config",
            "Deployment/promgate",
            "PodDisruptionBudget/promgate",
            "Secret/promgate-secrets",
            "Service/promgate",
            "Service/promgate-headless",
            "StatefulSet/prometheus-shard-0",
            "StatefulSet/prometheus-shard-1",
            "StatefulSet/prometheus-central",
            "Service/prometheus-shard-0",
            "Service/prometheus-shard-1",
            "Service/prometheus-central",
            "StatefulSet/alertmanager",
            "Service/alertmanager")),
        manifests.keySet());
    assertEquals("apps/v1", get("Deployment/promgate").doc.get("apiVersion"));
    assertEquals("policy/v1", get("PodDisruptionBudget/promgate").doc.get("apiVersion"));
  }

  @Test
  void deployment_twoReplicas_probesOnReadyAndHealthy() {
    Manifest d = get("Deployment/promgate");
    assertEquals(2, at(d.where(), d.doc, "spec", "replicas"));
    Map<String, Object> c = container();
    assertEquals("/-/ready", string(d.where(), c, "readinessProbe", "httpGet", "path"));
    assertEquals("/-/healthy", string(d.where(), c, "livenessProbe", "httpGet", "path"));
    assertEquals("/-/healthy", string(d.where(), c, "startupProbe", "httpGet", "path"));
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertEquals("http", string(d.where(), c, probe, "httpGet", "port"), probe);
    }
    Map<String, Object> port = map(d.where(), c, "ports", 0);
    assertEquals("http", port.get("name"));
    assertEquals(9201, port.get("containerPort"));
    assertTrue(list(d.where(), c, "args").contains("--web.listen-address=:9201"), d.where() + ": args");
  }

  @Test
  void deployment_terminationGracePeriod_longerThanPromgatesShutdownTimeout() throws IOException {
    Manifest d = get("Deployment/promgate");
    int grace = (Integer) at(d.where(), d.doc, "spec", "template", "spec", "terminationGracePeriodSeconds");
    Properties app = new Properties();
    try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
      app.load(in);
    }
    // SIGTERM: in-flight requests get quarkus.shutdown.timeout to finish; Kubernetes must not
    // SIGKILL before that (the arguments may override it with --web.shutdown-timeout).
    Duration shutdown = YamlTree.parseDuration(app.getProperty("quarkus.shutdown.timeout"));
    for (Object arg : list(d.where(), container(), "args")) {
      if (String.valueOf(arg).startsWith("--web.shutdown-timeout=")) {
        shutdown = YamlTree.parseDuration(String.valueOf(arg).substring("--web.shutdown-timeout=".length()));
      }
    }
    assertEquals(Duration.ofSeconds(25), app.getProperty("quarkus.shutdown.timeout") == null ? null
        : YamlTree.parseDuration(app.getProperty("quarkus.shutdown.timeout")));
    assertTrue(shutdown.toSeconds() + 2 <= grace, "shutdown " + shutdown + " vs terminationGracePeriodSeconds " + grace);
  }

  @Test
  void deployment_resources_requestsAndLimits() {
    Manifest d = get("Deployment/promgate");
    for (String kind : List.of("requests", "limits")) {
      Map<String, Object> r = map(d.where(), container(), "resources", kind);
      assertEquals(Set.of("cpu", "memory"), r.keySet(), kind);
    }
  }

  @Test
  void deployment_nonRoot_readOnlyRootFileSystem_writableTmp() {
    Manifest d = get("Deployment/promgate");
    assertEquals(true, at(d.where(), d.doc, "spec", "template", "spec", "securityContext", "runAsNonRoot"));
    Map<String, Object> sc = map(d.where(), container(), "securityContext");
    assertEquals(true, sc.get("readOnlyRootFilesystem"));
    assertEquals(true, sc.get("runAsNonRoot"));
    assertEquals(false, sc.get("allowPrivilegeEscalation"));
    assertEquals(List.of("ALL"), at(d.where(), sc, "capabilities", "drop"));
    // snappy-java unpacks its native library into java.io.tmpdir: without this, no remote write.
    assertTrue(volumeMountedAt("/tmp").containsKey("emptyDir"), "/tmp must be an emptyDir");
  }

  @Test
  void deployment_prometheusScrapeAnnotations_pointAtMetrics() {
    Manifest d = get("Deployment/promgate");
    Map<String, Object> a = map(d.where(), d.doc, "spec", "template", "metadata", "annotations");
    assertEquals("true", a.get("prometheus.io/scrape"));
    assertEquals("9201", a.get("prometheus.io/port"));
    assertEquals("/metrics", a.get("prometheus.io/path"));
  }

  @Test
  void configMap_promgateYml_validWithTheSecretMountedWhereTheDeploymentMountsIt(@TempDir Path secretDir)
      throws Exception {
    Manifest cm = get("ConfigMap/promgate-config");
    Manifest secret = get("Secret/promgate-secrets");
    Manifest d = get("Deployment/promgate");

    // The Deployment points PROMGATE_CONFIG_FILE at the ConfigMap's key, mounted from it.
    String configFile = null;
    for (Object e : list(d.where(), container(), "env")) {
      if ("PROMGATE_CONFIG_FILE".equals(string(d.where(), e, "name"))) {
        configFile = string(d.where(), e, "value");
      }
    }
    assertEquals("/etc/promgate/config/promgate.yml", configFile);
    assertEquals("promgate-config", string(d.where(), volumeMountedAt("/etc/promgate/config"), "configMap", "name"));
    assertEquals("promgate-secrets", string(d.where(), volumeMountedAt("/etc/promgate/secrets"), "secret", "secretName"));

    // The Secret's keys as the files Kubernetes mounts, and promgate.yml read against them: every
    // *_file it names must be a key of the Secret.
    for (Map.Entry<String, Object> e : map(secret.where(), secret.doc, "stringData").entrySet()) {
      Files.writeString(secretDir.resolve(e.getKey()), String.valueOf(e.getValue()));
    }
    String yml = string(cm.where(), cm.doc, "data", "promgate.yml");
    assertTrue(yml.contains("/etc/promgate/secrets/"), "promgate.yml uses the Secret");
    PromgateConfig config = PromgateConfig.parse(cm.where(), yml.replace("/etc/promgate/secrets/", secretDir + "/"));
    assertEquals("change-me", config.influxdb().password());
    assertEquals(List.of("change-me-to-a-long-random-string"), config.web().bearerTokens());
    assertEquals(false, config.web().metricsAuth(), "the annotation-based scrape has no credentials");
  }

  @Test
  void servicesAndDisruptionBudget_selectTheDeploymentsPods() {
    Manifest d = get("Deployment/promgate");
    Map<String, Object> podLabels = map(d.where(), d.doc, "spec", "template", "metadata", "labels");
    Map<String, Object> selector = map(d.where(), d.doc, "spec", "selector", "matchLabels");
    assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), "Deployment selector");
    for (String name : List.of("Service/promgate", "Service/promgate-headless")) {
      Manifest s = get(name);
      assertTrue(podLabels.entrySet().containsAll(map(s.where(), s.doc, "spec", "selector").entrySet()), name);
      Map<String, Object> port = map(s.where(), s.doc, "spec", "ports", 0);
      assertEquals(9201, port.get("port"), name);
      assertEquals("http", port.get("targetPort"), name);
    }
    Manifest headless = get("Service/promgate-headless");
    assertEquals("None", at(headless.where(), headless.doc, "spec", "clusterIP"));
    Manifest pdb = get("PodDisruptionBudget/promgate");
    assertTrue(podLabels.entrySet().containsAll(
        map(pdb.where(), pdb.doc, "spec", "selector", "matchLabels").entrySet()), "PodDisruptionBudget selector");
    assertEquals(1, at(pdb.where(), pdb.doc, "spec", "minAvailable"));
  }

  @Test
  void prometheusConfigs_reachPromgateThroughItsServices() throws IOException {
    // Every promgate URL in the Prometheus snippets names one of the Services above, on its port.
    Set<String> hosts = new TreeSet<>();
    for (String service : List.of("promgate", "promgate-headless")) {
      hosts.add(service + ".monitoring.svc");
    }
    List<String> urls = new ArrayList<>();
    try (Stream<Path> s = Files.list(DIR.resolve("prometheus"))) {
      for (Path p : s.sorted().toList()) {
        collect(YamlDocs.load(p), urls);
      }
    }
    List<String> promgateUrls = urls.stream().filter(u -> u.contains("promgate")).toList();
    assertEquals(8, promgateUrls.size(), "central: dns_sd, federate, remote_write, remote_read; shards: http_sd and remote_write each: " + promgateUrls);
    for (String u : promgateUrls) {
      String hostPort = u.contains("://") ? URI.create(u).getAuthority() : u;
      String host = hostPort.replaceFirst(":\\d+$", "");
      assertTrue(hosts.contains(host), u + ": not a promgate Service");
      if (hostPort.contains(":")) {
        assertTrue(hostPort.endsWith(":9201"), u);
      }
    }
  }

  /** The container of a StatefulSet's pods (exactly one). */
  private static Map<String, Object> containerOf(Manifest m) {
    List<?> containers = list(m.where(), m.doc, "spec", "template", "spec", "containers");
    assertEquals(1, containers.size(), m.where() + ": containers");
    return map(m.where(), containers.get(0));
  }

  /** The StatefulSet's headless Service: the one its serviceName names, selecting its pods. */
  private static void assertHeadlessServiceFor(Manifest sts) {
    String serviceName = string(sts.where(), sts.doc, "spec", "serviceName");
    Manifest svc = get("Service/" + serviceName);
    assertEquals("None", at(svc.where(), svc.doc, "spec", "clusterIP"));
    Map<String, Object> podLabels = map(sts.where(), sts.doc, "spec", "template", "metadata", "labels");
    assertTrue(podLabels.entrySet().containsAll(map(svc.where(), svc.doc, "spec", "selector").entrySet()), svc.where());
    assertTrue(podLabels.entrySet().containsAll(
        map(sts.where(), sts.doc, "spec", "selector", "matchLabels").entrySet()), sts.where());
  }

  /** Pod DNS names of a StatefulSet behind its headless Service: name-N.service.monitoring.svc. */
  private static List<String> podHosts(Manifest sts) {
    String name = string(sts.where(), sts.doc, "metadata", "name");
    String service = string(sts.where(), sts.doc, "spec", "serviceName");
    int replicas = (Integer) at(sts.where(), sts.doc, "spec", "replicas");
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      hosts.add(name + "-" + i + "." + service + ".monitoring.svc");
    }
    return hosts;
  }

  @Test
  void prometheusStatefulSets_shardsAreHaPairs_configsAndRulesFromTheRepository() throws Exception {
    Map<String, Object> promgate = map("promgate.yml", YamlDocs.load(
        string("configmap", get("ConfigMap/promgate-config").doc, "data", "promgate.yml")));
    String clusterLabel = string("promgate.yml", promgate, "remote_write", "ha_tracker", "cluster_label");
    String replicaLabel = string("promgate.yml", promgate, "remote_write", "ha_tracker", "replica_label");
    assertEquals(true, at("promgate.yml", promgate, "remote_write", "ha_tracker", "enabled"));
    assertEquals(List.of(replicaLabel), at("promgate.yml", promgate, "federation", "dedup_labels"));
    List<String> upstreams = new ArrayList<>();
    for (Object u : list("promgate.yml", promgate, "federation", "upstreams")) {
      upstreams.add(string("promgate.yml", u, "url"));
    }
    List<String> shardPods = new ArrayList<>();
    for (String name : List.of("prometheus-shard-0", "prometheus-shard-1", "prometheus-central")) {
      Manifest sts = get("StatefulSet/" + name);
      boolean shard = name.contains("shard");
      assertEquals(shard ? 2 : 1, at(sts.where(), sts.doc, "spec", "replicas"), sts.where() + ": an HA pair per shard");
      assertHeadlessServiceFor(sts);
      Map<String, Object> c = containerOf(sts);
      List<?> args = list(sts.where(), c, "args");
      String configFile = args.stream().map(String::valueOf).filter(a -> a.startsWith("--config.file="))
          .findFirst().orElseThrow().substring("--config.file=".length());
      assertEquals("/etc/prometheus/config/" + name + ".yml", configFile);
      Path config = DIR.resolve("prometheus").resolve(name + ".yml");
      Object cfg = YamlDocs.load(config);
      // Rule files: deploy/prometheus/, in the same ConfigMap (deployment.yaml's instructions).
      for (Object rule : list(config.toString(), cfg, "rule_files")) {
        String path = String.valueOf(rule);
        assertTrue(path.startsWith("/etc/prometheus/config/"), path);
        assertTrue(Files.isRegularFile(Path.of("deploy/prometheus").resolve(path.substring(23))), path);
      }
      if (shard) {
        String i = name.substring(name.length() - 1);
        assertEquals("shard-" + i, string(config.toString(), cfg, "global", "external_labels", clusterLabel));
        assertEquals("${POD_NAME}", string(config.toString(), cfg, "global", "external_labels", replicaLabel));
        assertTrue(args.contains("--enable-feature=expand-external-labels"), sts.where() + ": expands ${POD_NAME}");
        Map<String, Object> env = map(sts.where(), c, "env", 0);
        assertEquals("POD_NAME", env.get("name"));
        assertEquals("metadata.name", string(sts.where(), env, "valueFrom", "fieldRef", "fieldPath"));
        assertTrue(!map(config.toString(), cfg, "scrape_configs", 0).containsKey("relabel_configs"),
            config + ": no hashmod guard (shard failover moves targets)");
        podHosts(sts).forEach(h -> shardPods.add("http://" + h + ":9090"));
      }
      // The config and the promgate token are mounted where the config names them.
      List<String> mounts = new ArrayList<>();
      for (Object m : list(sts.where(), c, "volumeMounts")) {
        mounts.add(string(sts.where(), m, "mountPath"));
      }
      assertTrue(mounts.containsAll(List.of("/etc/prometheus/config", "/etc/prometheus/secrets/promgate")), mounts.toString());
    }
    assertEquals(shardPods, upstreams, "promgate federates every shard replica");
  }

  @Test
  void alertmanager_threeReplicasInOneCluster_centralSendsToEach() throws Exception {
    Manifest am = get("StatefulSet/alertmanager");
    assertEquals(3, at(am.where(), am.doc, "spec", "replicas"));
    assertHeadlessServiceFor(am);
    List<?> args = list(am.where(), containerOf(am), "args");
    assertTrue(args.contains("--cluster.listen-address=0.0.0.0:9094"), args.toString());
    List<String> peers = args.stream().map(String::valueOf).filter(a -> a.startsWith("--cluster.peer="))
        .map(a -> a.substring("--cluster.peer=".length())).toList();
    List<String> pods = podHosts(am);
    assertEquals(pods.stream().map(h -> h + ":9094").toList(), peers);
    assertTrue(args.contains("--config.file=/etc/alertmanager/alertmanager.yml"), args.toString());
    assertTrue(Files.isRegularFile(DIR.resolve("alertmanager/alertmanager.yml")));
    Path central = DIR.resolve("prometheus/prometheus-central.yml");
    assertEquals(pods.stream().map(h -> h + ":9093").toList(), at(central.toString(), YamlDocs.load(central),
        "alerting", "alertmanagers", 0, "static_configs", 0, "targets"));
  }

  /** Every "url" value, every static target and every dns_sd name, anywhere in the tree. */
  private static void collect(Object node, List<String> out) {
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if ((k.equals("url") && v instanceof String s)) {
          out.add(s);
        } else if ((k.equals("targets") || k.equals("names")) && v instanceof List<?> l) {
          l.forEach(t -> out.add(String.valueOf(t)));
        } else {
          collect(v, out);
        }
      });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collect(v, out));
    }
  }
}
