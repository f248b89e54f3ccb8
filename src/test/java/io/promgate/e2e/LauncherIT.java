package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.promgate.testing.Http;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * scripts/aot-cache.sh and scripts/promgate as an operator runs them, on a copy of the packaged
 * target/quarkus-app: the training run writes the startup cache for the JDK it is given (AOT
 * cache from 25 on, AppCDS archive before), the launcher then starts promgate on that JDK with the
 * cache and its memory defaults, and leaves a cache out once a jar is newer than it.
 */
class LauncherIT {
  private static final Path JDK = Path.of(System.getProperty("java.home"));
  private Path dir;
  private Path app;

  @BeforeEach
  void copyPackage() throws IOException {
    dir = Files.createTempDirectory("promgate-launcher-");
    app = dir.resolve("quarkus-app");
    Path packaged = Path.of("target", "quarkus-app");
    try (Stream<Path> files = Files.walk(packaged)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path rel = packaged.relativize(p);
        if (rel.toString().startsWith("app.") && rel.getNameCount() == 1) {
          continue; // a cache left by an earlier scripts/aot-cache.sh
        }
        Path to = app.resolve(rel.toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    Files.writeString(dir.resolve("promgate.yml"), "storage: {influxdb: {url: 'http://127.0.0.1:1', database: prom}}\n");
  }

  @AfterEach
  void delete() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void aotCacheThenLauncher_startsWithCacheAndMemoryDefaults_skipsStaleCache() throws Exception {
    ProcessBuilder training = new ProcessBuilder("scripts/aot-cache.sh", JDK.toString()).redirectErrorStream(true);
    training.environment().put("PROMGATE_APP_DIR", app.toString());
    Process train = training.start();
    train.getOutputStream().close();
    String out = new String(train.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(train.waitFor(5, TimeUnit.MINUTES), "aot-cache.sh did not finish: " + out);
    assertEquals(0, train.exitValue(), out);

    int feature = Runtime.version().feature();
    String cacheFile = feature >= 25 ? "app.aot" : "app.jsa";
    String cacheFlag = (feature >= 25 ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + app.resolve(cacheFile);
    assertTrue(Files.size(app.resolve(cacheFile)) > 1 << 20, cacheFile + " should hold the classes: " + out);
    String[] jdkLine = Files.readString(app.resolve("app.jdk")).trim().split(" ");
    assertEquals(List.of(JDK.toRealPath().toString(), cacheFile), List.of(jdkLine[0], jdkLine[2]));

    List<String> args = launch();
    assertEquals(JDK.toRealPath().resolve("bin/java").toString(), args.get(0));
    assertEquals(List.of("-Xmx256m", "-XX:+UseG1GC", "-XX:G1HeapRegionSize=2m", "-XX:+ExitOnOutOfMemoryError"),
        args.subList(1, 5));
    assertTrue(args.contains(cacheFlag), args.toString());

    // A rebuilt jar makes the cache stale: started without it, not refused.
    Path jar;
    try (Stream<Path> jars = Files.list(app.resolve("app"))) {
      jar = jars.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
    }
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
    List<String> stale = launch();
    assertFalse(stale.stream().anyMatch(a -> a.startsWith("-XX:AOTCache") || a.startsWith("-XX:SharedArchiveFile")),
        stale.toString());
  }

  /** Starts scripts/promgate until /-/healthy answers; returns the JVM's command line (the launcher execs java). */
  private List<String> launch() throws Exception {
    int port = FreePorts.next();
    ProcessBuilder pb = new ProcessBuilder("scripts/promgate", "--config.file=" + dir.resolve("promgate.yml"),
        "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("promgate.log").toFile());
    pb.environment().put("PROMGATE_APP_DIR", app.toString());
    pb.environment().remove("PROMGATE_JAVA_HOME");
    pb.environment().remove("JAVA_OPTS");
    Process p = pb.start();
    try {
      Await.until(Duration.ofSeconds(60), "promgate answers /-/healthy",
          () -> p.isAlive() && Http.answers("http://127.0.0.1:" + port + "/-/healthy", 200));
      String cmdline = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cmdline"));
      return Arrays.asList(cmdline.split("\0"));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; log:\n" + Files.readString(dir.resolve("promgate.log")), e);
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }
}
