package io.promgate.federate;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.influx.InfluxClient;
import io.promgate.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * promgate's /federate on a real HTTP server of its own, for tests that need a config naming
 * servers started by the test itself (shard Prometheus ports are only known at run time, after
 * Quarkus would have booted): the same {@link FederateHandler} Routes mounts, a Vert.x server on a
 * free loopback port, and promgate's metrics in a Prometheus registry served at /metrics.
 */
final class PromgateFederation implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  private final PrometheusMeterRegistry registry;
  private final InfluxClient influx;
  private final AtomicReference<PromgateConfig> config;

  private PromgateFederation(Vertx vertx, HttpServer server, PrometheusMeterRegistry registry, InfluxClient influx,
      AtomicReference<PromgateConfig> config) {
    this.vertx = vertx;
    this.server = server;
    this.registry = registry;
    this.influx = influx;
    this.config = config;
  }

  private static PromgateConfig parse(String yaml) {
    try {
      return PromgateConfig.parse("test", yaml);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  static PromgateFederation start(String promgateYaml) {
    AtomicReference<PromgateConfig> config = new AtomicReference<>(parse(promgateYaml));
    PromgateConfig cfg = config.get();
    Vertx vertx = Vertx.vertx();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics metrics = new Metrics(registry);
    InfluxClient influx = new InfluxClient(vertx, cfg.influxdb());
    FederateHandler handler = new FederateHandler(vertx, config::get, () -> influx, metrics.federate);
    Router router = Router.router(vertx);
    router.get("/federate").handler(handler);
    router.get("/metrics").handler(rc -> rc.response().end(registry.scrape()));
    try {
      HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return new PromgateFederation(vertx, server, registry, influx, config);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("cannot start the federation server", e);
    }
  }

  /** Swaps in a new config snapshot, as a reload does. */
  void reconfigure(String promgateYaml) {
    config.set(parse(promgateYaml));
  }

  int port() {
    return server.actualPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * promgate's own metrics in Prometheus text format, label sets written without the trailing
   * comma this registry (simpleclient) puts before the closing brace.
   */
  String metrics() {
    return registry.scrape().replace(",}", "}");
  }

  @Override
  public void close() {
    influx.close();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
