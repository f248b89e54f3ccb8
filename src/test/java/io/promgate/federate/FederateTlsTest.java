package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls_config} against a real HTTPS upstream that verifies client certificates: a CA, a
 * server certificate for 127.0.0.1 and a client certificate, made with the openssl command line.
 */
class FederateTlsTest {
  @TempDir
  static Path dir;

  private static HttpsServer upstream;

  @BeforeAll
  static void upstreamWithMutualTls() throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=promgate-test-ca");
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:upstream.test\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    for (String who : new String[] {"server", "client"}) {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr",
          "-subj", "/CN=" + who);
      openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", who + ".pem", "-days", "2", "-extfile", who + ".ext");
    }
    openssl("pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-out", "server.p12",
        "-passout", "pass:secret");

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      keys.load(in, "secret".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "secret".toCharArray());
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("ca.pem"))) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

    upstream = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.setHttpsConfigurator(new HttpsConfigurator(ssl) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    });
    upstream.createContext("/federate", ex -> {
      try (ex) {
        StaticServer.reply(ex, 200, "m{via=\"tls\"} 1 1000\n");
      }
    });
    upstream.start();
  }

  @AfterAll
  static void stop() {
    upstream.stop(0);
  }

  private static void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }

  private static String url() {
    return "https://127.0.0.1:" + upstream.getAddress().getPort();
  }

  private static String f(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void federate_tlsUpstream_caAndClientCertificate_served() {
    try (PromgateFederation promgate = PromgateFederation.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {ca_file: %s, cert_file: %s, key_file: %s}
        """.formatted(url(), f("ca.pem"), f("client.pem"), f("client.key")))) {
      assertEquals("# TYPE m untyped\nm{via=\"tls\",instance=\"\"} 1 1000\n",
          FederateUpstreamsTest.federate(promgate.url(), List.of("m")));
    }
  }

  @Test
  void federate_insecureSkipVerify_servedWithoutCa() {
    try (PromgateFederation promgate = PromgateFederation.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {insecure_skip_verify: true, cert_file: %s, key_file: %s}
        """.formatted(url(), f("client.pem"), f("client.key")))) {
      assertEquals("# TYPE m untyped\nm{via=\"tls\",instance=\"\"} 1 1000\n",
          FederateUpstreamsTest.federate(promgate.url(), List.of("m")));
    }
  }

  @Test
  void federate_serverName_verifiesThatNameInsteadOfTheUrlHost() {
    String cfg = """
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {ca_file: %s, cert_file: %s, key_file: %s, server_name: %s}
        """;
    try (PromgateFederation promgate = PromgateFederation.start(
        cfg.formatted(url(), f("ca.pem"), f("client.pem"), f("client.key"), "upstream.test"))) {
      assertEquals("# TYPE m untyped\nm{via=\"tls\",instance=\"\"} 1 1000\n",
          FederateUpstreamsTest.federate(promgate.url(), List.of("m")));
    }
    try (PromgateFederation promgate = PromgateFederation.start(
        cfg.formatted(url(), f("ca.pem"), f("client.pem"), f("client.key"), "other.test"))) {
      FederateUpstreamsTest.Answer a = FederateUpstreamsTest.get(promgate.url() + "/federate?match%5B%5D=m");
      assertEquals(503, a.status(), a.text());
      assertTrue(a.text().startsWith("no upstream answered: secure: TLS: "), a.text());
    }
  }

  @Test
  void federate_serverNotTrusted_503AndTlsError() {
    try (PromgateFederation promgate = PromgateFederation.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {cert_file: %s, key_file: %s}
        """.formatted(url(), f("client.pem"), f("client.key")))) {
      FederateUpstreamsTest.Answer a = FederateUpstreamsTest.get(promgate.url() + "/federate?match%5B%5D=m");
      assertEquals(503, a.status());
      assertTrue(a.text().startsWith("no upstream answered: secure: TLS: "), a.text());
      assertEquals(1, FederateUpstreamsTest.metric(promgate.metrics(),
          "promgate_federate_upstream_errors_total{reason=\"tls\",upstream=\"secure\"}"));
    }
  }

  @Test
  void federate_noClientCertificate_upstreamRefuses_503() {
    try (PromgateFederation promgate = PromgateFederation.start("""
        federation:
          upstreams:
            - name: secure
              url: %s
              tls_config: {ca_file: %s}
        """.formatted(url(), f("ca.pem")))) {
      FederateUpstreamsTest.Answer a = FederateUpstreamsTest.get(promgate.url() + "/federate?match%5B%5D=m");
      assertEquals(503, a.status(), a.text());
      assertEquals(0, FederateUpstreamsTest.metric(promgate.metrics(),
          "promgate_federate_upstream_up{upstream=\"secure\"}"));
    }
  }
}
