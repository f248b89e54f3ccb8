package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * http_sd against a loopback server whose answer each test changes: a good answer is taken, every
 * kind of bad one is a reported failure that keeps the last good targets.
 */
class HttpSdSourceTest {
  private static final String GOOD = "[{\"targets\": [\"a:1\", \"b:2\"], \"labels\": {\"env\": \"x\"}}]";

  private Vertx vertx;
  private HttpServer server;
  private HttpClient client;
  private String url;
  private Metrics.Shards meters;
  private final AtomicReference<Handler<HttpServerRequest>> answer = new AtomicReference<>();
  private final AtomicReference<HttpServerRequest> lastRequest = new AtomicReference<>();
  private HttpSdSource source;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    int port = FreePorts.next();
    server = vertx.createHttpServer().requestHandler(req -> {
      lastRequest.set(req);
      answer.get().handle(req);
    });
    server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    url = "http://127.0.0.1:" + port + "/targets";
    client = vertx.createHttpClient();
    meters = new Metrics(new SimpleMeterRegistry()).shards;
    json(200, GOOD);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (source != null) {
      source.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void json(int status, String body) {
    answer.set(req -> req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body));
  }

  private HttpSdSource start(String sdUrl, Duration refresh) {
    source = new HttpSdSource("http_sd_configs[0]", vertx.getOrCreateContext(), client,
        new ShardingConfig.HttpSdConfig(sdUrl, refresh), meters.source("http_sd_configs[0]"));
    source.start(() -> {});
    return source;
  }

  private HttpSdSource startAndLoadGood() {
    HttpSdSource s = start(url, Duration.ofMillis(300));
    Await.until(Duration.ofSeconds(5), "first good refresh", () -> s.targetCount() == 2);
    return s;
  }

  /** Serves {@code bad} and waits until the source reports {@code error}; its targets stay. */
  private void assertFailureKeepsTargets(Handler<HttpServerRequest> bad, String error) {
    HttpSdSource s = startAndLoadGood();
    answer.set(bad);
    Await.until(Duration.ofSeconds(5), "failure: " + error, () -> s.lastError().equals(error));
    assertEquals(2, s.targetCount());
    assertEquals(List.of("a:1", "b:2"), s.groups().get(0).targets());
    assertTrue(meters.source("http_sd_configs[0]").failures.count() >= 1);
    assertEquals(0, meters.source("http_sd_configs[0]").lastRefreshSuccess.get());
    assertEquals(2, meters.source("http_sd_configs[0]").targets.get());
  }

  @Test
  void refresh_goodAnswer_groupsWithMetaUrlAndPrometheusHeaders() {
    HttpSdSource s = startAndLoadGood();

    assertEquals(List.of(new TargetGroup(url + ":0", List.of("a:1", "b:2"),
        new TreeMap<>(Map.of("env", "x", "__meta_url", url)))), s.groups());
    assertEquals("", s.lastError());
    assertEquals(1, meters.source("http_sd_configs[0]").lastRefreshSuccess.get());
    HttpServerRequest req = lastRequest.get();
    assertEquals("application/json", req.getHeader("Accept"));
    assertEquals("0.3", req.getHeader("X-Prometheus-Refresh-Interval-Seconds"));
  }

  @Test
  void refresh_answerChanges_newTargets() {
    HttpSdSource s = startAndLoadGood();
    json(200, "[{\"targets\": [\"c:3\"]}]");
    Await.until(Duration.ofSeconds(5), "new answer", () -> s.targetCount() == 1);
    assertEquals(List.of("c:3"), s.groups().get(0).targets());
  }

  @Test
  void refresh_status500_failureKeepsTargets() {
    assertFailureKeepsTargets(req -> req.response().setStatusCode(500).end("boom"),
        "server returned HTTP status 500 Internal Server Error");
  }

  @Test
  void refresh_wrongContentType_failureKeepsTargets() {
    assertFailureKeepsTargets(req -> req.response().putHeader("Content-Type", "text/plain").end(GOOD),
        "unsupported content type \"text/plain\"");
  }

  @Test
  void refresh_charsetUtf8_accepted() {
    answer.set(req -> req.response().putHeader("Content-Type", "application/json; charset=utf-8").end(GOOD));
    startAndLoadGood();
  }

  @Test
  void refresh_malformedBody_failureKeepsTargets() {
    assertFailureKeepsTargets(req -> req.response().putHeader("Content-Type", "application/json")
        .end("[{\"targets\": [\"a:1\"], \"labels\": {\"9\": \"x\"}}]"), "[0].labels: \"9\" is not a valid label name");
  }

  @Test
  void refresh_oversizedBody_failureKeepsTargets() {
    Buffer chunk = Buffer.buffer(new byte[1 << 20]);
    assertFailureKeepsTargets(req -> {
      req.response().setChunked(true).putHeader("Content-Type", "application/json");
      for (int i = 0; i < 17; i++) {
        req.response().write(chunk);
      }
      req.response().end();
    }, "answer larger than 16777216 bytes");
  }

  @Test
  void refresh_noAnswerWithinRefreshInterval_failureKeepsTargets() {
    assertFailureKeepsTargets(req -> {}, "no complete answer within refresh_interval (0.3s)");
  }

  @Test
  void refresh_connectionRefused_failureWithoutTargets() {
    HttpSdSource s = start("http://127.0.0.1:" + FreePorts.next() + "/targets", Duration.ofMillis(300));
    Await.until(Duration.ofSeconds(5), "failure", () -> s.refreshed() && !s.lastError().isEmpty());
    assertTrue(s.lastError().contains("Connection refused"), s.lastError());
    assertEquals(0, s.targetCount());
  }
}
