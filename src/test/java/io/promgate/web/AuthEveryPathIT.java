package io.promgate.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.Await;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.SecuredPromgate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * promgate configured as the independent check configures it — HTTPS, a bcrypt basic-auth
 * user and a bearer token, lifecycle on — probed on every route it registers and on paths it does
 * not have: without credentials everything but GET/HEAD of the two probes is 401 (unknown paths
 * too, before 404), with either credential nothing is.
 */
class AuthEveryPathIT {
  /** Every route promgate registers (web.Routes, /metrics), as method + path. */
  private static final List<String[]> ROUTES = List.of(
      new String[] {"POST", "/api/v1/write"},
      new String[] {"POST", "/api/v1/read"},
      new String[] {"GET", "/api/v1/write"},
      new String[] {"GET", "/federate?match%5B%5D=up"},
      new String[] {"GET", "/sd/shards/0"},
      new String[] {"GET", "/api/v1/shards"},
      new String[] {"GET", "/api/v1/shards/0/scrape_config"},
      new String[] {"GET", "/metrics"},
      new String[] {"POST", "/-/reload"},
      new String[] {"PUT", "/-/reload"},
      new String[] {"POST", "/-/healthy"},
      new String[] {"POST", "/-/ready"},
      new String[] {"DELETE", "/-/ready"});
  /** Paths promgate does not serve (yet): a future UI page is covered by the same rule. */
  private static final List<String[]> UNKNOWN = List.of(
      new String[] {"GET", "/"},
      new String[] {"GET", "/graph"},
      new String[] {"GET", "/ui/status"},
      new String[] {"GET", "/api/v1/ha"},
      new String[] {"GET", "/api/v1/shards/preview?modulus=3"},
      new String[] {"GET", "/-/healthy/../-/quit"},
      new String[] {"GET", "/q/health"},
      new String[] {"OPTIONS", "/federate"});

  @Test
  void tlsBasicAndBearer_everyPathButProbesNeedsCredentials_quitUnauthenticatedKeepsRunning() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    try (SecuredPromgate secured = SecuredPromgate.start(influx.freshDatabase("auth_every_path"), "--web.enable-lifecycle")) {
      String https = secured.https();
      HttpClient client = HttpClient.newBuilder().sslContext(secured.trusting())
          .version(HttpClient.Version.HTTP_1_1).build();

      List<String> wrong = new ArrayList<>();
      List<String[]> all = new ArrayList<>(ROUTES);
      all.addAll(UNKNOWN);
      all.add(new String[] {"POST", "/-/quit"});
      all.add(new String[] {"PUT", "/-/quit"});
      for (String[] r : all) {
        for (String auth : new String[] {null, "Basic " + b64("prometheus:wrong"), "Bearer nope", "Basic " + b64("nobody:s3cret")}) {
          var resp = send(client, r[0], https + r[1], auth);
          if (resp.statusCode() != 401 || !resp.headers().firstValue("WWW-Authenticate").isPresent()) {
            wrong.add(r[0] + " " + r[1] + " with " + auth + ": " + resp.statusCode());
          }
        }
      }
      assertEquals(List.of(), wrong, "refused without good credentials");
      // The probes stay open (Kubernetes calls them without credentials).
      for (String m : new String[] {"GET", "HEAD"}) {
        assertEquals(200, send(client, m, https + "/-/healthy", null).statusCode());
        assertNotEquals(401, send(client, m, https + "/-/ready", null).statusCode());
      }
      assertEquals(200, send(client, "GET", https + "/-/healthy", null).statusCode(), "unauthenticated /-/quit did not stop it");

      for (String auth : new String[] {"Basic " + b64("prometheus:s3cret"), "Bearer token-123"}) {
        for (String[] r : all) {
          if (r[1].equals("/-/quit")) {
            continue;
          }
          var resp = send(client, r[0], https + r[1], auth);
          if (resp.statusCode() == 401) {
            wrong.add(r[0] + " " + r[1] + " with " + auth + ": 401");
          }
        }
      }
      assertEquals(List.of(), wrong, "served with good credentials");
      assertEquals(404, send(client, "GET", https + "/graph", "Bearer token-123").statusCode(), "401 before 404, then 404");
      assertEquals(200, send(client, "POST", https + "/-/reload", "Bearer token-123").statusCode());

      assertEquals(200, send(client, "POST", https + "/-/quit", "Basic " + b64("prometheus:s3cret")).statusCode());
      Await.until(Duration.ofSeconds(20), "promgate stopped by an authenticated /-/quit", () -> {
        try {
          send(client, "GET", https + "/-/healthy", null);
          return false;
        } catch (IOException e) {
          return true;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  @Test
  void metricsAuthFalse_onlyMetricsReadOpens() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    try (PromgateProcess p = PromgateProcess.start("""
            storage: {influxdb: {url: '%s', database: prom, create_database: false}}
            web: {bearer_tokens: [token-123], metrics_auth: false}
            """.formatted(influx.url()), "--web.enable-lifecycle")) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      var metrics = send(client, "GET", p.url() + "/metrics", null);
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.body().contains("promgate_http_auth_failures_total"), "the self-metrics");
      assertEquals(401, send(client, "POST", p.url() + "/metrics", null).statusCode());
      assertEquals(401, send(client, "POST", p.url() + "/-/reload", null).statusCode());
      assertEquals(401, send(client, "GET", p.url() + "/nope", null).statusCode());
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes());
  }

  private static HttpResponse<String> send(HttpClient c, String method, String url, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .method(method, method.equals("POST") || method.equals("PUT")
            ? HttpRequest.BodyPublishers.ofString("") : HttpRequest.BodyPublishers.noBody());
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
