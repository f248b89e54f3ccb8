package io.promgate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged promgate ({@code target/quarkus-app/quarkus-run.jar}, built by {@code mvn package})
 * run as its users run it: a separate JVM with the Prometheus-style flags, on a free loopback
 * port. For end-to-end tests (failsafe, {@code *IT}) that need several promgates or the real CLI.
 */
public final class PromgateProcess implements AutoCloseable {
  private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

  private final ServerProcess process;
  private final String url;
  private final Path configFile;

  private PromgateProcess(ServerProcess process, String url, Path configFile) {
    this.process = process;
    this.url = url;
    this.configFile = configFile;
  }

  /** The promgate.yml this process was started with; rewrite it to test reloads. */
  public Path configFile() {
    return configFile;
  }

  /** Sends SIGHUP, which makes promgate reread its config file. */
  public void sighup() {
    try {
      Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -HUP failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts promgate with {@code promgateYml} as its config file; returns once /-/healthy answers. */
  public static PromgateProcess start(String promgateYml, String... extraFlags) {
    return run(promgateYml, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", JAR.toAbsolutePath().toString()), extraFlags);
  }

  /**
   * Starts promgate through {@code scripts/promgate}, the launcher operators use, so it runs with the
   * launcher's default heap and flags ({@code JAVA_OPTS} and {@code PROMGATE_JAVA_HOME} cleared).
   */
  public static PromgateProcess launch(String promgateYml, String... extraFlags) {
    // env -u: the launcher must see exactly what an operator's shell without overrides gives it
    return run(promgateYml, List.of("env", "-u", "JAVA_OPTS", "-u", "PROMGATE_JAVA_HOME",
        "JAVA_HOME=" + System.getProperty("java.home"), Path.of("scripts", "promgate").toAbsolutePath().toString()),
        extraFlags);
  }

  /** Runs {@code launcher} with the config file, a free loopback port and {@code extraFlags}. */
  private static PromgateProcess run(String promgateYml, List<String> launcher, String... extraFlags) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run `./mvnw package` (or `verify`) first");
    }
    int port = FreePorts.next();
    Path dir = ServerProcess.createTempDir("promgate-");
    Path config = dir.resolve("promgate.yml");
    try {
      Files.writeString(config, promgateYml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>(launcher);
    command.add("--config.file=" + config);
    command.add("--web.listen-address=127.0.0.1:" + port);
    command.addAll(List.of(extraFlags));
    ServerProcess process = new ServerProcess("promgate", command, dir);
    try {
      // Quarkus logs "Listening on: http(s)://..." once serving; works for HTTPS without trusting its CA.
      process.start("promgate listening", () -> process.logContains("Listening on: "), Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    return new PromgateProcess(process, "http://127.0.0.1:" + port, config);
  }

  /** Sends {@code signal} (e.g. "TERM") to the JVM (the launcher execs java, so its pid is the JVM's). */
  public void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + signal + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits for promgate to exit; its exit code, or -1 if it still runs after {@code timeout}. */
  public int waitForExit(Duration timeout) {
    return process.waitForExit(timeout);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public boolean logContains(String text) {
    return process.logContains(text);
  }

  /** Runs the packaged promgate with {@code args} to completion (e.g. a failing start); returns exit code and output. */
  public static RealPrometheus.ToolResult run(Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("promgate " + String.join(" ", args) + " did not exit within " + timeout);
      }
      return new RealPrometheus.ToolResult(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String url() {
    return url;
  }

  /** The promgate JVM's process id (e.g. to list its sockets). */
  public long pid() {
    return process.pid();
  }

  public int port() {
    return URI.create(url).getPort();
  }

  /** promgate's own /metrics, in Prometheus text format. */
  public String metrics() {
    Http.Response r = Http.get(url + "/metrics");
    if (r.status() != 200) {
      throw new IllegalStateException("/metrics answered " + r.status() + ": " + r.body());
    }
    return r.body();
  }

  /**
   * Rewrites the config file with {@code promgateYml} and reloads it through {@code POST /-/reload}
   * (needs {@code --web.enable-lifecycle}), as an operator does; fails unless the reload succeeded.
   */
  public void reload(String promgateYml) {
    try {
      Files.writeString(configFile, promgateYml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Http.Response r = Http.post(url + "/-/reload", new byte[0]);
    if (r.status() != 200) {
      throw new IllegalStateException("reload answered " + r.status() + ": " + r.body());
    }
  }

  public String logTail() {
    return process.logTail();
  }

  @Override
  public void close() {
    process.close();
  }
}
