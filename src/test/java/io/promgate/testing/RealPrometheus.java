package io.promgate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Prometheus started from a config text, one per test (it is cheap: ready in about half a
 * second). Close it, typically with try-with-resources.
 *
 * <p>Runs the local {@code prometheus} binary on a free port of 127.0.0.1 with its config and TSDB
 * in a temp dir; without one, Testcontainers {@code prom/prometheus:v2.42.0} when a Docker daemon
 * answers; otherwise it fails saying how to install Prometheus.
 *
 * <p>In a container, the port handed to the config function is the container's own 9090 (right for
 * scraping itself), and targets on the host need {@code host.testcontainers.internal}.
 */
public final class RealPrometheus implements AutoCloseable {

  private static final String IMAGE = "prom/prometheus:v2.42.0";
  private static final String INSTALL =
      "install Prometheus (Debian/Ubuntu: apt-get install -y prometheus, which brings promtool)";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int CONTAINER_PORT = 9090;
  private static final String CONTAINER_CONFIG = "/etc/prometheus/prometheus.yml";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String url;
  private final int port;
  private final ServerProcess process; // null when running in a container
  private final GenericContainer<?> container; // null when running the local binary
  private final Thread shutdownHook = new Thread(this::close, "RealPrometheus-shutdown");

  private RealPrometheus(
      String url, int port, ServerProcess process, GenericContainer<?> container) {
    this.url = url;
    this.port = port;
    this.process = process;
    this.container = container;
    // A test that forgets close() must still not leave a Prometheus running after the JVM.
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts Prometheus with {@code configYaml} and {@code extraFlags}; returns once it is ready. */
  public static RealPrometheus start(String configYaml, String... extraFlags) {
    return start(port -> configYaml, extraFlags);
  }

  /**
   * Starts Prometheus with the config {@code configForPort} writes for the port Prometheus will
   * listen on, for configs that mention it (scraping itself, federating from itself).
   */
  public static RealPrometheus start(IntFunction<String> configForPort, String... extraFlags) {
    Optional<Path> binary = ServerProcess.findBinary("prometheus");
    if (binary.isPresent()) {
      return startLocal(binary.get(), configForPort, extraFlags);
    }
    if (DockerClientFactory.instance().isDockerAvailable()) {
      return startContainer(configForPort, extraFlags);
    }
    throw new IllegalStateException(
        "No Prometheus for the tests: "
            + INSTALL
            + ", or start Docker so Testcontainers can run "
            + IMAGE
            + ".");
  }

  /**
   * Starts the local Prometheus with {@code webConfigYaml} as its {@code --web.config.file}
   * (TLS, client certificates, basic auth), which its own /-/ready check cannot get through:
   * ready once it logs that it serves. {@link #url()} stays {@code http://}; TLS callers swap the
   * scheme. Local binary only.
   */
  public static RealPrometheus startWithWebConfig(IntFunction<String> configForPort, String webConfigYaml) {
    Path binary = ServerProcess.findBinary("prometheus")
        .orElseThrow(() -> new IllegalStateException("No Prometheus for the tests: " + INSTALL));
    int port = FreePorts.next();
    Path dir = ServerProcess.createTempDir("promgate-prometheus-");
    writeFile(dir.resolve("prometheus.yml"), configForPort.apply(port));
    writeFile(dir.resolve("web.yml"), webConfigYaml);
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(flags(dir.resolve("prometheus.yml").toString(), dir.resolve("data").toString(), "127.0.0.1:" + port));
    command.add("--web.config.file=" + dir.resolve("web.yml"));
    ServerProcess process = new ServerProcess("prometheus", command, dir);
    try {
      process.start("Prometheus ready", () -> process.logContains("Server is ready to receive web requests."),
          START_TIMEOUT);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    return new RealPrometheus("http://127.0.0.1:" + port, port, process, null);
  }

  private static RealPrometheus startLocal(
      Path binary, IntFunction<String> configForPort, String... extraFlags) {
    int port = FreePorts.next();
    Path dir = ServerProcess.createTempDir("promgate-prometheus-");
    writeFile(dir.resolve("prometheus.yml"), configForPort.apply(port));
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(
        flags(
            dir.resolve("prometheus.yml").toString(),
            dir.resolve("data").toString(),
            "127.0.0.1:" + port));
    command.addAll(List.of(extraFlags));
    ServerProcess process = new ServerProcess("prometheus", command, dir);
    String url = "http://127.0.0.1:" + port;
    try {
      process.start(url + "/-/ready", 200, START_TIMEOUT);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    return new RealPrometheus(url, port, process, null);
  }

  private static RealPrometheus startContainer(
      IntFunction<String> configForPort, String... extraFlags) {
    List<String> command =
        new ArrayList<>(flags(CONTAINER_CONFIG, "/prometheus", "0.0.0.0:" + CONTAINER_PORT));
    command.addAll(List.of(extraFlags));
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse(IMAGE))
            .withCopyToContainer(
                Transferable.of(configForPort.apply(CONTAINER_PORT)), CONTAINER_CONFIG)
            .withCommand(command.toArray(String[]::new))
            .withExposedPorts(CONTAINER_PORT)
            .withAccessToHost(true)
            .waitingFor(Wait.forHttp("/-/ready").forStatusCode(200))
            .withStartupTimeout(Duration.ofSeconds(120));
    container.start();
    int port = container.getMappedPort(CONTAINER_PORT);
    return new RealPrometheus("http://" + container.getHost() + ":" + port, port, null, container);
  }

  private static List<String> flags(String configFile, String dataDir, String listenAddress) {
    return List.of(
        "--config.file=" + configFile,
        "--storage.tsdb.path=" + dataDir,
        "--web.listen-address=" + listenAddress,
        "--web.enable-lifecycle",
        "--web.enable-admin-api");
  }

  /** Base URL without a trailing slash, as reachable from the tests. */
  public String url() {
    return url;
  }

  /** The port in {@link #url()}. */
  public int port() {
    return port;
  }

  /** The TSDB directory (local binary only), e.g. to inspect blocks after {@link #stop()}. */
  public Path dataDir() {
    if (process == null) {
      throw new UnsupportedOperationException("Prometheus runs in a container: no local data dir");
    }
    return process.dir().resolve("data");
  }

  /** {@code GET /api/v1/query} at {@code timeSeconds}; returns its {@code data}. */
  public JsonNode query(String promql, double timeSeconds) {
    return data(get("/api/v1/query?query=" + Http.param(promql) + "&time=" + seconds(timeSeconds)));
  }

  /** {@code GET /api/v1/query_range}; returns its {@code data}. */
  public JsonNode queryRange(String promql, double start, double end, double stepSeconds) {
    return data(
        get(
            "/api/v1/query_range?query="
                + Http.param(promql)
                + "&start="
                + seconds(start)
                + "&end="
                + seconds(end)
                + "&step="
                + seconds(stepSeconds)));
  }

  /** GETs a JSON endpoint, e.g. {@code /api/v1/targets}; throws on a non-200 answer. */
  public JsonNode get(String pathAndQuery) {
    try {
      return JSON.readTree(getText(pathAndQuery));
    } catch (IOException e) {
      throw new IllegalStateException(pathAndQuery + " did not answer JSON", e);
    }
  }

  /** GETs a text endpoint, e.g. {@code /federate?match[]=up} or {@code /metrics}. */
  public String getText(String pathAndQuery) {
    Http.Response response = Http.get(url + pathAndQuery);
    if (response.status() != 200) {
      throw new IllegalStateException(
          "GET " + pathAndQuery + " answered " + response.status() + ": " + response.body());
    }
    return response.body();
  }

  /**
   * Replaces the config and applies it with {@code POST /-/reload}; throws if Prometheus refuses.
   */
  public void reload(String newConfigYaml) {
    if (process != null) {
      writeFile(process.dir().resolve("prometheus.yml"), newConfigYaml);
    } else {
      container.copyFileToContainer(Transferable.of(newConfigYaml), CONTAINER_CONFIG);
    }
    Http.Response response = Http.post(url + "/-/reload", new byte[0]);
    if (response.status() != 200) {
      throw new IllegalStateException(
          "reload answered " + response.status() + ": " + response.body());
    }
  }

  /** Stops Prometheus (SIGTERM, then waits); the data dir stays until {@link #close()}. */
  public void stop() {
    if (process != null) {
      process.stop();
    } else {
      container.stop();
    }
  }

  /**
   * Starts a {@link #stop()}ped Prometheus again on the same port, with its current config file
   * and data; returns once it is ready. Local binary only.
   */
  public void restart() {
    if (process == null) {
      throw new UnsupportedOperationException("Prometheus runs in a container: no restart");
    }
    process.start(url + "/-/ready", 200, START_TIMEOUT);
  }

  /** Stops Prometheus and deletes its temp dir. */
  @Override
  public void close() {
    if (process != null) {
      process.close();
    } else {
      container.stop();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: this is the hook running.
    }
  }

  /** What {@link #promtool} printed and how it exited. */
  public record ToolResult(int exitCode, String output) {}

  /**
   * Runs the local {@code promtool}, e.g. {@code promtool("check", "config", path)}, and returns
   * its exit code and combined stdout and stderr.
   */
  public static ToolResult promtool(String... args) {
    Path promtool =
        ServerProcess.findBinary("promtool")
            .orElseThrow(() -> new IllegalStateException("No promtool for the tests: " + INSTALL));
    List<String> command = new ArrayList<>();
    command.add(promtool.toString());
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      // Output is small; reading it to the end before waitFor cannot deadlock on a full pipe.
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("promtool did not finish within 60 s: " + command);
      }
      return new ToolResult(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + command, e);
    }
  }

  private static JsonNode data(JsonNode answer) {
    if (!"success".equals(answer.path("status").asText())) {
      throw new IllegalStateException("Prometheus answered " + answer);
    }
    return answer.get("data");
  }

  // Plain decimal: Double.toString would write 1.7E9, which reads badly in a failing URL.
  private static String seconds(double value) {
    return BigDecimal.valueOf(value).toPlainString();
  }

  private static void writeFile(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
