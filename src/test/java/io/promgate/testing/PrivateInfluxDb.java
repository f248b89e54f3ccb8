package io.promgate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * An influxd of one test's own, for what the shared {@link RealInfluxDb} must not be configured
 * with: {@code auth-enabled} (with an admin user created through its API, as an operator does)
 * and/or HTTPS ({@code https-enabled} with a certificate the test issued).
 */
public final class PrivateInfluxDb implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerProcess process;
  private final String url;
  private final HttpClient client;
  private String authorization;

  private PrivateInfluxDb(ServerProcess process, String url, HttpClient client) {
    this.process = process;
    this.url = url;
    this.client = client;
  }

  /**
   * Starts influxd on a free loopback port; {@code auth} turns on {@code auth-enabled};
   * {@code certAndKey} (or null) turns on HTTPS with that certificate, trusted by this helper
   * through {@code caFile}.
   */
  public static PrivateInfluxDb start(boolean auth, Path[] certAndKey, Path caFile) {
    Path influxd = ServerProcess.findBinary("influxd").orElseThrow(() -> new IllegalStateException("no influxd"));
    Path dir = ServerProcess.createTempDir("promgate-private-influxdb-");
    int httpPort = FreePorts.next();
    String https = certAndKey == null ? "" : """
          https-enabled = true
          https-certificate = "%s"
          https-private-key = "%s"
        """.formatted(certAndKey[0], certAndKey[1]);
    String config = """
        reporting-enabled = false
        bind-address = "127.0.0.1:%2$d"
        [meta]
          dir = "%1$s/meta"
        [data]
          dir = "%1$s/data"
          wal-dir = "%1$s/wal"
          query-log-enabled = false
        [monitor]
          store-enabled = false
        [http]
          bind-address = "127.0.0.1:%3$d"
          log-enabled = false
          auth-enabled = %4$s
        %5$s
        [logging]
          level = "warn"
        """.formatted(dir, FreePorts.next(), httpPort, auth, https);
    try {
      Files.writeString(dir.resolve("influxdb.conf"), config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ServerProcess process = new ServerProcess("influxd",
        List.of(influxd.toString(), "-config", dir.resolve("influxdb.conf").toString()), dir);
    String url = (certAndKey == null ? "http" : "https") + "://127.0.0.1:" + httpPort;
    HttpClient client = certAndKey == null ? HttpClient.newHttpClient()
        : HttpClient.newBuilder().sslContext(TestCertificates.trusting(caFile)).build();
    PrivateInfluxDb db = new PrivateInfluxDb(process, url, client);
    try {
      // /ping answers 204 without credentials even with auth-enabled
      process.start(url + "/ping answered 204", () -> db.pingAnswers(), Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    return db;
  }

  public String url() {
    return url;
  }

  /**
   * Creates the first user, an admin (influxd allows this one statement without credentials when
   * auth is on and no user exists); later calls of this helper authenticate as that user.
   */
  public void createAdmin(String user, String password) {
    query("CREATE USER \"" + user + "\" WITH PASSWORD '" + password + "' WITH ALL PRIVILEGES");
    authorization = "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Runs one InfluxQL statement (POST /query), failing on any error; returns the JSON answer. */
  public JsonNode query(String influxql) {
    return query(null, influxql);
  }

  /** Number of points {@code SELECT * FROM <measurement>} finds in {@code db}. */
  public int count(String db, String measurement) {
    JsonNode series = query(db, "SELECT * FROM \"" + measurement + "\"").path("results").path(0).path("series");
    int n = 0;
    for (JsonNode s : series) {
      n += s.path("values").size();
    }
    return n;
  }

  private JsonNode query(String db, String influxql) {
    String form = "q=" + Http.param(influxql) + (db == null ? "" : "&db=" + Http.param(db));
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/query"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode answer = JSON.readTree(r.body());
      if (r.statusCode() != 200 || answer.has("error") || answer.path("results").path(0).has("error")) {
        throw new IllegalStateException(influxql + ": " + r.statusCode() + " " + r.body());
      }
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean pingAnswers() {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(url + "/ping")).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 204;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
