package io.promgate.influx;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.promgate.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Group commit for InfluxDB writes. Concurrent remote-write requests hand in their line protocol;
 * while fewer than {@code maxConcurrentWrites} InfluxDB writes are in flight a request is sent at
 * once (no added latency when idle), otherwise it waits in a queue and is coalesced with the
 * others into the next write, up to {@code maxBatchBytes}. Every request's future completes only
 * when the InfluxDB write that carried its lines was acknowledged, or fails with it — so a 204
 * to Prometheus always means "stored".
 *
 * <p><b>Fair share.</b> A batch takes at most its share of the requests in the batcher: {@code
 * ceil((queued + in flight) / maxConcurrentWrites)} requests. Without that cap, the first write
 * slot to free up after a slow InfluxDB write took the whole backlog (up to {@code
 * maxBatchBytes}, a dozen requests at 16 senders) into one write several times longer than the
 * others, and every request in it waited for all of it: the tail latency of group commit. With
 * the cap the backlog is spread over the slots as they free up and each write stays about the
 * size of the others; a request arriving while a slot is free is still sent at once, alone.
 *
 * <p>When InfluxDB rejects a coalesced batch as bad data (4xx), the requests in it are written
 * again one by one so that only the request that carried the bad line is refused; InfluxDB writes
 * are idempotent (same series, field and timestamp overwrite), so the repeat is harmless.
 *
 * <p>The queue is bounded by the caller: remote_write.max_inflight_requests caps how many
 * requests can be waiting here at once.
 */
public final class WriteBatcher {
  private final InfluxClient client;
  private final Metrics.Influx metrics;
  private final long maxBatchBytes;
  private final int maxConcurrent;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  /** Requests (parts) carried by the writes in flight. */
  private int inFlightRequests;
  private final Future<?> ready;

  private record Pending(byte[] data, int offset, int length, Promise<Void> promise) {}

  public WriteBatcher(InfluxClient client, Metrics.Influx metrics) {
    this(client, metrics, Future.succeededFuture());
  }

  /**
   * @param ready writes wait for it (e.g. CREATE DATABASE of a new tenant), whatever its outcome:
   *     if the database is still missing, InfluxDB says so and the sender is told to retry
   */
  public WriteBatcher(InfluxClient client, Metrics.Influx metrics, Future<?> ready) {
    this.ready = ready;
    this.client = client;
    this.metrics = metrics;
    this.maxBatchBytes = client.config().maxBatchBytes();
    this.maxConcurrent = client.config().maxConcurrentWrites();
  }

  public InfluxClient client() {
    return client;
  }

  /** Nothing queued and no write in flight (a reload closes a retired client once all are idle). */
  public synchronized boolean idle() {
    return inFlight == 0 && queue.isEmpty();
  }

  /**
   * Queues {@code data[0, length)} (whole lines) for writing. The array must not be modified
   * until the returned future completes.
   */
  public Future<Void> submit(byte[] data, int length) {
    if (!ready.isComplete()) {
      return ready.transform(x -> submit(data, length));
    }
    if (length == 0) {
      return Future.succeededFuture();
    }
    if (length <= maxBatchBytes) {
      return enqueue(data, 0, length);
    }
    // More line protocol than one InfluxDB write may carry (InfluxDB refuses bodies over its
    // max-body-size with 413): written in parts at line boundaries, acknowledged when every part
    // is. A part that fails fails the request; the sender's retry rewrites every part, which is
    // harmless because points are idempotent.
    List<Future<Void>> parts = new ArrayList<>();
    for (int[] part : split(data, length, maxBatchBytes)) {
      parts.add(enqueue(data, part[0], part[1]));
    }
    return Future.all(parts).mapEmpty();
  }

  /** [offset, length] of consecutive parts of whole lines, each at most {@code max} bytes unless one line is longer. */
  static List<int[]> split(byte[] data, int length, long max) {
    List<int[]> parts = new ArrayList<>();
    int from = 0;
    while (from < length) {
      int to;
      if (length - from <= max) {
        to = length;
      } else {
        int limit = (int) Math.min(length, from + max);
        to = -1;
        for (int i = limit - 1; i >= from; i--) {
          if (data[i] == '\n') {
            to = i + 1;
            break;
          }
        }
        if (to < 0) { // one line longer than max: send it alone, InfluxDB decides
          to = limit;
          while (to < length && data[to - 1] != '\n') {
            to++;
          }
        }
      }
      parts.add(new int[] {from, to - from});
      from = to;
    }
    return parts;
  }

