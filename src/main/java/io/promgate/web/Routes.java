package io.promgate.web;

import io.promgate.Gateway;
import io.promgate.read.ReadHandler;
import io.promgate.write.WriteHandler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

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

  void register(@Observes Router router, Gateway gateway) {
    WriteHandler write = new WriteHandler(gateway::config, gateway::batcher, gateway.metrics().remoteWrite);
    router.route(HttpMethod.POST, WRITE).handler(write);
    router.route(WRITE).handler(rc -> methodNotAllowed(rc, "POST"));
    ReadHandler read = new ReadHandler(gateway::config, () -> gateway.batcher().client(), gateway.metrics().remoteRead);
    router.route(HttpMethod.POST, READ).handler(read);
    router.route(READ).handler(rc -> methodNotAllowed(rc, "POST"));

    router.route(HttpMethod.GET, HEALTHY).handler(rc -> text(rc, 200, "promgate is Healthy.\n"));
    router.route(HttpMethod.HEAD, HEALTHY).handler(rc -> rc.response().setStatusCode(200).end());
    router.route(READY).handler(rc -> gateway.batcher().client().ping().onComplete(ar -> {
      if (ar.succeeded()) {
        text(rc, 200, "promgate is Ready.\n");
      } else {
        text(rc, 503, "promgate is not ready: " + ar.cause().getMessage() + "\n");
      }
    }));
  }

  static void text(RoutingContext rc, int status, String body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(body);
  }

  static void methodNotAllowed(RoutingContext rc, String allowed) {
    rc.response().putHeader("Allow", allowed);
    text(rc, 405, "method " + rc.request().method() + " not allowed, use " + allowed + "\n");
  }
}
