package io.promgate.read;

import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteReadConfig;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.StorageException;
import io.promgate.limits.MalformedBody;
import io.promgate.metrics.Metrics;
import io.promgate.read.InvalidReadException.Reason;
import io.promgate.web.BoundedBody;
import io.promgate.web.PlainText;
import io.promgate.web.Tenants;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/read}: Prometheus remote read (SPEC §3) from InfluxDB.
 *
 * <p>Cheapest refusal first: declared body size, body bytes as they arrive, snappy preamble, the
 * request itself ({@link ReadRequestDecoder}); then the request waits for one of {@code
 * remote_read.max_concurrent_queries} slots (up to {@code max_queued_requests} may wait, beyond
 * that 503), is counted against its limits and streamed ({@link ReadExecution}). Outcomes become
 * statuses in {@link #fail} and nowhere else: 400 malformed or over a limit (one line naming it),
 * 413 body too large, 503 + Retry-After for InfluxDB trouble or overload; after the 200 a failure
 * cuts the response off.
 */
public final class ReadHandler implements Handler<RoutingContext> {
  private static final Logger LOG = Logger.getLogger(ReadHandler.class);

  private final Supplier<PromgateConfig> config;
  private final Function<String, InfluxClient> influx;
  private final Metrics.RemoteRead metrics;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int running;

  /** {@code influx} maps a database name (the tenant's, or storage.influxdb.database) to its client. */
  public ReadHandler(Supplier<PromgateConfig> config, Function<String, InfluxClient> influx,
      Metrics.RemoteRead metrics) {
    this.config = config;
    this.influx = influx;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext rc) {
    PromgateConfig cfg = config.get();
    RemoteReadConfig limits = cfg.remoteRead();
    long start = System.nanoTime();
    if (BoundedBody.declaredLength(rc.request()) > limits.maxRequestBytes()) {
      fail(rc, start, tooLarge(limits));
      return;
    }
    BoundedBody.read(rc, limits.maxRequestBytes(), new BoundedBody.Outcome() {
      @Override
      public void received(Buffer body, long capacity) {
        ReadRequestDecoder.Request request;
        InfluxClient client;
        try {
          // tenancy: read from the same database remote_write wrote this tenant's samples to
          try {
            client = influx.apply(Tenants.database(cfg, rc.request()));
          } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidReadException(Reason.INVALID_TENANT, e.getMessage());
          }
          BoundedBody.Bytes bytes = BoundedBody.Bytes.of(body);
          request = ReadRequestDecoder.decode(bytes.array(), bytes.offset(), bytes.length(), limits.maxRequestBytes(),
              cfg.externalLabels(), limits.maxQueriesPerRequest(), limits.maxMatchersPerQuery());
        } catch (InvalidReadException e) {
          fail(rc, start, e);
          return;
        }
        admit(rc, start, limits, () -> execute(rc, start, cfg, request, client));
      }

      @Override
      public void tooLarge() {
        fail(rc, start, ReadHandler.tooLarge(limits));
      }

      @Override
      public void failed(Throwable t) {
        if (MalformedBody.answer(rc, t)) {
          metrics.answered(400);
        }
      }
    });
  }

  /** Runs {@code task} now if a slot is free, later if it may wait, else answers 503. */
  private void admit(RoutingContext rc, long start, RemoteReadConfig limits, Runnable task) {
    boolean now = false;
    boolean refused = false;
    synchronized (this) {
      if (running < limits.maxConcurrentQueries()) {
        running++;
        now = true;
      } else if (waiting.size() < limits.maxQueuedRequests()) {
        metrics.queued.incrementAndGet();
        Context ctx = Vertx.currentContext();
        waiting.add(() -> ctx.runOnContext(v -> {
          metrics.queued.decrementAndGet();
          if (rc.response().closed()) {
            release(); // the client gave up waiting: pass the slot on
          } else {
            task.run();
          }
        }));
      } else {
        refused = true;
      }
    }
    if (now) {
      task.run();
    } else if (refused) {
      metrics.limitHit("concurrency");
      fail(rc, start, new StorageException(StorageException.Kind.UNAVAILABLE,
          "too many concurrent remote-read requests (remote_read.max_concurrent_queries="
              + limits.maxConcurrentQueries() + ", max_queued_requests=" + limits.maxQueuedRequests() + "), retry later"));
    }
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.run(); // the slot passes on
    }
  }

  private void execute(RoutingContext rc, long start, PromgateConfig cfg, ReadRequestDecoder.Request request,
      InfluxClient client) {
    metrics.inFlight.incrementAndGet();
    boolean[] finished = {false};
    ReadExecution exec;
    Future<Void> counted;
    try {
      exec = new ReadExecution(request, cfg.remoteRead(), cfg.externalLabels(), client, metrics);
      counted = exec.count();
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      // Never keep the slot of a request that blew up before its futures existed.
      metrics.inFlight.decrementAndGet();
      release();
      LOG.errorf(e, "remote read failed");
      fail(rc, start, e instanceof RuntimeException ? e : new IllegalStateException(e.toString()));
      return;
    }
    HttpServerResponse resp = rc.response();
    resp.closeHandler(v -> exec.cancel());
    long watchdog = watchWrites(rc, cfg.remoteRead().writeTimeout().toMillis(), exec::cancel);
    counted
        .compose(v -> {
          resp.setStatusCode(200).setChunked(true).putHeader("Content-Type", request.type().contentType);
          if (request.type().contentEncoding != null) {
            resp.putHeader("Content-Encoding", request.type().contentEncoding);
          }
          return exec.stream(resp);
        })
        .onComplete(ar -> {
          if (finished[0]) {
            return;
          }
          finished[0] = true;
          rc.vertx().cancelTimer(watchdog);
          metrics.inFlight.decrementAndGet();
          release();
          if (ar.succeeded()) {
            metrics.answered(200);
            metrics.series.increment(exec.series);
            metrics.samples.increment(exec.samples);
            metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
          } else {
            fail(rc, start, ar.cause());
          }
        });
  }

  /**
   * remote_read.write_timeout: a client that stops reading its answer fills its socket and then
   * promgate's write queue; once no byte has left for that long while the queue is full, the
   * connection is closed, which cancels the read (a storage-service read is drained, not cut) and
   * frees the slot. Time spent waiting for InfluxDB does not count: the queue is not full then.
   */
  private long watchWrites(RoutingContext rc, long timeoutMs, Runnable onStall) {
    HttpServerResponse resp = rc.response();
    long period = Math.max(50, timeoutMs / 4);
    long[] lastBytes = {-1};
    long[] stalledSince = {0};
    return rc.vertx().setPeriodic(period, id -> {
      if (resp.closed() || resp.ended()) {
        rc.vertx().cancelTimer(id);
        return;
      }
      long written = resp.bytesWritten();
      long now = System.nanoTime();
      if (resp.writeQueueFull() && written == lastBytes[0]) {
        if (stalledSince[0] == 0) {
          stalledSince[0] = now;
        } else if (now - stalledSince[0] >= TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
          rc.vertx().cancelTimer(id);
          metrics.limitHit("write_timeout");
          LOG.warnf("remote-read client read nothing for %d ms (remote_read.write_timeout): closing its connection",
              timeoutMs);
          // Cancel the read here (a storage-service read is drained), then drop the socket: Vert.x's
          // close and reset wait for the response in flight to be written, which never happens.
          onStall.run();
          if (rc.request().connection() instanceof ConnectionBase c) {
            c.channelHandlerContext().channel().close();
          } else {
            rc.request().connection().close();
          }
        }
      } else {
        stalledSince[0] = 0;
      }
      lastBytes[0] = written;
    });
  }

  /** The only place remote-read outcomes become HTTP statuses. */
  private void fail(RoutingContext rc, long start, Throwable error) {
    metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    HttpServerResponse resp = rc.response();
    if (resp.headWritten()) {
      // The 200 is out: only a cut-off response can tell the client the read failed.
      metrics.aborted.increment();
      LOG.warnf("remote read failed after the answer started, response cut off: %s", error.getMessage());
      if (!resp.closed()) {
        resp.reset();
      }
      return;
    }
    int status;
    String message;
    if (error instanceof InvalidReadException e) {
      status = e.status();
      message = e.getMessage();
      if (e.reason().limit != null) {
        metrics.limitHit(e.reason().limit);
      }
    } else if (error instanceof StorageException e) {
      status = e.status();
      message = e.kind() == StorageException.Kind.REJECTED ? "InfluxDB refused the query: " + e.getMessage() : e.getMessage();
    } else {
      status = 500;
      message = "remote read failed: " + error;
      LOG.errorf(error, "remote read failed");
    }
    metrics.answered(status);
    PlainText.refuse(rc, status, 1, message);
  }

  private static InvalidReadException tooLarge(RemoteReadConfig limits) {
    return new InvalidReadException(
        Reason.BODY_TOO_LARGE, "request body over the limit of " + limits.maxRequestBytes() + " bytes (remote_read.max_request_bytes)");
  }
}