  private Future<Void> enqueue(byte[] data, int offset, int length) {
    Promise<Void> promise = Promise.promise();
    List<List<Pending>> batches;
    synchronized (this) {
      queue.add(new Pending(data, offset, length, promise));
      batches = takeBatches();
    }
    for (List<Pending> b : batches) {
      send(b);
    }
    return promise.future();
  }

  /**
   * Caller holds the lock. Takes queued requests up to maxBatchBytes and up to the batch's fair
   * share of the requests in the batcher (at least one).
   */
  private List<Pending> takeBatch() {
    int share = share(queue.size(), inFlightRequests, maxConcurrent);
    List<Pending> batch = new ArrayList<>(Math.min(share, 64));
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < share) {
      Pending next = queue.peek();
      if (!batch.isEmpty() && bytes + next.length > maxBatchBytes) {
        break;
      }
      batch.add(queue.poll());
      bytes += next.length;
    }
    inFlight++;
    inFlightRequests += batch.size();
    return batch;
  }

  /** Most requests one batch may take: its share of those queued and in flight, at least one. */
  static int share(int queued, int inFlightRequests, int maxConcurrent) {
    return Math.max(1, (queued + inFlightRequests + maxConcurrent - 1) / maxConcurrent);
  }

  /** Caller holds the lock. Batches for every free write slot while requests are queued. */
  private List<List<Pending>> takeBatches() {
    List<List<Pending>> batches = new ArrayList<>(2);
    while (inFlight < maxConcurrent && !queue.isEmpty()) {
      batches.add(takeBatch());
    }
    return batches;
  }

  private void send(List<Pending> batch) {
    Buffer body = concat(batch);
    long start = System.nanoTime();
    metrics.batchRequests.record(batch.size());
    metrics.writeBytes.increment(body.length());
    client.write(body).onComplete(ar -> {
      metrics.writeDuration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (ar.succeeded()) {
        metrics.writesOk.increment();
        for (Pending p : batch) {
          p.promise.complete();
        }
      } else {
        StorageException e = asStorage(ar.cause());
        count(e);
        if (e.kind() == StorageException.Kind.REJECTED && batch.size() > 1) {
          isolate(batch);
        } else {
          for (Pending p : batch) {
            p.promise.fail(e);
          }
        }
      }
      List<List<Pending>> next;
      synchronized (this) {
        inFlight--;
        inFlightRequests -= batch.size();
        next = takeBatches();
      }
      for (List<Pending> b : next) {
        send(b);
      }
    });
  }

  /** Re-sends each request of a rejected batch alone, so one bad request cannot fail the others. */
  private void isolate(List<Pending> batch) {
    for (Pending p : batch) {
      client.write(Buffer.buffer(Unpooled.wrappedBuffer(p.data, p.offset, p.length))).onComplete(ar -> {
        if (ar.succeeded()) {
          metrics.writesOk.increment();
          p.promise.complete();
        } else {
          StorageException e = asStorage(ar.cause());
          count(e);
          p.promise.fail(e);
        }
      });
    }
  }

  private void count(StorageException e) {
    if (e.kind() == StorageException.Kind.REJECTED) {
      metrics.writesRejected.increment();
    } else {
      metrics.writesUnavailable.increment();
    }
  }

  private static StorageException asStorage(Throwable t) {
    return t instanceof StorageException s
        ? s
        : new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB write failed: " + t);
  }

  /** One body for the batch without copying: a composite over the requests' own arrays. */
  private static Buffer concat(List<Pending> batch) {
    if (batch.size() == 1) {
      Pending p = batch.get(0);
      return Buffer.buffer(Unpooled.wrappedBuffer(p.data, p.offset, p.length));
    }
    ByteBuf[] parts = new ByteBuf[batch.size()];
    for (int i = 0; i < parts.length; i++) {
      Pending p = batch.get(i);
      parts[i] = Unpooled.wrappedBuffer(p.data, p.offset, p.length);
    }
    return Buffer.buffer(Unpooled.wrappedBuffer(parts.length, parts));
  }
}
