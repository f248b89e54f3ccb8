package io.promgate.federate;

import io.netty.buffer.Unpooled;
import io.promgate.config.FederationConfig;
import io.promgate.config.PromgateConfig;
import io.promgate.config.Redaction;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.StorageException;
import io.promgate.metrics.Metrics;
import io.promgate.web.PlainText;
import io.promgate.web.Query;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * {@code GET /federate?match[]=<selector>&...}: one scrape target for every shard (SPEC §5,
 * Prometheus web/federate.go).
 *
 * <ul>
 *   <li>No {@code match[]}: 200 with an empty body, as Prometheus. A selector that does not
 *       parse: 400 with Prometheus's parse error ({@link SelectorParser}).
 *   <li>Families come from {@link UpstreamSource} or {@link StorageSource} ({@code
 *       federation.source}) and are written as they come ({@link ExpositionWriter}), gzip
 *       compressed when the scraper accepts it, with back-pressure: the next family is asked for
 *       only when the response's write queue has room.
 *   <li>Status is decided at the first byte: 503 when no upstream answered or InfluxDB is
 *       unavailable before anything was written, 500 for other storage errors. A failure after
 *       the answer started cannot change its status: the connection is closed instead, so the
 *       scraper sees a failed scrape rather than a silently truncated one. (One upstream failing
 *       mid-answer is not such a failure: the others are served.)
 * </ul>
 */
public final class FederateHandler implements Handler<RoutingContext> {
  private static final Logger LOG = Logger.getLogger(FederateHandler.class);
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private final Supplier<PromgateConfig> config;
  private final Supplier<InfluxClient> storage;
  private final Metrics.Federate metrics;
  private final AtomicReference<UpstreamClients> clients = new AtomicReference<>();
  private final AtomicInteger storageRunning = new AtomicInteger();

  public FederateHandler(Vertx vertx, Supplier<PromgateConfig> config, Supplier<InfluxClient> storage,
      Metrics.Federate metrics) {
    this.vertx = vertx;
    this.config = config;
    this.storage = storage;
    this.metrics = metrics;
    // Every configured upstream's series exist from the start (promgate_federate_upstream_up 0).
    for (FederationConfig.Upstream u : config.get().federation().upstreams()) {
      metrics.upstream(u.name());
    }
  }

  @Override
  public void handle(RoutingContext rc) {
    long start = System.nanoTime();
    PromgateConfig cfg = config.get();
    FederationConfig fed = cfg.federation();
    // Decoded as Prometheus's Go server decodes it; a malformed query is refused as Prometheus does.
    Query query = Query.of(rc);
    if (query.error() != null) {
      reply(rc, start, 400, "error parsing form values: " + query.error());
      return;
    }
    List<String> match = query.all("match[]");
    Selectors selectors;
    try {
      selectors = Selectors.parse(match);
    } catch (SelectorParseException e) {
      reply(rc, start, 400, e.getMessage());
      return;
    }
    if (selectors.isEmpty()) {
      metrics.answered(200);
      metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      rc.response().setStatusCode(200).putHeader("Content-Type", CONTENT_TYPE).end();
      return;
    }
    FamilySource source;
    if (fed.source() == FederationConfig.Source.UPSTREAMS) {
      source = UpstreamSource.open(vertx, clientsFor(fed), selectors, deadlineMs(rc, fed), metrics);
    } else {
      // Each storage answer costs InfluxDB a query per measurement batch: bounded, not queued.
      if (storageRunning.incrementAndGet() > fed.maxConcurrentStorageRequests()) {
        storageRunning.decrementAndGet();
        rc.response().putHeader("Retry-After", "1");
        reply(rc, start, 503, "too many concurrent /federate requests from storage"
            + " (federation.max_concurrent_storage_requests=" + fed.maxConcurrentStorageRequests() + "), retry later");
        return;
      }
      AtomicBoolean released = new AtomicBoolean();
      rc.addEndHandler(v -> {
        if (released.compareAndSet(false, true)) {
          storageRunning.decrementAndGet();
        }
      });
      long now = System.currentTimeMillis();
      source = new StorageSource(storage.get(), selectors, now, fed.lookbackDelta().toMillis());
    }
    new Answer(rc, cfg, source, GzipEncoder.accepted(rc.request().getHeader("Accept-Encoding")), start).pump();
  }

  /**
   * {@code federation.timeout}, but no more than 90% of the scraper's own timeout when it says
   * (Prometheus sends {@code X-Prometheus-Scrape-Timeout-Seconds}): a slow shard must be given up
   * on while there is still time to deliver the others.
   */
  static long deadlineMs(RoutingContext rc, FederationConfig fed) {
    long ms = fed.timeout().toMillis();
    String h = rc.request().getHeader("X-Prometheus-Scrape-Timeout-Seconds");
    if (h != null) {
      try {
        double s = Double.parseDouble(h.trim());
        if (s > 0 && Double.isFinite(s)) {
          ms = Math.min(ms, Math.max(1, (long) (s * 900)));
        }
      } catch (NumberFormatException ignored) {
        // not a number: keep federation.timeout
      }
    }
    return ms;
  }

