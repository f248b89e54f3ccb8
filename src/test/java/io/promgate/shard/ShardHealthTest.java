package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.metrics.Metrics;
import io.promgate.shard.ShardHealth.Health;
import io.promgate.shard.ShardHealth.State;
import io.promgate.testing.Await;
import io.promgate.testing.TestCertificates;
import io.vertx.core.Vertx;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard health: the failover clock with hysteresis (fed synthetic probe times: no waiting), the
 * probe interval, and probes that talk to a shard with the TLS settings and credentials of the
 * federation upstream at its URL (against an HTTPS server that insists on both).
 */
class ShardHealthTest {
  private static final long S = 1_000_000_000L;
  private static final long AFTER = 3 * S;

  private final Vertx vertx = Vertx.vertx();
  private HttpsServer server;

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.stop(0);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static State probes(State s, boolean... results) {
    // One probe a second, starting at t = 10 s.
    long t = 10 * S;
    for (boolean ok : results) {
      s = ShardHealth.next(s, ok, ok ? "" : "refused", t, t / 1_000_000, AFTER);
      t += S;
    }
    return s;
  }

  @Test
  void next_failingForFailoverAfter_failsOver() {
    State s = probes(State.INITIAL, false, false, false);
    assertEquals(Health.DOWN, s.health());
    assertFalse(s.failedOver(), "2 s of failures (t=10..12) are not yet 3 s");
    s = probes(State.INITIAL, false, false, false, false);
    assertTrue(s.failedOver(), "t=10..13: failing for 3 s");
    assertEquals(10 * S, s.sinceNanos());
    assertEquals("refused", s.lastError());
  }

  @Test
  void next_onePassAmongFailures_restartsTheClock() {
    State s = probes(State.INITIAL, false, false, false, true, false, false, false);
    assertFalse(s.failedOver());
    assertEquals(14 * S, s.sinceNanos());
  }

  @Test
  void next_failedOverThenPassing_backOnlyAfterFailoverAfterOfPasses() {
    State out = probes(State.INITIAL, false, false, false, false);
    assertTrue(out.failedOver());
    State s = probes(out, true, true, true);
    assertTrue(s.failedOver(), "2 s of passes: still failed over (hysteresis)");
    assertEquals(Health.UP, s.health());
    assertEquals("", s.lastError());
    assertFalse(probes(out, true, true, true, true).failedOver(), "3 s of passes: back");
    assertTrue(probes(out, true, true, true, false, true, true, true).failedOver(), "a failure restarts it");
  }

  @Test
  void next_failoverOff_neverFailsOver() {
    State s = State.INITIAL;
    for (int i = 0; i < 100; i++) {
      s = ShardHealth.next(s, false, "x", i * S, i * 1000L, 0);
    }
    assertEquals(Health.DOWN, s.health());
    assertFalse(s.failedOver());
  }

  @Test
  void probeInterval_aThirdOfFailoverAfterWithinBounds() {
    assertEquals(Duration.ofSeconds(1), ShardHealth.probeInterval(Duration.ofSeconds(3)));
    assertEquals(ShardHealth.MIN_INTERVAL, ShardHealth.probeInterval(Duration.ofMillis(600)));
    assertEquals(ShardHealth.MAX_INTERVAL, ShardHealth.probeInterval(Duration.ofMinutes(5)));
    assertEquals(ShardHealth.MAX_INTERVAL, ShardHealth.probeInterval(Duration.ZERO));
  }

  @Test
  void probeTimeout_theIntervalButAtLeastTwoSeconds() {
    assertEquals(Duration.ofSeconds(2), ShardHealth.probeTimeout(Duration.ofMillis(500)));
    assertEquals(Duration.ofSeconds(7), ShardHealth.probeTimeout(Duration.ofSeconds(7)));
    assertEquals(ShardHealth.MAX_INTERVAL, ShardHealth.probeTimeout(ShardHealth.MAX_INTERVAL));
  }

