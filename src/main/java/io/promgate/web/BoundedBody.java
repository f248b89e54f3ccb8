package io.promgate.web;

import io.netty.buffer.ByteBuf;
import io.promgate.limits.MemoryBudget;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * A request body read as it arrives, up to a limit, and handed over whole: the one reader of
 * remote write, remote read and the relabel debugger. Exactly one {@link Outcome} method is
 * called, once; after a refusal the rest of the body is ignored (and the body dropped).
 *
 * <p>With a {@link MemoryBudget.Ticket} (remote write) the body holds only the bytes it sent: it
 * starts at most 64 KiB (less when {@code Content-Length} says so: a body that trickles in must
 * not hold memory it has not sent) and doubles as it arrives, each size reserved from the budget
 * before it is allocated; a body that has not fully arrived within its timeout is refused
 * (slow-body attacks, stuck senders).
 */
public final class BoundedBody {
  private static final int MAX_INITIAL = 64 * 1024;

  /** What became of a body. */
  public interface Outcome {
    /** The whole body arrived; {@code capacity} bytes of the budget (if any) are reserved for it. */
    void received(Buffer body, long capacity);

    /** More than the limit arrived. */
    void tooLarge();

    /** Vert.x could not read the body (malformed chunked framing, connection closed). */
    void failed(Throwable t);

    /**
     * The memory budget could not hold the body (only when read with a ticket); if it was still
     * arriving, the answer carries {@code Connection: close}.
     */
    default void overBudget(MemoryBudget.Exhausted e) {
      throw new IllegalStateException("no memory budget", e);
    }

    /**
     * The body did not fully arrive in time (only when read with a timeout); the answer carries
     * {@code Connection: close}.
     */
    default void timedOut() {
      throw new IllegalStateException("no body timeout");
    }
  }

  /** A body's bytes without a copy when the buffer is heap-backed. */
  public record Bytes(byte[] array, int offset, int length) {
    public static Bytes of(Buffer body) {
      ByteBuf bb = body.getByteBuf();
      if (bb.hasArray()) {
        return new Bytes(bb.array(), bb.arrayOffset() + bb.readerIndex(), bb.readableBytes());
      }
      return new Bytes(body.getBytes(), 0, body.length());
    }
  }

  private final RoutingContext rc;
  private final long max;
  private final MemoryBudget.Ticket ticket;
  private final Outcome outcome;
  private Buffer body;
  private long capacity;
  private boolean done;
  private long timer = -1;

  private BoundedBody(RoutingContext rc, long max, MemoryBudget.Ticket ticket, Outcome outcome) {
    this.rc = rc;
    this.max = max;
    this.ticket = ticket;
    this.outcome = outcome;
  }

  /**
   * The request's declared {@code Content-Length}, or -1 when it has none (or a malformed one, which
   * the HTTP layer refuses before a handler runs).
   */
  public static long declaredLength(HttpServerRequest req) {
    String cl = req.getHeader("Content-Length");
    if (cl != null) {
      try {
        return Long.parseLong(cl.trim());
      } catch (NumberFormatException ignored) {
        // refused by the HTTP layer itself
      }
    }
    return -1;
  }

  /** Reads at most {@code max} bytes, outside any memory budget and with no timeout. */
  public static void read(RoutingContext rc, long max, Outcome outcome) {
    rc.put(PlainText.DRAIN_MAX_BYTES, max);
    BoundedBody b = new BoundedBody(rc, max, null, outcome);
    b.body = Buffer.buffer(1024);
    b.start();
  }

  /**
   * Reads at most {@code max} bytes, each reserved from {@code ticket} before it is allocated, and
   * refuses a body that has not fully arrived within {@code timeoutMillis}.
   */
  public static void read(RoutingContext rc, long max, MemoryBudget.Ticket ticket, long timeoutMillis,
      Outcome outcome) {
    rc.put(PlainText.DRAIN_DEADLINE, System.nanoTime() + timeoutMillis * 1_000_000);
    rc.put(PlainText.DRAIN_MAX_BYTES, max);
    long declared = declaredLength(rc.request());
    int initial = Math.max(16, (int) (declared < 0 ? MAX_INITIAL : Math.min(Math.min(declared, max), MAX_INITIAL)));
    try {
      ticket.reserve(initial);
    } catch (MemoryBudget.Exhausted e) {
      rc.response().putHeader("Connection", "close"); // the body is not read: drained, then closed
      outcome.overBudget(e);
      return;
    }
    BoundedBody b = new BoundedBody(rc, max, ticket, outcome);
    b.body = Buffer.buffer(initial);
    b.capacity = initial;
    b.timer = rc.vertx().setTimer(timeoutMillis, t -> {
      b.timer = -1;
      if (b.stop()) {
        rc.response().putHeader("Connection", "close");
        outcome.timedOut();
      }
    });
    b.start();
  }

  private void start() {
    HttpServerRequest req = rc.request();
    req.handler(this::chunk);
    req.exceptionHandler(t -> {
      if (stop()) {
        outcome.failed(t);
      }
    });
    req.endHandler(v -> {
      Buffer received = body;
      if (stop()) {
        outcome.received(received, capacity);
      }
    });
    req.resume();
  }

  private void chunk(Buffer chunk) {
    if (done) {
      return;
    }
    long need = (long) body.length() + chunk.length();
    if (need > max) {
      stop();
      outcome.tooLarge();
      return;
    }
    if (ticket != null && need > capacity) {
      long grown = Math.max(need, Math.min(2 * capacity, max));
      try {
        ticket.reserve(grown);
      } catch (MemoryBudget.Exhausted e) {
        stop();
        rc.response().putHeader("Connection", "close"); // the rest of the body is not read
        outcome.overBudget(e);
        return;
      }
      Buffer bigger = Buffer.buffer((int) grown);
      bigger.appendBuffer(body);
      body = bigger;
      ticket.release(capacity);
      capacity = grown;
    }
    body.appendBuffer(chunk);
  }

  /**
   * Ends reading; false if it had ended already. The body is dropped here: the request keeps its
   * handlers (and so this reader) until it is answered, which for a stored write is after
   * InfluxDB's acknowledgement.
   */
  private boolean stop() {
    if (done) {
      return false;
    }
    done = true;
    body = null;
    if (timer >= 0) {
      Vertx vertx = rc.vertx();
      vertx.cancelTimer(timer);
      timer = -1;
    }
    return true;
  }
}
