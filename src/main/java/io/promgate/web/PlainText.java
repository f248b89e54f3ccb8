package io.promgate.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Plain-text answers, the one place their {@code Content-Type}, their one-line form and the
 * refusal of a request whose body is still arriving are written.
 */
public final class PlainText {
  public static final String CONTENT_TYPE = "text/plain; charset=utf-8";

  /** How long a refused request's remaining body is drained before its connection is closed. */
  public static final long LINGER_MILLIS = 1000;

  private PlainText() {}

  /** Ends the response with {@code status} and {@code body} exactly as given. */
  public static Future<Void> reply(RoutingContext rc, int status, String body) {
    return rc.response().setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(body);
  }

  /** One line: newlines in {@code message} become spaces, and a newline ends it. */
  public static Future<Void> line(RoutingContext rc, int status, String message) {
    return reply(rc, status, message.replace('\n', ' ') + "\n");
  }

  /** 405 naming the methods {@code allowed} (also in the {@code Allow} header). */
  public static void methodNotAllowed(RoutingContext rc, String allowed) {
    rc.response().putHeader("Allow", allowed);
    reply(rc, 405, "method " + rc.request().method() + " not allowed, use " + allowed + "\n");
  }

  /**
   * A refused or failed remote-write or remote-read request, as one line: a 503 says when to retry
   * ({@code Retry-After}), a 413 closes the connection (the rest of an oversize body is not worth
   * reading). Does nothing once the response has ended or the client is gone.
   *
   * <p>A request answered with {@code Connection: close} before its body arrived (timeout, size,
   * memory budget) needs more than the answer: Vert.x would keep the connection until the body
   * ends, which a stalled sender never does. Closing right after the answer is not enough either:
   * with the client's body still arriving, the kernel resets the connection, and a reset can
   * discard the answer before the client reads it (seen as "no bytes" under a flood of 1 MiB
   * writes refused by the memory budget). So, as Go's net/http does, the rest of the body is read
   * and dropped until it ends or {@link #LINGER_MILLIS} pass, and only then is the connection
   * closed.
   */
  public static void refuse(RoutingContext rc, int status, long retryAfterSeconds, String message) {
    HttpServerResponse resp = rc.response();
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE);
    if (status == 503) {
      resp.putHeader("Retry-After", String.valueOf(retryAfterSeconds));
    }
    if (status == 413) {
      resp.putHeader("Connection", "close");
    }
    boolean linger = !rc.request().isEnded() && "close".equalsIgnoreCase(resp.headers().get("Connection"));
    Future<Void> sent = resp.end(message.replace('\n', ' ') + "\n");
    if (linger) {
      sent.onComplete(v -> lingerThenClose(rc.request(), rc.vertx()));
    }
  }

  private static void lingerThenClose(HttpServerRequest req, Vertx vertx) {
    if (req.isEnded()) {
      req.connection().close();
      return;
    }
    long timer = vertx.setTimer(LINGER_MILLIS, t -> req.connection().close());
    req.handler(dropped -> {});
    req.endHandler(v -> {
      vertx.cancelTimer(timer);
      req.connection().close();
    });
    req.resume(); // a request refused before its handlers were set is still paused
  }
}
