package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.promgate.prompb.Remote;
import io.promgate.testing.Http;
import io.promgate.testing.PrivateInfluxDb;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.TestCertificates;
import io.promgate.write.SnappyBlocks;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * promgate's InfluxDB credentials and TLS against real influxd 1.6 instances of the test's own:
 * {@code auth-enabled} with an admin created through the API ({@code username}/{@code password},
 * {@code password_file}; wrong ones refused → 503), and HTTPS with a certificate issued in the test
 * ({@code tls_config}: {@code ca_file}, {@code server_name}, {@code insecure_skip_verify}).
 */
class InfluxDbAuthIT {
  private static final String ADMIN = "admin";
  private static final String PASSWORD = "adm1n-pw";

  private static Http.Response write(PromgateProcess p, String metric) {
    byte[] pb = Remote.WriteRequest.newBuilder().addTimeseries(Remote.TimeSeries.newBuilder()
        .addLabels(Remote.Label.newBuilder().setName("__name__").setValue(metric))
        .addSamples(Remote.Sample.newBuilder().setValue(1).setTimestamp(1_700_000_000_000L))).build().toByteArray();
    return Http.post(p.url() + "/api/v1/write", SnappyBlocks.compress(pb, 0, pb.length),
        "Content-Type", "application/x-protobuf", "Content-Encoding", "snappy");
  }

  @Test
  void usernamePassword_authEnabledInfluxDb_storesWithRightCredentialsAnd503WithWrong() {
    try (PrivateInfluxDb influx = PrivateInfluxDb.start(true, null, null)) {
      influx.createAdmin(ADMIN, PASSWORD);
      // create_database (the default) runs CREATE DATABASE with these credentials too
      try (PromgateProcess p = PromgateProcess.start("""
          storage: {influxdb: {url: '%s', database: authdb, username: %s, password: '%s'}}
          """.formatted(influx.url(), ADMIN, PASSWORD))) {
        assertEquals(204, write(p, "auth_basic").status());
        assertEquals(1, influx.count("authdb", "auth_basic"));
      }
      try (PromgateProcess p = PromgateProcess.start("""
          storage: {influxdb: {url: '%s', database: authdb, username: %s, password: wrong, create_database: false}}
          """.formatted(influx.url(), ADMIN))) {
        Http.Response r = write(p, "auth_wrong");
        assertEquals(503, r.status(), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent(), "Prometheus retries");
        assertEquals(0, influx.count("authdb", "auth_wrong"));
      }
      try (PromgateProcess p = PromgateProcess.start("""
          storage: {influxdb: {url: '%s', database: authdb, create_database: false}}
          """.formatted(influx.url()))) {
        assertEquals(503, write(p, "auth_none").status(), "no credentials: refused by InfluxDB");
        assertEquals(0, influx.count("authdb", "auth_none"));
      }
    }
  }

  @Test
  void passwordFile_authEnabledInfluxDb_readsThePasswordFromTheFile() throws Exception {
    Path dir = Files.createTempDirectory("promgate-influx-secret");
    Path file = dir.resolve("password");
    Files.writeString(file, PASSWORD + "\n");
    try (PrivateInfluxDb influx = PrivateInfluxDb.start(true, null, null)) {
      influx.createAdmin(ADMIN, PASSWORD);
      try (PromgateProcess p = PromgateProcess.start("""
          storage: {influxdb: {url: '%s', database: authdb, username: %s, password_file: '%s'}}
          """.formatted(influx.url(), ADMIN, file))) {
        assertEquals(204, write(p, "auth_password_file").status());
        assertEquals(1, influx.count("authdb", "auth_password_file"));
      }
    }
  }

