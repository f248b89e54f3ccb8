package io.promgate.web;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * The request target accepted as Prometheus's Go server ({@code net/http}, {@code
 * url.ParseRequestURI}) accepts it, and a one-line text reason on every error answer the HTTP
 * stack gives by itself.
 *
 * <p>Quarkus refuses any target {@code java.net.URI} cannot parse (400, empty body), which turns
 * away selectors typed raw in a URL ({@code /federate?match[]={job="x"}}): promgate switches that
 * check off ({@code -Dvertx.disableURIValidation=true}, set by {@code Main} before Quarkus starts)
 * and checks what Go checks instead, before authentication: no control byte (below 0x20, or
 * 0x7f) anywhere, and well-formed {@code %XX} escapes in the path. The query is left to {@link
 * Query}, which decodes it as Go's {@code url.ParseQuery} does.
 *
 * <p>Not covered: a request line the HTTP codec cannot split at all (e.g. a raw tab or space in
 * the target) is refused by Vert.x before any route runs, with a 400 and no body.
 */
public final class RequestTarget {
  private static final Logger LOG = Logger.getLogger(RequestTarget.class);
  /** The system property Quarkus reads (once, at class initialisation) to skip its URI check. */
  public static final String DISABLE_QUARKUS_URI_VALIDATION = "vertx.disableURIValidation";

  /** Before authentication (order -100), after Quarkus's own first handlers. */
  static final int ORDER = -1000;

  private RequestTarget() {}

  /** Installs the target check and the plain-text error answers on {@code router}. */
  static void install(Router router) {
    router.route().order(ORDER).handler(RequestTarget::check);
    // Failures (rc.fail, exceptions in handlers) of any route: before Quarkus's own failure
    // handler, which answers JSON or HTML.
    router.route().order(ORDER).failureHandler(RequestTarget::failure);
    // Vert.x's answers when no route matched: 404 (HTML) and 405 (empty) by default.
    router.errorHandler(404, rc -> PlainText.reply(rc, 404, "404 page not found\n"));
    router.errorHandler(405, rc -> PlainText.reply(rc, 405,
        "method " + rc.request().method() + " not allowed for " + shortPath(rc) + "\n"));
    for (int status : new int[] {400, 413, 414, 415, 431, 500, 501, 503}) {
      router.errorHandler(status, RequestTarget::failure);
    }
  }

  /** A one-line reason, or null when {@code uri} is a target Go's server accepts. */
  static String problem(String uri) {
    int query = uri.indexOf('?');
    int pathEnd = query < 0 ? uri.length() : query;
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "invalid control character in URL";
      }
      if (c == '%' && i < pathEnd) {
        if (i + 2 >= pathEnd || !isHex(uri.charAt(i + 1)) || !isHex(uri.charAt(i + 2))) {
          return "invalid URL escape " + Query.goQuote(uri, i, Math.min(pathEnd, i + 3));
        }
      }
    }
    return null;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /**
   * No body limit of promgate's goes above 1 GiB (remote_write.max_body_bytes,
   * remote_read.max_request_bytes); Quarkus's own (application.properties) sits above this, so
   * its empty 413 is never the answer.
   */
  static final long MAX_BODY_BYTES = 1L << 30;

  private static void check(RoutingContext rc) {
    String problem = problem(rc.request().uri());
    if (problem != null) {
      PlainText.reply(rc, 400, "bad request: " + problem + "\n");
      return;
    }
    String cl = rc.request().getHeader("Content-Length");
    if (cl != null && cl.length() > 9) {
      long n;
      try {
        n = Long.parseLong(cl.trim());
      } catch (NumberFormatException e) {
        n = Long.MAX_VALUE;
      }
      if (n > MAX_BODY_BYTES) {
        // Not worth reading: answer, then close (Vert.x would otherwise wait for the body's end).
        rc.response().putHeader("Connection", "close");
        PlainText.reply(rc, 413, "request body over " + MAX_BODY_BYTES + " bytes\n")
            .onComplete(v -> rc.request().connection().close());
        return;
      }
    }
    rc.next();
  }

  private static void failure(RoutingContext rc) {
    if (rc.response().ended()) {
      return;
    }
    if (rc.response().headWritten()) {
      rc.response().reset(); // too late for a status: cut the answer off
      return;
    }
    Throwable t = rc.failure();
    int status = rc.statusCode() > 0 ? rc.statusCode() : t instanceof HttpException h ? h.getStatusCode() : 500;
    String reason;
    if (status >= 500) {
      // Unexpected: the details go to the log, not to the client (they may name internals).
      LOG.errorf(t, "%s %s failed with %d", rc.request().method(), shortPath(rc), status);
      reason = status == 503 ? "service unavailable" : "internal server error";
    } else if (t != null && t.getMessage() != null) {
      reason = t.getMessage();
      if (t instanceof HttpException h && h.getPayload() != null) {
        reason = h.getPayload();
      }
    } else {
      reason = HttpResponseStatus.valueOf(status).reasonPhrase()
          .toLowerCase(Locale.ROOT);
    }
    PlainText.reply(rc, status, reason.replace('\n', ' ').replace('\r', ' ') + "\n");
  }

  /** The path for a message: at most 100 chars, no control characters. */
  static String shortPath(RoutingContext rc) {
    String p = rc.request().path();
    p = p == null ? "" : p.replaceAll("[\\x00-\\x1f\\x7f]", "?");
    return p.length() > 100 ? p.substring(0, 100) + "…" : p;
  }
}
