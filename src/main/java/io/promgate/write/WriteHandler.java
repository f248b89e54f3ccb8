package io.promgate.write;

import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.ha.HaTracker;
import io.promgate.influx.LineBuffer;
import io.promgate.influx.LineBufferPool;
import io.promgate.influx.StorageException;
import io.promgate.influx.WriteBatcher;
import io.promgate.limits.MalformedBody;
import io.promgate.limits.MemoryBudget;
import io.promgate.metrics.Metrics;
import io.promgate.web.BoundedBody;
import io.promgate.web.PlainText;
import io.promgate.web.Tenants;
import io.promgate.write.InvalidWriteException.Reason;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/write}: remote write 1.0 and 2.0 into InfluxDB.
 *
 * <p>Order of work, cheapest refusal first: in-flight limit, headers, declared body size, body
 * bytes as they arrive, snappy preamble (before allocating), protobuf and labels while decoding,
 * then InfluxDB. The answer is 204 only after InfluxDB acknowledged every line of the request;
 * outcomes become a status in {@link #answer} and nowhere else:
 * 400 bad data (Prometheus drops it), 413 over a size limit, 415 wrong encoding/type,
 * 503 + Retry-After for overload and storage trouble (Prometheus retries, nothing is lost).
 */
public final class WriteHandler implements Handler<RoutingContext> {
  /**
   * The remote-write protocol versions, chosen by {@code Content-Type} (SPEC §1–2). Each knows
   * its version header and whether 2xx answers must report what was written.
   */
  enum Protocol {
    V1("0.1.0"),
    V2("2.0.0");

    final String version;

    Protocol(String version) {
      this.version = version;
    }

    /** null when the type names neither protocol. */
    static Protocol of(String contentType) {
      if (contentType == null) {
        return V1; // Prometheus always sends one; curl users get 1.0
      }
      String t = contentType.toLowerCase(Locale.ROOT).replace(" ", "");
      if (t.equals("application/x-protobuf")) {
        return V1;
      }
      if (!t.startsWith("application/x-protobuf;")) {
        return null;
      }
      if (!t.contains("proto=") || t.contains("proto=prometheus.writerequest")) {
        return V1;
      }
      return t.contains("proto=io.prometheus.write.v2.request") ? V2 : null;
    }
  }

  private static final Logger LOG = Logger.getLogger(WriteHandler.class);
  private static final ThreadLocal<RemoteWriteDecoder> DECODER = ThreadLocal.withInitial(RemoteWriteDecoder::new);
  // Decompression happens synchronously on the event-loop thread, so one scratch array per thread
  // serves every request; requests above the cap decompress into a one-off array instead.
  // Kept small: each event-loop thread keeps its scratch array for good, outside the memory budget.
  private static final int MAX_SCRATCH = 4 << 20;
  private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[64 << 10]});
  // Pooled buffers are kept outside the memory budget: at most 32 of at most 1 MiB (a Prometheus-sized
  // request's line protocol is ~0.5 MiB); bigger ones are left to the GC.
  private final LineBufferPool buffers = new LineBufferPool(32, 1 << 20);
  private final MetadataLines metadata = new MetadataLines();

  private final Supplier<PromgateConfig> config;
  private final Function<String, WriteBatcher> storage;
  private final Metrics.RemoteWrite metrics;
  private final MemoryBudget budget;
  private final HaTracker haTracker;

  /**
   * {@code storage} maps a database name to the batcher writing there (tenancy); {@code haTracker}
   * deduplicates HA pairs when remote_write.ha_tracker.enabled.
   */
  public WriteHandler(Supplier<PromgateConfig> config, Function<String, WriteBatcher> storage,
      Metrics.RemoteWrite metrics, MemoryBudget budget, HaTracker haTracker) {
    this.config = config;
    this.storage = storage;
    this.metrics = metrics;
    this.budget = budget;
    this.haTracker = haTracker;
  }

  /**
   * What one request holds, given back once whatever way it ends: its bytes of the memory budget
   * and, from the moment its body has fully arrived, its {@code max_inflight_requests} slot.
   */
  private final class Held {
    final MemoryBudget.Ticket ticket = budget.ticket();
    boolean slot;

    void finish() {
      ticket.close();
      if (slot) {
        slot = false;
        metrics.inFlight.decrementAndGet();
      }
    }
  }

  @Override
  public void handle(RoutingContext rc) {
    PromgateConfig cfg = config.get();
    RemoteWriteConfig limits = cfg.remoteWrite();
    HttpServerRequest req = rc.request();
    long start = System.nanoTime();
    Held held = new Held();
    Protocol protocol;
    String database;
    try {
      protocol = checkHeaders(req, limits);
      database = tenantDatabase(cfg, req);
    } catch (InvalidWriteException e) {
      answer(rc, Protocol.V1, limits, start, null, e, held);
      return;
    }
    BoundedBody.read(rc, limits.maxBodyBytes(), held.ticket, limits.bodyTimeout().toMillis(), new BoundedBody.Outcome() {
      @Override
      public void received(Buffer body, long capacity) {
        if (metrics.inFlight.incrementAndGet() > limits.maxInflightRequests()) {
          metrics.inFlight.decrementAndGet();
          metrics.overloaded.increment();
          held.finish();
          reply(rc, 503, limits, "too many concurrent remote-write requests (remote_write.max_inflight_requests="
              + limits.maxInflightRequests() + "), retry later");
          return;
        }
        held.slot = true;
        try {
          process(rc, protocol, database, limits, body, start, held, capacity);
        } catch (MemoryBudget.Exhausted e) {
          WriteHandler.this.overBudget(rc, protocol, limits, start, held, e);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
          // Never leave a request without an answer or its slot and bytes taken.
          LOG.errorf(e, "remote write failed unexpectedly");
          answer(rc, protocol, limits, start, null, e, held);
        }
      }

      @Override
      public void tooLarge() {
        answer(rc, protocol, limits, start, null, WriteHandler.tooLarge(limits), held);
      }

      @Override
      public void failed(Throwable t) {
        held.finish();
        LOG.debugf("remote-write request body failed: %s", t);
        if (MalformedBody.answer(rc, t)) {
          metrics.answered(400);
        }
      }

      @Override
      public void overBudget(MemoryBudget.Exhausted e) {
        WriteHandler.this.overBudget(rc, protocol, limits, start, held, e);
      }

      @Override
      public void timedOut() {
        answer(rc, protocol, limits, start, null, new InvalidWriteException(Reason.BODY_TIMEOUT,
            "request body not received within " + limits.bodyTimeout().toMillis() + "ms (remote_write.body_timeout)"),
            held);
      }
    });
  }

  private void overBudget(RoutingContext rc, Protocol protocol, RemoteWriteConfig limits, long start, Held held,
      MemoryBudget.Exhausted e) {
    answer(rc, protocol, limits, start, null, new InvalidWriteException(Reason.MEMORY_BUDGET, e.getMessage()), held);
  }

  private void process(RoutingContext rc, Protocol protocol, String database, RemoteWriteConfig limits, Buffer body,
      long start, Held held, long bodyCapacity) {
    WriteStats stats = new WriteStats();
    LineBuffer lines;
    try {
      BoundedBody.Bytes bytes = BoundedBody.Bytes.of(body);
      byte[] raw = bytes.array();
      int off = bytes.offset();
      int len = bytes.length();
      int n = SnappyBlock.declaredLength(raw, off, len, limits.maxDecompressedBytes());
      byte[][] scratch = SCRATCH.get();
      byte[] pb = scratch[0];
      long oneOff = 0;
      if (pb.length < n) {
        held.ticket.reserve(n); // Exhausted → 503 before allocating
        pb = new byte[n];
        if (n <= MAX_SCRATCH) {
          scratch[0] = pb;
          held.ticket.release(n); // kept by the thread from now on: headroom, not this request's
        } else {
          oneOff = n;
        }
      }
      SnappyBlock.decompressInto(raw, off, len, pb);
      // Each line repeats its series' labels, the protobuf holds them once per series: with one
      // sample per series (what Prometheus's queue usually sends) line protocol is about as long as
      // the protobuf, and more samples per series grow the buffer by doubling. The buffer lives until
      // InfluxDB acknowledged it, so a 3x guess cost 3x the memory of every waiting request (~270
      // MB more heap at 200 concurrent senders, BENCHMARKS.md).
      lines = buffers.acquire(Math.max(1024, n + (n >> 2)));
      RemoteWriteDecoder decoder = DECODER.get();
      HaTracker.Batch ha =
          haTracker != null && limits.haTracker().enabled() ? haTracker.batch().database(database) : null;
      decoder.ha(ha, limits.haTracker());
      try {
        held.ticket.reserve(lines.array().length);
      } catch (MemoryBudget.Exhausted e) {
        buffers.release(lines);
        throw e;
      }
      MemoryBudget.Ticket ticket = held.ticket;
      lines.track(new LineBuffer.Growth() {
        @Override
        public void growing(long from, long to) {
          ticket.reserve(to);
        }

        @Override
        public void released(long bytes) {
          ticket.release(bytes);
        }
      });
      try {
        long now = System.currentTimeMillis();
        if (protocol == Protocol.V2) {
          decoder.decodeV2(pb, 0, n, limits, lines, stats, metadata, now);
        } else {
          decoder.decode(pb, 0, n, limits, lines, stats, metadata, now);
        }
        if (stats.haRetry) {
          throw new InvalidWriteException(Reason.HA_ELECTION, ha.retryReason());
        }
      } catch (RuntimeException | Error e) {
        lines.track(null);
        buffers.release(lines);
        throw e;
      } finally {
        if (ha != null) {
          ha.finish();
        }
      }
      // The body and a one-off decompression array are garbage from here on.
      held.ticket.release(bodyCapacity + oneOff);
    } catch (InvalidWriteException e) {
      answer(rc, protocol, limits, start, null, e, held);
      return;
    }
    lines.track(null);
    metrics.samplesReceived.increment(stats.samples + stats.droppedByRelabel + stats.haDeduplicated);
    metrics.droppedByRelabel.increment(stats.droppedByRelabel);
    metrics.nonFiniteSamples.increment(stats.nonFiniteSamples);
    metrics.histogramsDropped.increment(stats.histograms);
    metrics.exemplarsDropped.increment(stats.exemplars);
    Context ctx = Vertx.currentContext();
    LineBuffer submitted = lines;
    WriteBatcher batcher;
    try {
      batcher = storage.apply(database);
    } catch (IllegalStateException e) {
      buffers.release(lines);
      answer(rc, protocol, limits, start, stats, new InvalidWriteException(Reason.INVALID_TENANT, e.getMessage()), held);
      return;
    } catch (StorageException e) {
      buffers.release(lines); // e.g. tenancy.max_tenants reached: 503 + Retry-After
      answer(rc, protocol, limits, start, stats, e, held);
      return;
    }
    batcher.submit(lines.array(), lines.length()).onComplete(ar -> {
      buffers.release(submitted);
      if (ctx == null || ctx == Vertx.currentContext()) {
        stored(rc, protocol, limits, start, stats, ar, held);
      } else {
        ctx.runOnContext(x -> stored(rc, protocol, limits, start, stats, ar, held));
      }
    });
  }

  private void stored(RoutingContext rc, Protocol protocol, RemoteWriteConfig limits, long start, WriteStats stats,
      AsyncResult<Void> ar, Held held) {
    if (ar.succeeded()) {
      metrics.samplesStored.increment(stats.samples);
      if (!stats.metadataKeys.isEmpty()) {
        metadata.confirm(stats.metadataKeys, System.currentTimeMillis());
      }
      answer(rc, protocol, limits, start, stats, null, held);
    } else {
      if (ar.cause() instanceof StorageException se && se.kind() == StorageException.Kind.REJECTED) {
        metrics.samplesRejectedByStorage.increment(stats.samples);
      } else {
        metrics.samplesUnavailableStorage.increment(stats.samples);
      }
      answer(rc, protocol, limits, start, stats, ar.cause(), held);
    }
  }

  /**
   * The only place remote-write outcomes become HTTP statuses. A 2.0 success reports what was
   * stored in the {@code X-Prometheus-Remote-Write-*-Written} headers (2.0 senders treat a 2xx
   * without them as a failure); histograms and exemplars are not stored, so they report 0.
   */
  private void answer(RoutingContext rc, Protocol protocol, RemoteWriteConfig limits, long start, WriteStats stats,
      Throwable error, Held held) {
    held.finish();
    metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    HttpServerResponse resp = rc.response();
    if (!resp.ended()) {
      resp.putHeader("X-Prometheus-Remote-Write-Version", protocol.version);
    }
    if (error == null) {
      metrics.answered(204);
      if (!resp.ended()) {
        if (protocol == Protocol.V2) {
          resp.putHeader("X-Prometheus-Remote-Write-Samples-Written", String.valueOf(stats.samples))
              .putHeader("X-Prometheus-Remote-Write-Histograms-Written", "0")
              .putHeader("X-Prometheus-Remote-Write-Exemplars-Written", "0");
        }
        resp.setStatusCode(204).end();
      }
      return;
    }
    int samples = stats == null ? 0 : stats.samples;
    if (error instanceof InvalidWriteException e) {
      metrics.rejected(e.reason());
      reply(rc, e.status(), limits, e.getMessage());
    } else if (error instanceof StorageException e) {
      boolean rejected = e.kind() == StorageException.Kind.REJECTED;
      if (!rejected) {
        LOG.warnf("remote write of %d samples failed, sender will retry: %s", samples, e.getMessage());
      }
      reply(rc, e.status(), limits, rejected ? "InfluxDB rejected the data: " + e.getMessage() : e.getMessage());
    } else {
      reply(rc, 500, limits, "remote write failed: " + error.getClass().getSimpleName());
    }
  }

  private void reply(RoutingContext rc, int status, RemoteWriteConfig limits, String message) {
    if (status != 204) {
      metrics.answered(status);
    }
    PlainText.refuse(rc, status, Math.max(1, limits.retryAfter().toSeconds()), message);
  }

  private static Protocol checkHeaders(HttpServerRequest req, RemoteWriteConfig limits) {
    String enc = req.getHeader("Content-Encoding");
    if (enc == null || !enc.trim().equalsIgnoreCase("snappy")) {
      throw new InvalidWriteException(
          Reason.UNSUPPORTED_ENCODING,
          "unsupported Content-Encoding " + (enc == null ? "(none)" : "\"" + enc + "\"")
              + ": remote write bodies must be snappy block compressed (Content-Encoding: snappy)");
    }
    String type = req.getHeader("Content-Type");
    Protocol protocol = Protocol.of(type);
    if (protocol == null) {
      throw new InvalidWriteException(
          Reason.UNSUPPORTED_CONTENT_TYPE,
          "unsupported Content-Type \"" + type + "\": accepted are application/x-protobuf"
              + " (remote write 1.0, proto=prometheus.WriteRequest) and"
              + " application/x-protobuf;proto=io.prometheus.write.v2.Request (remote write 2.0)");
    }
    if (BoundedBody.declaredLength(req) > limits.maxBodyBytes()) {
      throw tooLarge(limits);
    }
    return protocol;
  }

  private static String tenantDatabase(PromgateConfig cfg, HttpServerRequest req) {
    try {
      return Tenants.database(cfg, req);
    } catch (IllegalArgumentException e) {
      throw new InvalidWriteException(Reason.INVALID_TENANT, e.getMessage());
    }
  }

  private static InvalidWriteException tooLarge(RemoteWriteConfig limits) {
    return new InvalidWriteException(
        Reason.BODY_TOO_LARGE,
        "request body over the limit of " + limits.maxBodyBytes() + " bytes (remote_write.max_body_bytes)");
  }
}