  @Test
  void token_influxDb16_isRefusedAs503() {
    // InfluxDB 1.6 knows no "Authorization: Token" (1.8 and 2.x/3.x do): the token reaches it and
    // is refused, which promgate reports as storage trouble (503) rather than storing anything.
    try (PrivateInfluxDb influx = PrivateInfluxDb.start(true, null, null)) {
      influx.createAdmin(ADMIN, PASSWORD);
      influx.query("CREATE DATABASE authdb");
      try (PromgateProcess p = PromgateProcess.start("""
          storage: {influxdb: {url: '%s', database: authdb, token: '%s:%s', create_database: false}}
          """.formatted(influx.url(), ADMIN, PASSWORD))) {
        assertEquals(503, write(p, "auth_token").status());
        assertEquals(0, influx.count("authdb", "auth_token"));
      }
    }
  }

  /**
   * No InfluxDB that accepts {@code Authorization: Token} (2.x/3.x, 1.8) is installed, so what
   * {@code token} and {@code token_file} put on the wire is checked on a recording server.
   */
  @Test
  void tokenAndTokenFile_sentAsAuthorizationToken() throws Exception {
    Path dir = Files.createTempDirectory("promgate-influx-token");
    Path file = dir.resolve("token");
    Files.writeString(file, "from-the-file\n");
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      if (exchange.getRequestURI().getPath().equals("/write")) {
        seen.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      }
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      try (PromgateProcess p = PromgateProcess.start("""
          storage: {influxdb: {url: '%s', database: db, token: inline-token, create_database: false}}
          """.formatted(url))) {
        assertEquals(204, write(p, "token_inline").status());
      }
      try (PromgateProcess p = PromgateProcess.start("""
          storage: {influxdb: {url: '%s', database: db, token_file: '%s', create_database: false}}
          """.formatted(url, file))) {
        assertEquals(204, write(p, "token_file").status());
      }
      assertEquals(List.of("Token inline-token", "Token from-the-file"), seen);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void tlsConfig_httpsInfluxDb_caFileServerNameAndSkipVerify() throws Exception {
    Path dir = Files.createTempDirectory("promgate-influx-tls");
    TestCertificates certs = TestCertificates.create(dir);
    Path[] cert = certs.issue("influxdb"); // for 127.0.0.1 and localhost
    try (PrivateInfluxDb influx = PrivateInfluxDb.start(false, cert, certs.caFile())) {
      influx.query("CREATE DATABASE tlsdb");
      String storage = "storage: {influxdb: {url: '%s', database: tlsdb, create_database: false, tls_config: %s}}\n";
      try (PromgateProcess p = PromgateProcess.start(storage.formatted(influx.url(),
          "{ca_file: '" + certs.caFile() + "'}"))) {
        assertEquals(204, write(p, "tls_ca").status());
      }
      try (PromgateProcess p = PromgateProcess.start(storage.formatted(influx.url(),
          "{ca_file: '" + certs.caFile() + "', server_name: localhost}"))) {
        assertEquals(204, write(p, "tls_server_name").status());
      }
      try (PromgateProcess p = PromgateProcess.start(storage.formatted(influx.url(),
          "{ca_file: '" + certs.caFile() + "', server_name: elsewhere.example}"))) {
        assertEquals(503, write(p, "tls_wrong_name").status(), "a certificate not for server_name is refused");
      }
      try (PromgateProcess p = PromgateProcess.start(storage.formatted(influx.url(), "{}"))) {
        assertEquals(503, write(p, "tls_untrusted").status(), "a CA not in ca_file (nor the JVM's) is refused");
      }
      try (PromgateProcess p = PromgateProcess.start(storage.formatted(influx.url(), "{insecure_skip_verify: true}"))) {
        assertEquals(204, write(p, "tls_skip_verify").status());
      }
      assertEquals(1, influx.count("tlsdb", "tls_ca"));
      assertEquals(1, influx.count("tlsdb", "tls_server_name"));
      assertEquals(0, influx.count("tlsdb", "tls_wrong_name"));
      assertEquals(0, influx.count("tlsdb", "tls_untrusted"));
      assertEquals(1, influx.count("tlsdb", "tls_skip_verify"));
    }
  }
}
