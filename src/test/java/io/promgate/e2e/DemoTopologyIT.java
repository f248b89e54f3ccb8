package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.promgate.testing.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * scripts/demo.sh as a user (and the independent checks) run it: free ports, short intervals,
 * {@code PROMGATE_DEMO_DIR} set; then, on the real servers it starts: every target on exactly one
 * shard and both replicas of a shard agreeing; the central Prometheus seeing both shards through
 * promgate's /federate; InfluxDB holding one copy per series (HA tracker); the three Alertmanagers
 * one cluster, the Watchdog notified once per notification; SIGINT to the demo's process group
 * stopping everything within 20 s and leaving no process behind.
 */
class DemoTopologyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TARGETS = 13; // + node_exporter: 14 targets over 2 shards
  /** Alertmanager's --cluster.peer-timeout in this test: a duplicate would come this late, or 2x. */
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);

  private Path dir;
  private Process demo;
  private final Map<String, String> env = new LinkedHashMap<>();
  private final List<String> targetAddresses = new ArrayList<>();

  @BeforeEach
  void ports() throws IOException {
    dir = Files.createTempDirectory("promgate-demo-it-");
    for (String name : List.of("INFLUX_PORT", "INFLUX_RPC_PORT", "INFLUX_STORAGE_PORT", "PROMGATE_PORT",
        "PROMGATE_2_PORT", "PROMETHEUS_PORT", "SHARD_0A_PORT", "SHARD_0B_PORT", "SHARD_1A_PORT", "SHARD_1B_PORT",
        "ALERTMANAGER_1_PORT", "ALERTMANAGER_2_PORT", "ALERTMANAGER_3_PORT", "ALERTMANAGER_1_CLUSTER_PORT",
        "ALERTMANAGER_2_CLUSTER_PORT", "ALERTMANAGER_3_CLUSTER_PORT", "WEBHOOK_PORT", "NODE_EXPORTER_PORT")) {
      env.put(name, String.valueOf(FreePorts.next()));
    }
    List<String> targetPorts = new ArrayList<>();
    for (int i = 0; i < TARGETS; i++) {
      targetPorts.add(String.valueOf(FreePorts.next()));
      targetAddresses.add("127.0.0.1:" + targetPorts.get(i));
    }
    targetAddresses.add("127.0.0.1:" + env.get("NODE_EXPORTER_PORT"));
    env.put("TARGET_PORTS", String.join(" ", targetPorts));
    env.put("DEMO_SCRAPE_INTERVAL", "1s");
    env.put("DEMO_EVALUATION_INTERVAL", "1s");
    env.put("DEMO_GROUP_WAIT", "1s");
    env.put("DEMO_GROUP_INTERVAL", "1m");
    env.put("DEMO_REPEAT_INTERVAL", "1h"); // no repeat within the test: every Watchdog line is one notification
    env.put("DEMO_AM_PEER_TIMEOUT", PEER_TIMEOUT.toSeconds() + "s");
    env.put("PROMGATE_DEMO_BUILD", "0"); // verify packaged target/quarkus-app just before
    env.put("PROMGATE_DEMO_DIR", dir.toString());
  }

  @AfterEach
  void stopAndDelete() throws Exception {
    if (demo != null && demo.isAlive()) {
      signalGroup("KILL");
      demo.waitFor(10, TimeUnit.SECONDS);
    }
    for (long pid : processesUsing(dir)) { // only ours: their command lines name our temp dir
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // a server still flushing a file: the temp dir is left behind, not the test failed
    }
  }

  @Test
  void demo_wholeTopology_shardsHaPairsFederationAlertmanagerCluster_stopsOnSigint() throws Exception {
    // setsid: the demo leads its own process group, as when started from a terminal.
    ProcessBuilder pb = new ProcessBuilder("setsid", "scripts/demo.sh")
        .redirectErrorStream(true).redirectOutput(dir.resolve("demo.out").toFile());
    pb.environment().putAll(env);
    demo = pb.start();
    Path endpointsFile = dir.resolve("endpoints.json");
    Await.until(Duration.ofSeconds(150), "scripts/demo.sh writes endpoints.json",
        () -> Files.exists(endpointsFile) || !demo.isAlive());
    assertTrue(demo.isAlive(), "demo.sh exited:\n" + Files.readString(dir.resolve("demo.out")));
    JsonNode endpoints = JSON.readTree(endpointsFile.toFile());

    // The contract of endpoints.json, exactly.
    assertEquals(List.of("influxdb", "database", "promgate", "central", "shards", "alertmanagers", "webhook_log"),
        fieldNames(endpoints));
    assertEquals("http://127.0.0.1:" + env.get("INFLUX_PORT"), endpoints.get("influxdb").asText());
    assertEquals("prom", endpoints.get("database").asText());
    assertEquals(List.of(url("PROMGATE_PORT"), url("PROMGATE_2_PORT")), texts(endpoints.get("promgate")));
    assertEquals(url("PROMETHEUS_PORT"), endpoints.get("central").asText());
    assertEquals(List.of(url("SHARD_0A_PORT"), url("SHARD_0B_PORT")), texts(endpoints.get("shards").get(0)));
    assertEquals(List.of(url("SHARD_1A_PORT"), url("SHARD_1B_PORT")), texts(endpoints.get("shards").get(1)));
    assertEquals(List.of(url("ALERTMANAGER_1_PORT"), url("ALERTMANAGER_2_PORT"), url("ALERTMANAGER_3_PORT")),
        texts(endpoints.get("alertmanagers")));
    assertEquals(dir.resolve("notifications.log").toString(), endpoints.get("webhook_log").asText());

    everyTargetOnExactlyOneShard_bothReplicasAgree(endpoints);
    // shard_urls probe each HA pair as a whole (DemoServers' /shards/{i}): both shards up.
    for (JsonNode promgate : endpoints.get("promgate")) {
      Await.until(Duration.ofSeconds(60), promgate.asText() + " sees both shards up", () -> {
        JsonNode shards = json(promgate.asText() + "/api/v1/shards").at("/data/shards");
        return shards.size() == 2 && shards.get(0).path("health").asText().equals("up")
            && shards.get(1).path("health").asText().equals("up");
      });
    }
    centralSeesBothShardsThroughPromgatesFederate(endpoints);
    influxDbHoldsOneCopyPerSeries_withoutReplicaLabel(endpoints);
    alertmanagersFormOneCluster_watchdogNotifiedOncePerNotification(endpoints);
    sigintToTheProcessGroup_stopsEverythingWithin20s();
  }

  private void everyTargetOnExactlyOneShard_bothReplicasAgree(JsonNode endpoints) {
    List<List<Set<String>>> seen = new ArrayList<>();
    Await.until(Duration.ofSeconds(60), "both replicas of each shard scrape the same targets, every target on one shard",
        () -> {
          seen.clear();
          for (JsonNode shard : endpoints.get("shards")) {
            List<Set<String>> replicas = new ArrayList<>();
            for (JsonNode replica : shard) {
              replicas.add(healthyTargets(replica.asText()));
            }
            seen.add(replicas);
          }
          Set<String> union = new TreeSet<>();
          int total = 0;
          for (List<Set<String>> replicas : seen) {
            if (!replicas.get(0).equals(replicas.get(1))) {
              return false;
            }
            union.addAll(replicas.get(0));
            total += replicas.get(0).size();
          }
          return total == targetAddresses.size() && union.equals(new TreeSet<>(targetAddresses));
        });
    // Both shards have a share: hashmod over 14 addresses puts all on one with odds 2^-13.
    assertTrue(!seen.get(0).get(0).isEmpty() && !seen.get(1).get(0).isEmpty(), "shards: " + seen);
  }

  /** The instances a Prometheus scrapes successfully in job "sharded". */
  private static Set<String> healthyTargets(String prometheus) {
    JsonNode targets = json(prometheus + "/api/v1/targets?state=active").get("data").get("activeTargets");
    Set<String> up = new TreeSet<>();
    for (JsonNode t : targets) {
      if (t.get("labels").get("job").asText().equals("sharded") && t.get("health").asText().equals("up")) {
        up.add(t.get("labels").get("instance").asText());
      }
    }
    return up;
  }

  private void centralSeesBothShardsThroughPromgatesFederate(JsonNode endpoints) {
    String promgate = endpoints.get("promgate").get(0).asText();
    String central = endpoints.get("central").asText();
    // promgate's /federate merges the four shard servers: both shards, one copy per HA pair.
    Await.until(Duration.ofSeconds(60), "promgate's /federate has job:up:sum of both shards", () -> {
      String body = Http.get(promgate + "/federate?match[]=" + Http.param("{__name__=~\"job:.*\"}")).body();
      return body.contains("shard=\"0\"") && body.contains("shard=\"1\"");
    });
    String federated = Http.get(promgate + "/federate?match[]=" + Http.param("job:up:sum")).body();
    List<String> upSums = federated.lines().filter(l -> l.startsWith("job:up:sum{")).toList();
    assertTrue(upSums.stream().noneMatch(l -> l.contains("__replica__")), federated);
    assertEquals(upSums.size(), new HashSet<>(upSums.stream().map(l -> l.substring(0, l.lastIndexOf('}'))).toList()).size(),
        "one series per HA pair: " + federated);
    // The central scrapes it. Its own /federate reads only its local TSDB (its queries would
    // also remote-read InfluxDB), so what it answers there came through promgate's /federate.
    Await.until(Duration.ofSeconds(60), "the central Prometheus stored job:up:sum of both shards", () -> {
      String local = Http.get(central + "/federate?match[]=" + Http.param("job:up:sum{job=\"sharded\"}")).body();
      return local.contains("shard=\"0\"") && local.contains("shard=\"1\"");
    });
    // One slow scrape (1 s interval and timeout on a loaded machine) reads as up 0 for a moment:
    // wait for a successful one rather than sampling the latest.
    Await.until(Duration.ofSeconds(30), "the central scrapes promgate's /federate (up 1)",
        () -> query(central, "up{job=\"federate\"}").get(0).get("value").get(1).asInt() == 1);
  }

  private void influxDbHoldsOneCopyPerSeries_withoutReplicaLabel(JsonNode endpoints) {
    String influx = endpoints.get("influxdb").asText() + "/query?db=prom&q=";
    // Every target's up is stored as one series (the elected replica's), not one per replica.
    Await.until(Duration.ofSeconds(60), "InfluxDB has up{job=\"sharded\"} of every target", () -> {
      JsonNode r = json(influx + Http.param("SHOW SERIES FROM \"up\" WHERE \"job\" = 'sharded'"));
      return r.at("/results/0/series/0/values").size() == targetAddresses.size();
    });
    JsonNode series = json(influx + Http.param("SHOW SERIES FROM \"up\" WHERE \"job\" = 'sharded'"))
        .at("/results/0/series/0/values");
    assertEquals(targetAddresses.size(), series.size(), series.toString());
    JsonNode tagKeys = json(influx + Http.param("SHOW TAG KEYS")).at("/results/0/series");
    List<String> withReplica = new ArrayList<>();
    for (JsonNode measurement : tagKeys) {
      for (JsonNode key : measurement.get("values")) {
        if (key.get(0).asText().equals("__replica__")) {
          withReplica.add(measurement.get("name").asText());
        }
      }
    }
    assertEquals(List.of(), withReplica, "measurements with a __replica__ tag");
    // Both promgates elected the same replica of each shard.
    Map<String, String> elected = new TreeMap<>();
    for (JsonNode promgate : endpoints.get("promgate")) {
      for (JsonNode c : json(promgate.asText() + "/api/v1/ha").at("/data/clusters")) {
        String before = elected.putIfAbsent(c.get("cluster").asText(), c.get("electedReplica").asText());
        assertTrue(before == null || before.equals(c.get("electedReplica").asText()),
            "promgates disagree on " + c.get("cluster") + ": " + before + " vs " + c.get("electedReplica"));
      }
    }
    assertEquals(Set.of("shard-0", "shard-1"), elected.keySet());
  }

  private void alertmanagersFormOneCluster_watchdogNotifiedOncePerNotification(JsonNode endpoints) throws Exception {
    for (JsonNode am : endpoints.get("alertmanagers")) {
      Await.until(Duration.ofSeconds(60), am.asText() + " sees 3 cluster peers", () -> {
        JsonNode cluster = json(am.asText() + "/api/v2/status").get("cluster");
        return cluster.get("status").asText().equals("ready") && cluster.get("peers").size() == 3;
      });
    }
    Path log = Path.of(endpoints.get("webhook_log").asText());
    Await.until(Duration.ofSeconds(90), "the Watchdog reaches the webhook", () -> !watchdog(log).isEmpty());
    // A duplicate would come from the second or third Alertmanager once its wait (its position
    // in the cluster x peer timeout) is over without having heard of the first one's send.
    Instant first = Instant.parse(watchdog(log).get(0).get("receivedAt").asText());
    Instant quiet = first.plus(PEER_TIMEOUT.multipliedBy(2)).plusSeconds(4);
    Await.until(Duration.ofSeconds(30), "the Alertmanagers' dedup window passed", () -> Instant.now().isAfter(quiet));
    Map<String, Integer> perNotification = new HashMap<>();
    for (JsonNode n : watchdog(log)) {
      List<String> starts = new ArrayList<>();
      n.get("alerts").forEach(a -> starts.add(a.get("startsAt").asText()));
      perNotification.merge(n.get("groupKey").asText() + " " + n.get("status").asText() + " " + starts, 1, Integer::sum);
    }
    assertEquals(1, perNotification.size(), "one Watchdog group notified (repeat_interval 1h): " + perNotification);
    perNotification.forEach((key, count) -> assertEquals(1, count, "notifications of " + key));
  }

  /** The webhook's lines about the Watchdog. */
  private static List<JsonNode> watchdog(Path log) {
    List<JsonNode> lines = new ArrayList<>();
    try {
      if (!Files.exists(log)) {
        return lines;
      }
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        JsonNode n = JSON.readTree(line);
        if (n.at("/commonLabels/alertname").asText().equals("Watchdog")) {
          lines.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  private void sigintToTheProcessGroup_stopsEverythingWithin20s() throws Exception {
    assertTrue(!processesUsing(dir).isEmpty(), "the servers' command lines name the demo dir");
    signalGroup("INT");
    boolean stopped = demo.waitFor(20, TimeUnit.SECONDS);
    String out = Files.readString(dir.resolve("demo.out"));
    assertTrue(stopped, "demo.sh still running 20 s after SIGINT:\n" + out);
    assertEquals(0, demo.exitValue(), out);
    assertEquals(Set.of(), processesUsing(dir), "processes left behind:\n" + out);
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().endsWith("_PORT")) {
        assertTrue(!listening(Integer.parseInt(e.getValue())), e.getKey() + " " + e.getValue() + " still listens");
      }
    }
    assertTrue(!Files.exists(dir.resolve("endpoints.json")), "endpoints.json removed once stopped");
    // The order: Prometheus servers, then promgate, then InfluxDB, then the rest.
    List<String> tiers = out.lines().filter(l -> l.startsWith(">> stopped ")).map(l -> l.replaceFirst(" in [0-9.]+ s.*", ""))
        .toList();
    assertEquals(List.of(">> stopped Prometheus servers (their remote-write queues flush into promgate)",
        ">> stopped promgate", ">> stopped InfluxDB", ">> stopped alertmanager-1", ">> stopped alertmanager-2",
        ">> stopped alertmanager-3", ">> stopped targets and webhook", ">> stopped"), tiers, out);
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void signalGroup(String signal) throws Exception {
    new ProcessBuilder("kill", "-" + signal, "--", "-" + demo.pid()).inheritIO().start().waitFor();
  }

  /** Pids of the processes whose command line names {@code dir}. */
  private static Set<Long> processesUsing(Path dir) {
    Set<Long> pids = new TreeSet<>();
    String needle = dir.toString();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          if (cmdline.contains(needle) && !isZombie(p)) {
            pids.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException e) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pids;
  }

  private static boolean isZombie(Path proc) throws IOException {
    String stat = Files.readString(proc.resolve("stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
  }

  private String url(String portVariable) {
    return "http://127.0.0.1:" + env.get(portVariable);
  }

  private static JsonNode query(String prometheus, String promql) {
    return json(prometheus + "/api/v1/query?query=" + Http.param(promql)).at("/data/result");
  }

  private static JsonNode json(String url) {
    Http.Response r = Http.get(url);
    if (!r.isSuccess()) {
      throw new IllegalStateException(url + ": " + r.status() + " " + r.body());
    }
    try {
      return JSON.readTree(r.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
