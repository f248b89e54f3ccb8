package io.promgate.influx;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recycles {@link LineBuffer}s between remote-write requests: a request's line protocol must
 * live until InfluxDB acknowledged it (group commit may hold it a while), so buffers cannot be
 * thread-local; a small shared pool keeps steady-state ingest free of the ~3× request-size
 * allocation per request. Buffers that grew past {@code maxRetainedBytes} are dropped on release
 * so that one huge request does not pin its memory forever.
 */
public final class LineBufferPool {
  private final ConcurrentLinkedQueue<LineBuffer> free = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final int maxBuffers;
  private final int maxRetainedBytes;

  public LineBufferPool(int maxBuffers, int maxRetainedBytes) {
    this.maxBuffers = maxBuffers;
    this.maxRetainedBytes = maxRetainedBytes;
  }

  public LineBuffer acquire(int sizeHint) {
    LineBuffer b = free.poll();
    if (b == null) {
      return new LineBuffer(sizeHint);
    }
    size.decrementAndGet();
    b.clear();
    return b;
  }

  public void release(LineBuffer b) {
    if (b.array().length > maxRetainedBytes || size.incrementAndGet() > maxBuffers) {
      if (b.array().length <= maxRetainedBytes) {
        size.decrementAndGet();
      }
      return;
    }
    free.offer(b);
  }
}
