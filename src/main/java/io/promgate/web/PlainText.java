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

  /**
   * Routing-context keys {@link BoundedBody} sets: the body's deadline ({@link System#nanoTime()})
   * and its size limit, which bound the draining of a refused body.
   */
  static final String DRAIN_DEADLINE = "promgate.body.deadline";
  static final String DRAIN_MAX_BYTES = "promgate.body.max-bytes";

  /** The least a refused request's remaining body is drained, even past its deadline. */
  private static final long MIN_DRAIN_MILLIS = 1000;

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
   * and dropped, and only then is the connection closed: once the body has ended, or after the
   * body's size limit in more bytes, or when what is left of the body timeout has passed (at least
   * {@link #MIN_DRAIN_MILLIS}: a stalled sender).
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
    boolean drain = !rc.request().isEnded() && "close".equalsIgnoreCase(resp.headers().get("Connection"));
    Future<Void> sent = resp.end(message.replace('\n', ' ') + "\n");
    if (drain) {
      Long deadline = rc.get(DRAIN_DEADLINE);
      long left = deadline == null ? 0 : (deadline - System.nanoTime()) / 1_000_000;
      Long maxBytes = rc.get(DRAIN_MAX_BYTES);
      sent.onComplete(v -> drainThenClose(rc.request(), rc.vertx(), Math.max(MIN_DRAIN_MILLIS, left),
          maxBytes == null ? Long.MAX_VALUE : maxBytes));
    }
  }

  private static void drainThenClose(HttpServerRequest req, Vertx vertx, long boundMillis, long maxBytes) {
    if (req.isEnded()) {
      req.connection().close();
      return;
    }
    long timer = vertx.setTimer(boundMillis, t -> req.connection().close());
    long[] dropped = {0};
    req.handler(chunk -> {
      dropped[0] += chunk.length();
      if (dropped[0] > maxBytes) {
        vertx.cancelTimer(timer);
        req.connection().close();
      }
    });
    req.endHandler(v -> {
      vertx.cancelTimer(timer);
      req.connection().close();
    });
    req.resume(); // a request refused before its handlers were set is still paused
  }
}