  private UpstreamClients clientsFor(FederationConfig fed) {
    UpstreamClients current = clients.get();
    if (current != null && (current.config == fed || current.config.equals(fed))) {
      return current;
    }
    UpstreamClients fresh = UpstreamClients.create(vertx, fed);
    if (!clients.compareAndSet(current, fresh)) {
      fresh.close();
      return clientsFor(fed);
    }
    if (current != null) {
      // In-flight requests of the old config may still use it; they end within its timeout.
      vertx.setTimer(current.config.timeout().toMillis() + 5000, id -> current.close());
    }
    for (FederationConfig.Upstream u : fed.upstreams()) {
      metrics.upstream(u.name());
    }
    return fresh;
  }

  private void reply(RoutingContext rc, long start, int status, String message) {
    metrics.answered(status);
    metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    HttpServerResponse resp = rc.response();
    if (!resp.ended()) {
      PlainText.line(rc, status, message);
    }
  }

  /** One answer being streamed: pulls families, writes them, respects the write queue. */
  private final class Answer {
    private final RoutingContext rc;
    private final HttpServerResponse resp;
    private final FamilySource source;
    private final ExpositionWriter writer;
    private final GzipEncoder gzip;
    private final long start;
    private boolean started;
    private boolean done;

    Answer(RoutingContext rc, PromgateConfig cfg, FamilySource source, boolean gzip, long start) {
      this.rc = rc;
      this.resp = rc.response();
      this.source = source;
      this.gzip = gzip ? new GzipEncoder() : null;
      this.start = start;
      this.writer = new ExpositionWriter(cfg.externalLabels(), cfg.federation().dedupLabels(), this::write);
      resp.closeHandler(v -> abandon());
      resp.exceptionHandler(t -> abandon());
    }

    void pump() {
      while (!done) {
        if (started && resp.writeQueueFull()) {
          resp.drainHandler(v -> pump());
          return;
        }
        Future<Family> f = source.next();
        if (!f.isComplete()) {
          f.onComplete(ar -> {
            if (handle(ar)) {
              pump();
            }
          });
          return;
        }
        if (!handle(f)) {
          return;
        }
      }
    }

    /** Writes one family; false when the answer is over. */
    private boolean handle(AsyncResult<Family> ar) {
      if (done) {
        return false;
      }
      if (ar.failed()) {
        fail(ar.cause());
        return false;
      }
      try {
        Family f = ar.result();
        if (f == null) {
          finish();
          return false;
        }
        writer.family(f);
        return true;
      } catch (RuntimeException e) {
        // A bug must still end the answer (and free the upstream connections), not hang it.
        LOG.errorf(e, "/federate answer failed");
        fail(e);
        return false;
      }
    }

    private void begin() {
      if (!started) {
        started = true;
        resp.setStatusCode(200).setChunked(true).putHeader("Content-Type", CONTENT_TYPE);
        if (gzip != null) {
          resp.putHeader("Content-Encoding", "gzip");
        }
      }
    }

    private void write(byte[] text, int len) {
      begin();
      if (gzip == null) {
        resp.write(Buffer.buffer(Unpooled.wrappedBuffer(text, 0, len))); // the writer handed the array over
        return;
      }
      byte[] b = gzip.encode(text, len);
      if (b.length > 0) {
        resp.write(Buffer.buffer(Unpooled.wrappedBuffer(b)));
      }
    }

    private void finish() {
      done = true;
      writer.flush();
      begin();
      if (gzip != null) {
        resp.write(Buffer.buffer(Unpooled.wrappedBuffer(gzip.finish())));
        gzip.close();
      }
      resp.end();
      metrics.seriesWritten.increment(writer.seriesWritten());
      metrics.answered(200);
      metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    private void fail(Throwable t) {
      done = true;
      source.cancel();
      if (gzip != null) {
        gzip.close();
      }
      int status;
      if (t instanceof UpstreamsUnavailableException) {
        status = 503;
      } else if (t instanceof StorageException se && se.kind() == StorageException.Kind.UNAVAILABLE) {
        status = 503;
      } else {
        status = 500;
        LOG.warnf("/federate failed: %s", t.toString());
      }
      if (started) {
        // The status is gone already: make the scraper see a failed scrape, not a short one.
        LOG.warnf("/federate failed after the answer started, closing the connection: %s", t.getMessage());
        metrics.answered(status);
        metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        rc.request().connection().close();
        return;
      }
      reply(rc, start, status, Redaction.url(String.valueOf(t.getMessage())));
    }

    private void abandon() {
      if (!done) {
        done = true;
        source.cancel();
        if (gzip != null) {
          gzip.close();
        }
      }
    }
  }
}
