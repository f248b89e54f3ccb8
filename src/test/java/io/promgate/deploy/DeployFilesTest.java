package io.promgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
  private static List<Path> files(String glob) throws IOException {
    var matcher = Path.of("deploy").getFileSystem().getPathMatcher("glob:" + glob);
    try (Stream<Path> s = Files.walk(Path.of("deploy"))) {
      return s.filter(p -> matcher.matches(p.getFileName())).toList();
    }
  }

  @Test
  void promgateConfigs_validate() throws Exception {
    List<Path> configs = files("promgate*.yml");
    assertFalse(configs.isEmpty());
    for (Path p : configs) {
      PromgateConfig.load(p); // throws with every error listed
    }
  }

  @Test
  void prometheusConfigs_passPromtoolCheckConfig() throws Exception {
    List<Path> configs = files("prometheus*.yml");
    assertFalse(configs.isEmpty());
    for (Path p : configs) {
      var r = RealPrometheus.promtool("check", "config", "--syntax-only", p.toString());
      assertEquals(0, r.exitCode(), p + ": " + r.output());
    }
  }
}
