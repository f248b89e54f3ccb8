package io.promgate.web;

import io.micrometer.core.instrument.Counter;
import io.promgate.Gateway;
import io.promgate.federate.FederateHandler;
import io.promgate.read.ReadHandler;
import io.promgate.shard.ShardEndpoints;
import io.promgate.write.WriteHandler;
import io.quarkus.runtime.Quarkus;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;

/**
 * Every URL promgate serves, in one place. Data endpoints are raw Vert.x routes so bodies arrive
 * as buffers and nothing blocks the event loop; {@code /metrics} is served by Quarkus Micrometer
 * (configured in application.properties).
 */
@ApplicationScoped
public class Routes {
  public static final String WRITE = "/api/v1/write";
  public static final String READ = "/api/v1/read";
  public static final String HEALTHY = "/-/healthy";
  public static final String READY = "/-/ready";
  public static final String RELOAD = "/-/reload";
  public static final String QUIT = "/-/quit";
  public static final String SD_SHARD = "/sd/shards/:index";
  public static final String SHARDS = "/api/v1/shards";
  public static final String SHARD_SCRAPE_CONFIG = "/api/v1/shards/:index/scrape_config";
  public static final String SHARDS_PREVIEW = "/api/v1/shards/preview";
  public static final String FEDERATE = "/federate";
  public static final String HA = "/api/v1/ha";

  void register(@Observes Router router, Gateway gateway) {
    // Go's request-target rules and plain-text error answers, before anything else.
    RequestTarget.install(router);
    // Authentication on every path (UI pages, lifecycle, unknown paths: 401 before 404) except
    // GET/HEAD of the two probes, which Kubernetes calls without credentials; /metrics follows
    // web.metrics_auth.
    Authenticator auth = new Authenticator(() -> gateway.config().web(), gateway.vertx(),
        Counter.builder("promgate.http.auth_failures")
            .description("Requests refused with 401.").register(gateway.registry()));
    router.route().order(-100).handler(rc -> {
      if (Authenticator.open(rc, gateway.config().web())) {
        rc.next();
      } else {
        auth.handle(rc);
      }
    });

    WriteHandler write = new WriteHandler(gateway::config, gateway::batcher, gateway.metrics().remoteWrite,
        gateway.memoryBudget(), gateway.haTracker());
    router.route(HttpMethod.POST, WRITE).handler(write);
    router.route(WRITE).handler(rc -> PlainText.methodNotAllowed(rc, "POST"));
    ReadHandler read = new ReadHandler(gateway::config, gateway::reader, gateway.metrics().remoteRead);
    router.route(HttpMethod.POST, READ).handler(read);
    router.route(READ).handler(rc -> PlainText.methodNotAllowed(rc, "POST"));
    router.route(HttpMethod.GET, HA).handler(rc -> rc.response().putHeader("Content-Type", "application/json")
        .end(gateway.haTracker().status().toJson().encode()));
    router.route(HA).handler(rc -> PlainText.methodNotAllowed(rc, "GET"));

    lifecycle(router, gateway);

    ShardEndpoints shards = new ShardEndpoints(gateway::sharding, i -> "/sd/shards/" + i);
    router.route(HttpMethod.GET, SD_SHARD).handler(shards::sd);
    router.route(HttpMethod.GET, SHARDS).handler(shards::summary);
    router.route(HttpMethod.GET, SHARD_SCRAPE_CONFIG).handler(shards::scrapeConfig);
    router.route(HttpMethod.GET, SHARDS_PREVIEW).handler(shards::preview);
    for (String path : new String[] {SD_SHARD, SHARDS, SHARD_SCRAPE_CONFIG, SHARDS_PREVIEW}) {
      router.route(path).handler(rc -> PlainText.methodNotAllowed(rc, "GET"));
    }
    FederateHandler federate =
        new FederateHandler(gateway.vertx(), gateway::config, () -> gateway.batcher().client(), gateway.metrics().federate);
    router.route(HttpMethod.GET, FEDERATE).handler(federate);
    router.route(FEDERATE).handler(rc -> PlainText.methodNotAllowed(rc, "GET"));

    router.route(HttpMethod.GET, HEALTHY).handler(rc -> PlainText.reply(rc, 200, "promgate is Healthy.\n"));
    router.route(HttpMethod.HEAD, HEALTHY).handler(rc -> rc.response().setStatusCode(200).end());
    router.route(READY).handler(rc -> gateway.batcher().client().ping().onComplete(ar -> {
      if (ar.succeeded()) {
        PlainText.reply(rc, 200, "promgate is Ready.\n");
      } else {
        PlainText.reply(rc, 503, "promgate is not ready: " + ar.cause().getMessage() + "\n");
      }
    }));
  }

  /** POST|PUT /-/reload and /-/quit: only with --web.enable-lifecycle, answered as Prometheus does. */
  private static void lifecycle(Router router, Gateway gateway) {
    for (HttpMethod m : new HttpMethod[] {HttpMethod.POST, HttpMethod.PUT}) {
      router.route(m, RELOAD).handler(rc -> {
        if (!gateway.lifecycleEnabled()) {
          PlainText.reply(rc, 403, "Lifecycle API is not enabled.\n");
          return;
        }
        gateway.vertx().<List<String>>executeBlocking(gateway::reload, false).onComplete(ar -> {
          if (ar.failed()) {
            PlainText.reply(rc, 500, "failed to reload config: " + ar.cause() + "\n");
          } else if (!ar.result().isEmpty()) {
            PlainText.reply(rc, 500, "failed to reload config: " + String.join("; ", ar.result()) + "\n");
          } else {
            PlainText.reply(rc, 200, "");
          }
        });
      });
      router.route(m, QUIT).handler(rc -> {
        if (!gateway.lifecycleEnabled()) {
          PlainText.reply(rc, 403, "Lifecycle API is not enabled.\n");
          return;
        }
        PlainText.reply(rc, 200, "Requesting termination... Goodbye!\n");
        Quarkus.asyncExit(0);
      });
    }
  }
}
