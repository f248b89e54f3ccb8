package io.promgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promgate.config.PromgateConfig;
import io.promgate.testing.RealPrometheus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every config file shipped under deploy/ is valid for the program that reads it. */
class DeployFilesTest {
  static final Path RULES = Path.of("deploy/prometheus/promgate-rules.yml");
  static final Path CENTRAL_RULES = Path.of("deploy/prometheus/central-rules.yml");
  static final Path SHARD_RULES = Path.of("deploy/prometheus/shard-rules.yml");

  /** Every Prometheus configuration under deploy/: files named prometheus-*.yml. */
  static List<Path> prometheusConfigs() throws IOException {
    try (Stream<Path> s = Files.walk(Path.of("deploy"))) {
      return s.filter(p -> p.getFileName().toString().matches("prometheus-.*\\.yml")).sorted().toList();
    }
  }

  private static void assertPromtool(String... args) {
    var r = RealPrometheus.promtool(args);
    assertEquals(0, r.exitCode(), "promtool " + String.join(" ", args) + ":\n" + r.output());
  }

  @Test
  void composePromgateConfig_validates() throws Exception {
    // Throws with every error listed.
    String file = "deploy/compose/promgate.yml";
    PromgateConfig.parse(file, Files.readString(Path.of(file)));
  }

  @Test
  void prometheusConfigs_passPromtoolCheckConfig() throws Exception {
    // --syntax-only: rule files and credentials files are paths inside the containers.
    List<Path> configs = prometheusConfigs();
    assertEquals(
        List.of(
            "deploy/compose/prometheus-central.yml",
            "deploy/compose/prometheus-shard-0a.yml",
            "deploy/compose/prometheus-shard-0b.yml",
            "deploy/compose/prometheus-shard-1a.yml",
            "deploy/compose/prometheus-shard-1b.yml",
            "deploy/kubernetes/prometheus/prometheus-central.yml",
            "deploy/kubernetes/prometheus/prometheus-shard-0.yml",
            "deploy/kubernetes/prometheus/prometheus-shard-1.yml"),
        configs.stream().map(Path::toString).toList());
    for (Path p : configs) {
      assertPromtool("check", "config", "--syntax-only", p.toString());
    }
  }

  @Test
  void ruleFiles_passPromtoolCheckRules() {
    assertPromtool("check", "rules", RULES.toString(), CENTRAL_RULES.toString(), SHARD_RULES.toString());
  }

  @Test
  void alertmanagerConfigs_passAmtoolCheckConfig() throws Exception {
    List<Path> configs;
    try (Stream<Path> s = Files.walk(Path.of("deploy"))) {
      configs = s.filter(p -> p.getFileName().toString().matches("alertmanager.*\\.yml")).sorted().toList();
    }
    assertEquals(List.of("deploy/compose/alertmanager.yml", "deploy/kubernetes/alertmanager/alertmanager.yml"),
        configs.stream().map(Path::toString).toList());
    for (Path p : configs) {
      List<String> command = new ArrayList<>(List.of("amtool", "check-config", p.toString()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(true, process.waitFor(60, TimeUnit.SECONDS), "amtool did not finish");
      assertEquals(0, process.exitValue(), "amtool check-config " + p + ":\n" + output);
    }
  }

  @Test
  void promgateRules_passTheirUnitTests() {
    assertPromtool("test", "rules", "deploy/prometheus/promgate-rules.test.yml");
  }
}
