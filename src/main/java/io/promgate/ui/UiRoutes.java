package io.promgate.ui;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.promgate.Gateway;
import io.promgate.web.BoundedBody;
import io.promgate.web.PlainText;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The operator web UI, served by promgate itself at {@code /}, {@code /shards}, {@code /relabel},
 * {@code /ha}, {@code /upstreams} and {@code /config}, plus its assets under {@code /ui/} and the
 * relabel debugger's API {@code POST /api/v1/relabel}. Authentication is {@code web.Routes}'s
 * (these paths are in its protected list).
 *
 * <p>Pages are rendered on the server ({@link Pages}); the one script ({@code /ui/app.js}) only
 * filters the target table as you type. Every answer carries a strict Content-Security-Policy:
 * nothing but this origin's script and stylesheet may load, no inline script or style runs, so a
 * label value that escaped escaping still could not execute.
 */
@ApplicationScoped
public class UiRoutes {
  private static final Logger LOG = Logger.getLogger(UiRoutes.class);

  public static final String[] PAGES = {"/", "/shards", "/relabel", "/ha", "/upstreams", "/config"};
  public static final String ASSETS = "/ui/*";
  public static final String RELABEL_API = "/api/v1/relabel";

  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
      + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  /**
   * Where {@code /ha} gets its data: the {@code data} object of {@code GET /api/v1/ha}, built from
   * the same {@link io.promgate.ha.HaStatus} snapshot as the endpoint ({@link Pages#ha} renders
   * the empty state when the tracker is off).
   */
  static JsonObject haData(Gateway gateway) {
    return gateway.haTracker().status().toJson().getJsonObject("data");
  }

  void register(@Observes Router router, Gateway gateway) {
    RateHistory history = new RateHistory(gateway.registry());
    history.sample(System.currentTimeMillis());
    gateway.vertx().setPeriodic(RateHistory.INTERVAL_MS, id -> history.sample(System.currentTimeMillis()));
    Pages pages = new Pages(gateway, history, () -> haData(gateway));

    get(router, "/").handler(rc -> pages.overview().onComplete(ar -> answer(rc, ar)));
    get(router, "/shards").handler(rc -> blocking(rc, gateway, () -> pages.shards(rc.request())));
    get(router, "/relabel").handler(rc -> blocking(rc, gateway, () -> pages.relabel(rc.request(), null)));
    router.route(HttpMethod.POST, "/relabel").handler(rc -> body(rc, form -> blocking(rc, gateway, () -> {
      MultiMap fields = MultiMap.caseInsensitiveMultiMap();
      new QueryStringDecoder(form.toString(StandardCharsets.UTF_8), false)
          .parameters().forEach((k, v) -> fields.add(k, v));
      return pages.relabel(rc.request(), fields);
    })));
    get(router, "/ha").handler(rc -> html(rc, 200, pages.ha()));
    get(router, "/upstreams").handler(rc -> html(rc, 200, pages.upstreams()));
    get(router, "/config").handler(rc -> html(rc, 200, pages.config()));
    for (String p : PAGES) {
      router.route(p).handler(rc -> PlainText.methodNotAllowed(rc, p.equals("/relabel") ? "GET, POST" : "GET"));
    }

    router.route(HttpMethod.POST, RELABEL_API).handler(rc -> body(rc, json -> gateway.vertx()
        .executeBlocking(() -> pages.relabelApi(json), false)
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.error("relabel API failed", ar.cause());
            rc.response().setStatusCode(500).end();
            return;
          }
          rc.response().setStatusCode(ar.result().getString("status").equals("success") ? 200 : 400)
              .putHeader("Content-Type", "application/json")
              .putHeader("X-Content-Type-Options", "nosniff")
              .end(ar.result().toBuffer());
        })));
    router.route(RELABEL_API).handler(rc -> PlainText.methodNotAllowed(rc, "POST"));

    asset(router, "/ui/app.css", "app.css", "text/css; charset=utf-8");
    asset(router, "/ui/app.js", "app.js", "text/javascript; charset=utf-8");
    asset(router, "/ui/icon.svg", "icon.svg", "image/svg+xml");
  }

  /** GET and HEAD (Vert.x leaves HEAD answers without their body). */
  private static Route get(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /** Renders off the event loop: /shards and /relabel relabel every target or pasted rule. */
  private static void blocking(RoutingContext rc, Gateway gateway, Supplier<String> page) {
    gateway.vertx().executeBlocking(page::get, false).onComplete(ar -> answer(rc, ar));
  }

  private static void answer(RoutingContext rc, AsyncResult<String> ar) {
    if (ar.failed()) {
      LOG.error("rendering " + rc.request().path() + " failed", ar.cause());
      html(rc, 500, Html.page("", "Error").el("p", null, "The page could not be rendered; see promgate's log.").finish());
    } else {
      html(rc, 200, ar.result());
    }
  }

  static void html(RoutingContext rc, int status, String body) {
    security(rc).setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store").end(body);
  }

  private static HttpServerResponse security(RoutingContext rc) {
    return rc.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer");
  }

  /** The request body, at most {@link RelabelDebug#MAX_INPUT_BYTES}; beyond: 413 with a reason. */
  private static void body(RoutingContext rc, Consumer<Buffer> then) {
    int max = RelabelDebug.MAX_INPUT_BYTES;
    BoundedBody.read(rc, max, new BoundedBody.Outcome() {
      @Override
      public void received(Buffer body, long capacity) {
        then.accept(body);
      }

      @Override
      public void tooLarge() {
        rc.response().setStatusCode(413).putHeader("Content-Type", PlainText.CONTENT_TYPE)
            .putHeader("Connection", "close")
            .end("request body over " + max + " bytes (the relabel debugger's limit)\n");
      }

      @Override
      public void failed(Throwable t) {}
    });
  }

  /** A static file of this package, read once at startup. */
  private static void asset(Router router, String path, String resource, String type) {
    Buffer content;
    try (InputStream in = UiRoutes.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing UI resource " + resource);
      }
      content = Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    get(router, path).handler(rc -> security(rc).setStatusCode(200)
        .putHeader("Content-Type", type).putHeader("Cache-Control", "no-cache").end(content.slice()));
  }

  static Future<String> orTimeout(Vertx vertx, Future<String> f, long ms) {
    Promise<String> p = Promise.promise();
    long timer = vertx.setTimer(ms, id -> p.tryFail("no answer within " + ms + "ms"));
    f.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        p.tryComplete(ar.result());
      } else {
        p.tryFail(ar.cause());
      }
    });
    return p.future();
  }
}
