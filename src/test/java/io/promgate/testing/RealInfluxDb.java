package io.promgate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A real InfluxDB 1.x for tests whose behaviour crosses the wire, shared by every test in the JVM
 * ({@link #shared()}); each test class isolates itself with {@link #freshDatabase}.
 *
 * <p>Resolved in this order:
 *
 * <ol>
 *   <li>{@code PROMGATE_TEST_INFLUXDB_URL}, e.g. {@code http://127.0.0.1:8086}: an external server
 *       the harness cannot stop;
 *   <li>the local {@code influxd} binary, run with a generated config in a temp dir, every port a
 *       free one on 127.0.0.1;
 *   <li>Testcontainers {@code influxdb:1.8} when a Docker daemon answers;
 *   <li>otherwise the first call fails, saying how to install InfluxDB.
 * </ol>
 *
 * <p>Outage tests use {@link #stop()} and {@link #start()}; only a local process can do that (see
 * {@link #canStopAndStart()}). Because the server is shared, a test that calls {@code stop()} must
 * call {@code start()} again in a {@code finally} block.
 */
public final class RealInfluxDb {

  public static final String URL_ENV = "PROMGATE_TEST_INFLUXDB_URL";
  public static final String STORAGE_ENV = "PROMGATE_TEST_INFLUXDB_STORAGE_ADDRESS";
  private static final String IMAGE = "influxdb:1.8";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RealInfluxDb shared;
  private static RuntimeException sharedFailure;

  // Database names carry a per-JVM id so that two runs against one external server do not meet.
  private static final String RUN_ID =
      Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final String url;
  private final ServerProcess process; // null unless we run influxd ourselves
  private final GenericContainer<?> container; // null unless we run a container
  private final List<String> createdDatabases = new ArrayList<>();

  /** host:port of the storage service ({@code [ifql]}), or null where it is not known. */
  private String storageAddress;

  private RealInfluxDb(String url, ServerProcess process, GenericContainer<?> container) {
    this.url = url;
    this.process = process;
    this.container = container;
  }

  /**
   * The JVM-wide server, started on first use and stopped by a shutdown hook. A failed start is
   * remembered, so a missing InfluxDB fails every test fast instead of each retrying for 30 s.
   */
  public static synchronized RealInfluxDb shared() {
    if (sharedFailure != null) {
      throw new IllegalStateException(
          "InfluxDB could not be started earlier: " + sharedFailure.getMessage(), sharedFailure);
    }
    if (shared == null) {
      try {
        shared = resolve();
      } catch (RuntimeException e) {
        sharedFailure = e;
        throw e;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "RealInfluxDb-shutdown"));
    }
    return shared;
  }

  private static RealInfluxDb resolve() {
    String external = System.getenv(URL_ENV);
    if (external != null && !external.isBlank()) {
      String url = external.replaceAll("/+$", "");
      if (!Http.answers(url + "/ping", 204)) {
        throw new IllegalStateException(
            URL_ENV + "=" + external + " does not answer /ping with 204");
      }
      RealInfluxDb db = new RealInfluxDb(url, null, null);
      String storage = System.getenv(STORAGE_ENV);
      db.storageAddress = storage == null || storage.isBlank() ? null : storage.trim();
      return db;
    }
    Optional<Path> influxd = ServerProcess.findBinary("influxd");
    if (influxd.isPresent()) {
      return startLocal(influxd.get());
    }
    if (DockerClientFactory.instance().isDockerAvailable()) {
      return startContainer();
    }
    throw new IllegalStateException(
        "No InfluxDB 1.x for the tests: install it (Debian/Ubuntu: apt-get install -y influxdb), "
            + "set "
            + URL_ENV
            + "=http://host:8086 to use a running one, or start Docker so "
            + "Testcontainers can run "
            + IMAGE
            + ".");
  }

  private static RealInfluxDb startLocal(Path influxd) {
    Path dir = ServerProcess.createTempDir("promgate-influxdb-");
    int httpPort = FreePorts.next();
    Path config = dir.resolve("influxdb.conf");
    int storagePort = FreePorts.next();
    write(config, config(dir, httpPort, FreePorts.next(), storagePort));
    ServerProcess process =
        new ServerProcess(
            "influxd", List.of(influxd.toString(), "-config", config.toString()), dir);
    String url = "http://127.0.0.1:" + httpPort;
    try {
      process.start(url + "/ping", 204, START_TIMEOUT);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    RealInfluxDb db = new RealInfluxDb(url, process, null);
    db.storageAddress = "127.0.0.1:" + storagePort;
    return db;
  }

  /**
   * influxd opens two listeners: HTTP and the RPC service used by backup/restore (top-level {@code
   * bind-address}, 8088 by default). Both go to free loopback ports so that parallel runs and a
   * system InfluxDB do not collide. Access log off and level warn keep the log readable;
   * max-body-size stays at its default because promgate must live with it.
   */
  private static String config(Path dir, int httpPort, int rpcPort, int storagePort) {
    return """
    # Generated by io.promgate.testing.RealInfluxDb
    reporting-enabled = false
    bind-address = "127.0.0.1:%3$d"

    [meta]
      dir = "%1$s/meta"

    [data]
      dir = "%1$s/data"
      wal-dir = "%1$s/wal"
      query-log-enabled = false
      # small snapshots put test data into TSM files soon (the storage service reads both)
      cache-snapshot-memory-size = "1m"

    [monitor]
      store-enabled = false

    [http]
      bind-address = "127.0.0.1:%2$d"
      log-enabled = false

    # The storage service promgate's remote read can use (remote_read.influxdb_storage_address).
    [ifql]
      enabled = true
      bind-address = "127.0.0.1:%4$d"
      log-enabled = false

    [logging]
      level = "warn"
    """
        .formatted(dir, httpPort, rpcPort, storagePort);
  }

  private static RealInfluxDb startContainer() {
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse(IMAGE))
            .withEnv("INFLUXDB_REPORTING_DISABLED", "true")
            .withEnv("INFLUXDB_HTTP_LOG_ENABLED", "false")
            .withExposedPorts(8086)
            .waitingFor(Wait.forHttp("/ping").forStatusCode(204))
            .withStartupTimeout(Duration.ofSeconds(120));
    container.start();
    String url = "http://" + container.getHost() + ":" + container.getMappedPort(8086);
    return new RealInfluxDb(url, null, container);
  }

  /** Base URL without a trailing slash, e.g. {@code http://127.0.0.1:40123}. */
  /**
   * host:port of InfluxDB's storage service ({@code [ifql]}), which the local server always runs;
   * for a server given by {@value #URL_ENV}, from {@value #STORAGE_ENV}.
   */
  public String storageAddress() {
    if (storageAddress == null) {
      throw new IllegalStateException("InfluxDB's storage service address is unknown: set " + STORAGE_ENV
          + "=host:port of its [ifql] bind-address (InfluxDB 1.6)");
    }
    return storageAddress;
  }

  /** Whether {@link #storageAddress()} is known. */
  public boolean hasStorageService() {
    return storageAddress != null;
  }

  public String url() {
    return url;
  }

  /** InfluxDB 1.x's own Prometheus remote-write endpoint (snappy protobuf), for comparisons. */
  public String promWriteUrl(String db) {
    return url + "/api/v1/prom/write?db=" + Http.param(db);
  }

  /** InfluxDB 1.x's own Prometheus remote-read endpoint (snappy protobuf), for comparisons. */
  public String promReadUrl(String db) {
    return url + "/api/v1/prom/read?db=" + Http.param(db);
  }

  /** Creates a database no other test uses, named {@code <prefix>_<run>_<n>}, and returns it. */
  public String freshDatabase(String prefix) {
    String name =
        prefix.replaceAll("[^A-Za-z0-9_]", "_") + "_" + RUN_ID + "_" + DATABASES.incrementAndGet();
    execute("CREATE DATABASE \"" + name + "\"");
    synchronized (createdDatabases) {
      createdDatabases.add(name);
    }
    return name;
  }

  /** Writes line protocol with millisecond timestamps; throws with InfluxDB's answer on non-2xx. */
  public void write(String db, String lineProtocol) {
    Http.Response response = writeResponse(db, lineProtocol);
    if (!response.isSuccess()) {
      throw new IllegalStateException(
          "write to " + db + " answered " + response.status() + ": " + response.body());
    }
  }

  /** Like {@link #write} but returns InfluxDB's answer, for tests about rejected writes. */
  public Http.Response writeResponse(String db, String lineProtocol) {
    return Http.post(url + "/write?precision=ms&db=" + Http.param(db), lineProtocol);
  }

  /**
   * Runs a read-only InfluxQL query with {@code epoch=ms} and returns the whole parsed answer
   * ({@code {"results":[...]}}); throws if InfluxDB reports an error for any statement.
   *
   * <p>Beware: InfluxDB prints float {@code -0.0} as {@code -0}, which Jackson reads as the integer
   * 0; use {@link #queryText} where the sign of zero matters.
   */
  public JsonNode query(String db, String influxql) {
    return checked(influxql, parse(queryText(db, influxql)));
  }

  /** The raw JSON text of a query answer with {@code epoch=ms}; throws on non-200. */
  public String queryText(String db, String influxql) {
    Http.Response response = Http.get(queryUrl(db, influxql, ""));
    if (response.status() != 200) {
      throw new IllegalStateException(
          "query " + influxql + " answered " + response.status() + ": " + response.body());
    }
    return response.body();
  }

  /**
   * Runs a query with {@code chunked=true&chunk_size=n}: InfluxDB then streams one JSON document
   * per line, and this returns them in order.
   */
  public List<JsonNode> queryChunked(String db, String influxql, int chunkSize) {
    Http.Response response =
        Http.get(queryUrl(db, influxql, "&chunked=true&chunk_size=" + chunkSize));
    if (response.status() != 200) {
      throw new IllegalStateException(
          "query " + influxql + " answered " + response.status() + ": " + response.body());
    }
    List<JsonNode> chunks = new ArrayList<>();
    for (String line : response.body().split("\n")) {
      if (!line.isBlank()) {
        chunks.add(checked(influxql, parse(line)));
      }
    }
    return chunks;
  }

  /** Runs a statement that changes state (CREATE, DROP...) as a POST; throws on any error. */
  public JsonNode execute(String influxql) {
    Http.Response response = Http.post(url + "/query?q=" + Http.param(influxql), new byte[0]);
    return checked(influxql, parse(response.body()));
  }

  /** The series of the first statement's result, flattened for assertions. */
  public List<Series> select(String db, String influxql) {
    JsonNode result = query(db, influxql).path("results").path(0);
    List<Series> series = new ArrayList<>();
    for (JsonNode s : result.path("series")) {
      Map<String, String> tags = new HashMap<>();
      s.path("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
      List<String> columns = new ArrayList<>();
      s.path("columns").forEach(c -> columns.add(c.asText()));
      List<List<JsonNode>> rows = new ArrayList<>();
      for (JsonNode row : s.path("values")) {
        List<JsonNode> values = new ArrayList<>();
        row.forEach(values::add);
        rows.add(values);
      }
      series.add(new Series(s.path("name").asText(), Map.copyOf(tags), columns, rows));
    }
    return series;
  }

  /** One series of an InfluxQL answer; {@code rows} keep InfluxDB's JSON values as they came. */
  public record Series(
      String name, Map<String, String> tags, List<String> columns, List<List<JsonNode>> rows) {

    /** The values of one column, in row order. */
    public List<JsonNode> column(String column) {
      int index = columns.indexOf(column);
      if (index < 0) {
        throw new IllegalArgumentException("no column " + column + " in " + columns);
      }
      return rows.stream().map(row -> row.get(index)).toList();
    }
  }

  /** {@code true} when {@code /ping} answers 204 right now. */
  public boolean ping() {
    return Http.answers(url + "/ping", 204);
  }

  /** Only an influxd we started ourselves can be stopped and started again on the same port. */
  public boolean canStopAndStart() {
    return process != null;
  }

  /**
   * Kills the server (SIGTERM) and waits for it to exit. The server is shared: call {@link
   * #start()} in a {@code finally} block.
   */
  public void stop() {
    requireOwnProcess().stop();
  }

  /** Starts the server again on the same port with the same data, and waits for {@code /ping}. */
  public void start() {
    requireOwnProcess().start(url + "/ping", 204, START_TIMEOUT);
  }

  private ServerProcess requireOwnProcess() {
    if (process == null) {
      throw new UnsupportedOperationException(
          "InfluxDB at " + url + " is not a local process; check canStopAndStart() first");
    }
    return process;
  }

  private void close() {
    if (process != null) {
      process.close();
    } else if (container != null) {
      container.stop();
    } else {
      dropCreatedDatabases();
    }
  }

  // Only for an external server: leave it as we found it. A failure here must not hide a result.
  private void dropCreatedDatabases() {
    synchronized (createdDatabases) {
      for (String db : createdDatabases) {
        try {
          execute("DROP DATABASE \"" + db + "\"");
        } catch (RuntimeException e) {
          // best effort at JVM exit
        }
      }
    }
  }

  private String queryUrl(String db, String influxql, String extra) {
    return url + "/query?epoch=ms&db=" + Http.param(db) + "&q=" + Http.param(influxql) + extra;
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("InfluxDB answered something that is not JSON: " + json, e);
    }
  }

  private static JsonNode checked(String influxql, JsonNode answer) {
    if (answer.has("error")) {
      throw new IllegalStateException(influxql + ": " + answer.get("error").asText());
    }
    for (JsonNode result : answer.path("results")) {
      if (result.has("error")) {
        throw new IllegalStateException(influxql + ": " + result.get("error").asText());
      }
    }
    return answer;
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
