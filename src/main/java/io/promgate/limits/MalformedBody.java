package io.promgate.limits;

import io.promgate.web.PlainText;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/**
 * A request body Vert.x could not read (malformed chunked framing, e.g. a chunk size that does not
 * fit in 64 bits) arrives as an exception on the request, after which Vert.x closes the connection.
 * This answers it with a 400 and a one-line reason first, so the client learns why.
 */
public final class MalformedBody {
  private MalformedBody() {}

  /** Answers 400 unless the client is gone or an answer was already started; true if it answered. */
  public static boolean answer(RoutingContext rc, Throwable t) {
    if (t instanceof HttpClosedException || rc.response().closed() || rc.response().headWritten()) {
      return false;
    }
    rc.response().setStatusCode(400).putHeader("Content-Type", PlainText.CONTENT_TYPE)
        .putHeader("Connection", "close")
        .end(("malformed request body: " + t.getMessage()).replace('\n', ' ') + "\n");
    // Vert.x closes the connection right after the request's exception handler, before its batched
    // flush: flush now so the client reads the 400 instead of a bare close.
    if (rc.request().connection() instanceof ConnectionBase c) {
      c.channelHandlerContext().flush();
    }
    return true;
  }
}
