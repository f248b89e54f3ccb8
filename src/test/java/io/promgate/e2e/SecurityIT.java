package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Await;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import io.promgate.testing.TestCertificates;
import io.promgate.write.SnappyBlocks;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;

/**
 * promgate behind TLS and authentication, with certificates made in the test: a real Prometheus
 * remote-writes through it with its own tls_config and basic_auth; wrong or missing credentials
 * get 401 and store nothing; health endpoints stay open.
 */
class SecurityIT {
  @Test
  void tlsAndBasicAuth_prometheusWrites_wrongCredentialsRefused() throws Exception {
    Path dir = Files.createTempDirectory("promgate-tls");
    TestCertificates certs = TestCertificates.create(dir);
    Path[] server = certs.issue("promgate");
    String hash = OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new byte[16], 10);
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("secure");
    try (PromgateProcess p = PromgateProcess.start("""
            storage: {influxdb: {url: '%s', database: %s}}
            web:
              tls_server_config: {cert_file: '%s', key_file: '%s'}
              basic_auth_users: {prometheus: '%s'}
              bearer_tokens: [token-123]
            """.formatted(influx.url(), db, server[0], server[1], hash))) {
      String https = p.url().replace("http://", "https://");
      HttpClient client = HttpClient.newBuilder().sslContext(trusting(certs.caFile())).build();

      assertEquals(200, get(client, https + "/-/healthy", null).statusCode(), "health stays open");
      assertEquals(401, post(client, https + "/api/v1/write", null, "bad_none").statusCode());
      var wrong = post(client, https + "/api/v1/write", basic("prometheus", "wrong"), "bad_password");
      assertEquals(401, wrong.statusCode());
      assertEquals("Basic realm=\"promgate\"", wrong.headers().firstValue("WWW-Authenticate").orElse(""));
      assertEquals(401, post(client, https + "/api/v1/write", basic("nobody", "s3cret"), "bad_user").statusCode());
      assertEquals(401, post(client, https + "/api/v1/write", "Bearer nope", "bad_token").statusCode());
      assertEquals(401, get(client, https + "/metrics", null).statusCode(), "metrics_auth defaults to true");
      assertEquals(204, post(client, https + "/api/v1/write", basic("prometheus", "s3cret"), "good_basic").statusCode());
      assertEquals(204, post(client, https + "/api/v1/write", "Bearer token-123", "good_token").statusCode());
      for (String refused : new String[] {"bad_none", "bad_password", "bad_user", "bad_token"}) {
        assertTrue(influx.select(db, "SELECT * FROM " + refused).isEmpty(), refused + " stored nothing");
      }

      try (RealPrometheus prometheus = RealPrometheus.start(port -> """
          global: {scrape_interval: 1s, external_labels: {via: tls}}
          scrape_configs:
            - job_name: prometheus
              static_configs: [{targets: ['127.0.0.1:%d']}]
          remote_write:
            - url: %s/api/v1/write
              queue_config: {batch_send_deadline: 1s}
              tls_config: {ca_file: '%s'}
              basic_auth: {username: prometheus, password: s3cret}
          """.formatted(port, https, certs.caFile()))) {
        Await.until(Duration.ofSeconds(60), "Prometheus wrote through TLS + basic auth",
            () -> !influx.select(db, "SELECT * FROM up WHERE via = 'tls'").isEmpty());
      }
    }
  }

  @Test
  void clientCaFile_clientWithoutCertificateRefused_withOneAccepted() throws Exception {
    Path dir = Files.createTempDirectory("promgate-mtls");
    TestCertificates certs = TestCertificates.create(dir);
    Path[] server = certs.issue("promgate");
    Path[] client = certs.issue("prometheus");
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("mtls");
    try (PromgateProcess p = PromgateProcess.start("""
            storage: {influxdb: {url: '%s', database: %s}}
            web:
              tls_server_config: {cert_file: '%s', key_file: '%s', client_ca_file: '%s'}
            """.formatted(influx.url(), db, server[0], server[1], certs.caFile()))) {
      String https = p.url().replace("http://", "https://");
      HttpClient anonymous = HttpClient.newBuilder().sslContext(trusting(certs.caFile())).build();
      assertThrows(IOException.class, () -> post(anonymous, https + "/api/v1/write", null, "mtls_none"),
          "a client without a certificate cannot complete the handshake");
      assertTrue(influx.select(db, "SELECT * FROM mtls_none").isEmpty(), "nothing stored without a certificate");

      HttpClient withCert = HttpClient.newBuilder().sslContext(trusting(certs.caFile(), client)).build();
      assertEquals(204, post(withCert, https + "/api/v1/write", null, "mtls_cert").statusCode());
      assertTrue(!influx.select(db, "SELECT * FROM mtls_cert").isEmpty(), "stored with a certificate");
    }
  }

  @Test
  void bearerTokenFiles_tokenFromTheFileAccepted_othersRefused() throws Exception {
    Path dir = Files.createTempDirectory("promgate-tokens");
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "file-token-456\n"); // trailing newline as editors and `echo` leave it
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("token_files");
    try (PromgateProcess p = PromgateProcess.start("""
            storage: {influxdb: {url: '%s', database: %s}}
            web:
              bearer_token_files: ['%s']
            """.formatted(influx.url(), db, tokenFile))) {
      HttpClient client = HttpClient.newHttpClient();
      var none = post(client, p.url() + "/api/v1/write", null, "tf_none");
      assertEquals(401, none.statusCode());
      assertEquals(401, post(client, p.url() + "/api/v1/write", "Bearer file-token-45", "tf_wrong").statusCode());
      assertEquals(204, post(client, p.url() + "/api/v1/write", "Bearer file-token-456", "tf_good").statusCode());
      assertTrue(influx.select(db, "SELECT * FROM tf_none").isEmpty());
      assertTrue(influx.select(db, "SELECT * FROM tf_wrong").isEmpty());
      assertTrue(!influx.select(db, "SELECT * FROM tf_good").isEmpty());
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
  }

  private static HttpResponse<String> get(HttpClient c, String url, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(HttpClient c, String url, String auth, String metric) throws Exception {
    byte[] pb = Remote.WriteRequest.newBuilder().addTimeseries(Remote.TimeSeries.newBuilder()
        .addLabels(Remote.Label.newBuilder().setName("__name__").setValue(metric))
        .addSamples(Remote.Sample.newBuilder().setValue(1).setTimestamp(1_700_000_000_000L))).build().toByteArray();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
        .POST(HttpRequest.BodyPublishers.ofByteArray(SnappyBlocks.compress(pb, 0, pb.length)));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SSLContext trusting(Path caFile) throws Exception {
    return trusting(caFile, null);
  }

  /** Trusts {@code caFile}; presents the client certificate {@code clientCertAndKey} when not null. */
  private static SSLContext trusting(Path caFile, Path[] clientCertAndKey) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caFile)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    KeyManager[] keys = null;
    if (clientCertAndKey != null) {
      KeyStore identity = KeyStore.getInstance("PKCS12");
      identity.load(null, null);
      Certificate cert;
      try (InputStream in = Files.newInputStream(clientCertAndKey[0])) {
        cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      PrivateKey key;
      try (PEMParser pem = new PEMParser(Files.newBufferedReader(clientCertAndKey[1]))) {
        Object o = pem.readObject();
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        key = o instanceof PEMKeyPair pair ? converter.getKeyPair(pair).getPrivate()
            : converter.getPrivateKey((PrivateKeyInfo) o);
      }
      identity.setKeyEntry("client", key, new char[0], new Certificate[] {cert});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(identity, new char[0]);
      keys = kmf.getKeyManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keys, tmf.getTrustManagers(), null);
    return ctx;
  }
}
