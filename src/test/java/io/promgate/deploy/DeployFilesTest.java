package io.promgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promgate.config.PromgateConfig;
import io.promgate.testing.RealPrometheus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every config file shipped under deploy/ is valid for the program that reads it. */
class DeployFilesTest {
  static final Path RULES = Path.of("deploy/prometheus/promgate-rules.yml");

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
    PromgateConfig.load(Path.of("deploy/compose/promgate.yml")); // throws with every error listed
  }

  @Test
  void prometheusConfigs_passPromtoolCheckConfig() throws Exception {
    // --syntax-only: rule files and credentials files are paths inside the containers.
    List<Path> configs = prometheusConfigs();
    assertEquals(
        List.of(
            "deploy/compose/prometheus-central.yml",
            "deploy/compose/prometheus-shard-0.yml",
            "deploy/compose/prometheus-shard-1.yml",
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
    assertPromtool("check", "rules", RULES.toString(), "deploy/compose/shard-rules.yml");
  }

  @Test
  void promgateRules_passTheirUnitTests() {
    assertPromtool("test", "rules", "deploy/prometheus/promgate-rules.test.yml");
  }
}
