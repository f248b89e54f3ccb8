package io.promgate.write;

import io.netty.buffer.ByteBuf;
import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.influx.LineBufferPool;
import io.promgate.influx.StorageException;
import io.promgate.influx.WriteBatcher;
import io.promgate.metrics.Metrics;
import io.promgate.write.InvalidWriteException.Reason;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/write}: remote write 1.0 into InfluxDB.
 *
 * <p>Order of work, cheapest refusal first: in-flight limit, headers, declared body size, body
 * bytes as they arrive, snappy preamble (before allocating), protobuf and labels while decoding,
 * then InfluxDB. The answer is 204 only after InfluxDB acknowledged every line of the request;
 * outcomes become a status in {@link #answer} and nowhere else:
 * 400 bad data (Prometheus drops it), 413 over a size limit, 415 wrong encoding/type,
 * 503 + Retry-After for overload and storage trouble (Prometheus retries, nothing is lost).
 */
public final class WriteHandler implements Handler<RoutingContext> {
  private static final Logger LOG = Logger.getLogger(WriteHandler.class);
  private static final ThreadLocal<RemoteWriteDecoder> DECODER = ThreadLocal.withInitial(RemoteWriteDecoder::new);
  // Decompression happens synchronously on the event-loop thread, so one scratch array per thread
  // serves every request; requests above the cap decompress into a one-off array instead.
  private static final int MAX_SCRATCH = 16 << 20;
  private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[64 << 10]});
  private final LineBufferPool buffers = new LineBufferPool(64, 64 << 20);

  private final Supplier<PromgateConfig> config;
  private final Supplier<WriteBatcher> storage;
  private final Metrics.RemoteWrite metrics;

  public WriteHandler(Supplier<PromgateConfig> config, Supplier<WriteBatcher> storage, Metrics.RemoteWrite metrics) {
    this.config = config;
    this.storage = storage;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext rc) {
    PromgateConfig cfg = config.get();
    RemoteWriteConfig limits = cfg.remoteWrite();
    HttpServerRequest req = rc.request();
    if (metrics.inFlight.incrementAndGet() > limits.maxInflightRequests()) {
      metrics.inFlight.decrementAndGet();
      metrics.overloaded.increment();
      reply(rc, 503, limits, "too many concurrent remote-write requests (remote_write.max_inflight_requests="
          + limits.maxInflightRequests() + "), retry later");
      return;
    }
    long start = System.nanoTime();
    try {
      checkHeaders(req, limits);
    } catch (InvalidWriteException e) {
      answer(rc, limits, start, 0, e);
      return;
    }
    String cl = req.getHeader("Content-Length");
    int initial = 64 * 1024;
    if (cl != null) {
      try {
        initial = (int) Math.min(Long.parseLong(cl), limits.maxBodyBytes());
      } catch (NumberFormatException ignored) {
        // Vert.x rejects malformed Content-Length before we get here; keep the default
      }
    }
    Buffer body = Buffer.buffer(Math.max(initial, 16));
    boolean[] refused = {false};
    req.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if ((long) body.length() + chunk.length() > limits.maxBodyBytes()) {
        refused[0] = true;
        answer(rc, limits, start, 0, tooLarge(limits));
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(t -> {
      if (!refused[0]) {
        refused[0] = true;
        metrics.inFlight.decrementAndGet();
        LOG.debugf("remote-write request body failed: %s", t);
      }
    });
    req.endHandler(v -> {
      if (!refused[0]) {
        refused[0] = true;
        process(rc, limits, body, start);
      }
    });
    req.resume();
  }

  private void process(RoutingContext rc, RemoteWriteConfig limits, Buffer body, long start) {
    WriteStats stats = new WriteStats();
    LineBuffer lines;
    try {
      ByteBuf bb = body.getByteBuf();
      byte[] raw;
      int off;
      int len = bb.readableBytes();
      if (bb.hasArray()) {
        raw = bb.array();
        off = bb.arrayOffset() + bb.readerIndex();
      } else {
        raw = body.getBytes();
        off = 0;
      }
      int n = SnappyBlock.declaredLength(raw, off, len, limits.maxDecompressedBytes());
      byte[][] scratch = SCRATCH.get();
      byte[] pb = scratch[0];
      if (pb.length < n) {
        pb = new byte[n];
        if (n <= MAX_SCRATCH) {
          scratch[0] = pb;
        }
      }
      SnappyBlock.decompressInto(raw, off, len, pb);
      // Line protocol is larger than the protobuf it comes from: the label text is repeated per sample.
      lines = buffers.acquire(Math.max(1024, n * 3));
      try {
        DECODER.get().decode(pb, 0, n, limits, lines, stats);
      } catch (InvalidWriteException e) {
        buffers.release(lines);
        throw e;
      }
    } catch (InvalidWriteException e) {
      answer(rc, limits, start, 0, e);
      return;
    }
    metrics.samplesReceived.increment(stats.samples + stats.droppedByRelabel);
    metrics.droppedByRelabel.increment(stats.droppedByRelabel);
    metrics.nonFiniteSamples.increment(stats.nonFiniteSamples);
    metrics.histogramsDropped.increment(stats.histograms);
    metrics.exemplarsDropped.increment(stats.exemplars);
    Context ctx = Vertx.currentContext();
    LineBuffer submitted = lines;
    storage.get().submit(lines.array(), lines.length()).onComplete(ar -> {
      buffers.release(submitted);
      if (ctx == null || ctx == Vertx.currentContext()) {
        stored(rc, limits, start, stats, ar);
      } else {
        ctx.runOnContext(x -> stored(rc, limits, start, stats, ar));
      }
    });
  }

  private void stored(RoutingContext rc, RemoteWriteConfig limits, long start, WriteStats stats, AsyncResult<Void> ar) {
    if (ar.succeeded()) {
      metrics.samplesStored.increment(stats.samples);
      answer(rc, limits, start, stats.samples, null);
    } else {
      if (ar.cause() instanceof StorageException se && se.kind() == StorageException.Kind.REJECTED) {
        metrics.samplesRejectedByStorage.increment(stats.samples);
      } else {
        metrics.samplesUnavailableStorage.increment(stats.samples);
      }
      answer(rc, limits, start, stats.samples, ar.cause());
    }
  }

  /** The only place remote-write outcomes become HTTP statuses. */
  private void answer(RoutingContext rc, RemoteWriteConfig limits, long start, int samples, Throwable error) {
    metrics.inFlight.decrementAndGet();
    metrics.duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    if (error == null) {
      metrics.answered(204);
      if (!rc.response().ended()) {
        rc.response().setStatusCode(204).end();
      }
      return;
    }
    if (error instanceof InvalidWriteException e) {
      metrics.rejected(e.reason());
      reply(rc, e.status(), limits, e.getMessage());
    } else if (error instanceof StorageException e && e.kind() == StorageException.Kind.REJECTED) {
      reply(rc, 400, limits, "InfluxDB rejected the data: " + e.getMessage());
    } else {
      String msg = error instanceof StorageException ? error.getMessage() : "storage error: " + error;
      LOG.warnf("remote write of %d samples failed, sender will retry: %s", samples, msg);
      reply(rc, 503, limits, msg);
    }
  }

  private void reply(RoutingContext rc, int status, RemoteWriteConfig limits, String message) {
    if (status != 204) {
      metrics.answered(status);
    }
    HttpServerResponse resp = rc.response();
    if (resp.ended()) {
      return;
    }
    resp.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8");
    if (status == 503) {
      resp.putHeader("Retry-After", String.valueOf(Math.max(1, limits.retryAfter().toSeconds())));
    }
    if (status == 413) {
      // The rest of an oversize body is not worth reading; do not reuse the connection.
      resp.putHeader("Connection", "close");
    }
    resp.end(message.replace('\n', ' ') + "\n");
  }

  private static void checkHeaders(HttpServerRequest req, RemoteWriteConfig limits) {
    String enc = req.getHeader("Content-Encoding");
    if (enc == null || !enc.trim().equalsIgnoreCase("snappy")) {
      throw new InvalidWriteException(
          Reason.UNSUPPORTED_ENCODING,
          "unsupported Content-Encoding " + (enc == null ? "(none)" : "\"" + enc + "\"")
              + ": remote write bodies must be snappy block compressed (Content-Encoding: snappy)");
    }
    String type = req.getHeader("Content-Type");
    if (type != null) {
      String t = type.toLowerCase(java.util.Locale.ROOT).replace(" ", "");
      boolean v1 = t.equals("application/x-protobuf")
          || t.startsWith("application/x-protobuf;") && (!t.contains("proto=") || t.contains("proto=prometheus.writerequest"));
      if (!v1) {
        throw new InvalidWriteException(
            Reason.UNSUPPORTED_CONTENT_TYPE,
            "unsupported Content-Type \"" + type + "\": accepted is application/x-protobuf"
                + " (remote write 1.0, proto=prometheus.WriteRequest)");
      }
    }
    String cl = req.getHeader("Content-Length");
    if (cl != null) {
      try {
        if (Long.parseLong(cl.trim()) > limits.maxBodyBytes()) {
          throw tooLarge(limits);
        }
      } catch (NumberFormatException e) {
        // malformed Content-Length is refused by the HTTP layer itself
      }
    }
  }

  private static InvalidWriteException tooLarge(RemoteWriteConfig limits) {
    return new InvalidWriteException(
        Reason.BODY_TOO_LARGE,
        "request body over the limit of " + limits.maxBodyBytes() + " bytes (remote_write.max_body_bytes)");
  }
}
