package io.promgate.web;

import io.micrometer.core.instrument.Counter;
import io.promgate.config.WebConfig;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Basic auth against bcrypt hashes ({@code web.basic_auth_users}, Prometheus's web-config
 * convention) and/or bearer tokens ({@code web.bearer_tokens}), read from the config snapshot of
 * each request so a reload takes effect at once.
 *
 * <ul>
 *   <li>bcrypt is deliberately slow (tens of ms), so it runs on a worker thread, never the event
 *       loop, and a successful check is cached as a SHA-256 of the credentials: later requests of
 *       the same Prometheus cost one hash, as in Prometheus's exporter-toolkit. An unknown user
 *       is checked against a dummy hash so timing does not reveal which users exist.
 *   <li>Tokens and cached credentials are compared as SHA-256 digests with {@link
 *       MessageDigest#isEqual}, in constant time.
 * </ul>
 */
final class Authenticator implements Handler<RoutingContext> {
  /**
   * Initialised on the first Basic credentials, not at start: BouncyCastle's signed jar takes ~0.3 s
   * to verify when its first class loads and a cost-10 bcrypt another ~0.1 s, which every start
   * paid even with no basic_auth_users configured.
   */
  private static final class DummyHash {
    static final String VALUE = OpenBSDBCrypt.generate("2y", new char[] {'x'}, new byte[16], 10);
  }

  private final Supplier<WebConfig> config;
  private final Vertx vertx;
  private final Counter failures;
  // user -> digest of "user:password" last verified against that user's current hash
  private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

  private record Verified(String hash, byte[] digest) {}

  Authenticator(Supplier<WebConfig> config, Vertx vertx, Counter failures) {
    this.config = config;
    this.vertx = vertx;
    this.failures = failures;
  }

  /**
   * Whether {@code rc} needs no credentials: GET/HEAD of {@code /-/healthy} and {@code /-/ready}
   * (liveness and readiness probes), and of {@code /metrics} when {@code web.metrics_auth: false}.
   * Decided on the normalized path, the one routes match, so {@code /-/ready/../-/quit} is not open.
   */
  static boolean open(RoutingContext rc, WebConfig web) {
    HttpMethod m = rc.request().method();
    if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
      return false;
    }
    String p = rc.normalizedPath();
    return p.equals(Routes.HEALTHY) || p.equals(Routes.READY) || (p.equals(METRICS) && !web.metricsAuth());
  }

  static final String METRICS = "/metrics";

  @Override
  public void handle(RoutingContext rc) {
    WebConfig web = config.get();
    if (!web.authRequired()) {
      rc.next();
      return;
    }
    String header = rc.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && !web.bearerTokens().isEmpty()) {
      byte[] presented = sha256(header.substring(7).trim());
      boolean ok = false;
      for (String token : web.bearerTokens()) {
        ok |= MessageDigest.isEqual(presented, sha256(token)); // no early exit: constant time over the list
      }
      if (ok) {
        rc.next();
      } else {
        deny(rc, web);
      }
      return;
    }
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6) || web.basicAuthUsers().isEmpty()) {
      deny(rc, web);
      return;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      deny(rc, web);
      return;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      deny(rc, web);
      return;
    }
    String user = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    String hash = web.basicAuthUsers().get(user);
    byte[] digest = sha256(decoded);
    Verified v = verified.get(user);
    if (hash != null && v != null && v.hash.equals(hash) && MessageDigest.isEqual(v.digest, digest)) {
      rc.next();
      return;
    }
    rc.request().pause();
    vertx.<Boolean>executeBlocking(() -> OpenBSDBCrypt.checkPassword(hash != null ? hash : DummyHash.VALUE, password.toCharArray())
        && hash != null, false).onComplete(ar -> {
          if (ar.succeeded() && ar.result()) {
            verified.put(user, new Verified(hash, digest));
            rc.next();
          } else {
            deny(rc, web);
          }
          // After next(): the body handlers downstream are registered before data flows again.
          rc.request().resume();
        });
  }

  private void deny(RoutingContext rc, WebConfig web) {
    failures.increment();
    String challenge = web.basicAuthUsers().isEmpty() ? "Bearer realm=\"promgate\"" : "Basic realm=\"promgate\"";
    rc.response().putHeader("WWW-Authenticate", challenge);
    PlainText.reply(rc, 401, "Unauthorized\n");
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