  @Test
  void upstreamFor_sameSchemeHostPortAndPath_matches() throws ConfigException {
    var upstreams = PromgateConfig.parse("<test>", """
        federation:
          upstreams:
            - {name: a, url: 'http://shard-a:9090/'}
            - {name: b, url: 'https://shard-b/prom'}
        """).federation().upstreams();
    assertEquals("a", ShardHealth.upstreamFor(URI.create("http://SHARD-A:9090"), upstreams).name());
    assertEquals("b", ShardHealth.upstreamFor(URI.create("https://shard-b:443/prom/"), upstreams).name());
    assertNull(ShardHealth.upstreamFor(URI.create("http://shard-b/prom"), upstreams));
    assertNull(ShardHealth.upstreamFor(URI.create("http://shard-a:9091"), upstreams));
  }

  /** An HTTPS /-/ready that answers 200 only with basic auth prom:secret, like a guarded Prometheus. */
  private String guardedShard(Path dir, TestCertificates certs, AtomicInteger probes) throws Exception {
    Path[] pem = certs.issue("shard");
    Certificate cert;
    try (var in = Files.newInputStream(pem[0])) {
      cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    PrivateKey key;
    try (Reader r = Files.newBufferedReader(pem[1]); PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      key = o instanceof PEMKeyPair kp ? new JcaPEMKeyConverter().getKeyPair(kp).getPrivate()
          : new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) o);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("shard", key, "pw".toCharArray(), new Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "pw".toCharArray());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    String expected = "Basic " + Base64.getEncoder().encodeToString("prom:secret".getBytes(StandardCharsets.UTF_8));
    server.createContext("/-/ready", ex -> {
      probes.incrementAndGet();
      boolean ok = expected.equals(ex.getRequestHeaders().getFirst("Authorization"));
      byte[] body = (ok ? "Prometheus Server is Ready.\n" : "Unauthorized\n").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(ok ? 200 : 401, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  private ShardHealth health(String yaml) throws ConfigException {
    PromgateConfig c = PromgateConfig.parse("<test>", yaml);
    return new ShardHealth(vertx.getOrCreateContext(), c.sharding(), c.federation().upstreams(),
        new Metrics(new SimpleMeterRegistry()).shards, Map.of(), () -> {});
  }

  private static State firstVerdict(ShardHealth h) {
    h.start();
    Await.until(Duration.ofSeconds(10), "a probe answered", () -> h.state(0).health() != Health.UNKNOWN);
    return h.state(0);
  }

  @Test
  void probe_shardIsAFederationUpstream_usesItsTlsAndCredentials(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    AtomicInteger probes = new AtomicInteger();
    String url = guardedShard(dir, certs, probes);
    ShardHealth h = health("""
        sharding: {modulus: 1, shard_urls: ['%s']}
        federation:
          upstreams:
            - name: shard-0
              url: '%s'
              basic_auth: {username: prom, password: secret}
              tls_config: {ca_file: '%s'}
        """.formatted(url, url, certs.caFile()));
    try {
      State s = firstVerdict(h);
      assertSame(Health.UP, s.health(), s.lastError());
      assertEquals("", s.lastError());
    } finally {
      h.close();
    }
  }

  @Test
  void probe_upstreamWithWrongPassword_downWithTheStatus(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    String url = guardedShard(dir, certs, new AtomicInteger());
    ShardHealth h = health("""
        sharding: {modulus: 1, shard_urls: ['%s']}
        federation:
          upstreams:
            - {name: s, url: '%s', basic_auth: {username: prom, password: wrong}, tls_config: {ca_file: '%s'}}
        """.formatted(url, url, certs.caFile()));
    try {
      State s = firstVerdict(h);
      assertSame(Health.DOWN, s.health());
      assertEquals("HTTP 401: Unauthorized", s.lastError());
    } finally {
      h.close();
    }
  }

  @Test
  void probe_noUpstreamAtTheShardsUrl_untrustedCertificateIsDown(@TempDir Path dir) throws Exception {
    AtomicInteger probes = new AtomicInteger();
    String url = guardedShard(dir, TestCertificates.create(dir), probes);
    ShardHealth h = health("sharding: {modulus: 1, shard_urls: ['" + url + "']}");
    try {
      State s = firstVerdict(h);
      assertSame(Health.DOWN, s.health());
      assertFalse(s.lastError().isEmpty());
      assertEquals(0, probes.get(), "the TLS handshake failed before any request");
    } finally {
      h.close();
    }
  }
}
