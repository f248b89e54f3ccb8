package io.promgate.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Admission by bytes: the heap that requests may hold at once. Counting requests
 * ({@code max_inflight_requests}) does not bound memory when requests differ in size a thousandfold,
 * so every request reserves what it is about to allocate (its body as it arrives, its decompressed
 * protobuf, its line protocol as it grows) and gets a 503 + Retry-After when the budget is spent,
 * instead of the JVM running out of heap.
 *
 * <p>The budget is {@code remote_write.memory_budget}, or when that is 0 (the default) what
 * {@link #derived} leaves of the JVM's maximum heap after what is not reserved per request: memory
 * held whatever the load (the line-buffer pool, up to 32 MiB; each event loop's decompression
 * scratch, up to 4 MiB; Quarkus, Vert.x and metrics, ~50 MiB) and transient copies (a growing
 * buffer is copied, Vert.x copies each inbound chunk, garbage waits for the next GC). At half of a
 * 256 MiB heap, a flood of 128 concurrent 1 MiB writes ended the JVM with OutOfMemoryError in 1 of
 * 8 runs (HostileClientsIT); at 96 MiB in none of 10 local runs but once in a fresh-clone CI run
 * (so a flood can still exhaust the heap: not everything it uses is reserved), at 64 MiB in none of 18 (but 64 MiB refused
 * ordinary load: 200 senders of 2,000-sample requests got ~1,400 503s a run, 96 MiB ~400).
 *
 * <p>Reservations are made through a {@link Ticket}, one per request, which remembers what it holds
 * so that {@link Ticket#close} gives back exactly that, once, on every path.
 */
public final class MemoryBudget {
  private final LongSupplier configured;
  private final AtomicLong inUse = new AtomicLong();
  private final Counter refusals;

  /**
   * @param configured the configured budget in bytes, 0 for the heap-derived default; read on
   *     every reservation so a reload takes effect at once
   */
  public MemoryBudget(LongSupplier configured, MeterRegistry registry) {
    this.configured = configured;
    Gauge.builder("promgate.memory_budget_bytes", this, MemoryBudget::budget)
        .description("Bytes of heap requests may reserve at once (remote_write.memory_budget, or derived from the max heap).")
        .register(registry);
    Gauge.builder("promgate.memory_budget_in_use_bytes", this, MemoryBudget::inUse)
        .description("Bytes of the memory budget reserved by requests in flight.")
        .register(registry);
    refusals = Counter.builder("promgate.memory_budget_refusals")
        .description("Requests answered 503 because the memory budget was spent.")
        .register(registry);
  }

  /** The default budget: half of what the heap has beyond 64 MiB, and at least a quarter of it. */
  public static long derived(long maxHeap) {
    return Math.max(maxHeap / 4, (maxHeap - (64L << 20)) / 2);
  }

  public long budget() {
    long c = configured.getAsLong();
    return c > 0 ? c : derived(Runtime.getRuntime().maxMemory());
  }

  public long inUse() {
    return inUse.get();
  }

  public long refusals() {
    return (long) refusals.count();
  }

  public Ticket ticket() {
    return new Ticket();
  }

  /** Reserves {@code bytes} for a request that already holds {@code own} of what is in use. */
  private boolean tryReserve(long bytes, long own) {
    long limit = budget();
    while (true) {
      long used = inUse.get();
      // One request alone may always go ahead (with nothing but its own bytes in use it cannot be
      // starved forever by a budget smaller than it); its own limits (max_decompressed_bytes, ...)
      // bound it.
      if (used > own && used + bytes > limit) {
        refusals.increment();
        return false;
      }
      if (inUse.compareAndSet(used, used + bytes)) {
        return true;
      }
    }
  }

  /** Thrown by {@link Ticket#reserve} when the budget is spent; the handler answers 503. */
  public static final class Exhausted extends RuntimeException {
    public Exhausted(long want, long budget) {
      super("memory budget spent: " + want + " more bytes would exceed " + budget
          + " (remote_write.memory_budget), retry later", null, false, false);
    }
  }

  /** What one request holds. Not thread-safe: a request is handled on one event loop at a time. */
  public final class Ticket implements AutoCloseable {
    private long held;
    private boolean closed;
    private boolean refused;

    /** Reserves {@code bytes} more, or throws {@link Exhausted} (counted once per ticket). */
    public void reserve(long bytes) {
      if (bytes <= 0) {
        return;
      }
      if (closed) {
        throw new IllegalStateException("ticket already released");
      }
      if (!tryReserveQuiet(bytes)) {
        throw new Exhausted(bytes, budget());
      }
      held += bytes;
    }

    private boolean tryReserveQuiet(long bytes) {
      if (refused) {
        return false;
      }
      boolean ok = tryReserve(bytes, held);
      refused = !ok;
      return ok;
    }

    /** Gives back {@code bytes} of what this ticket holds (memory let go before the end). */
    public void release(long bytes) {
      long give = Math.min(bytes, held);
      if (give > 0) {
        held -= give;
        inUse.addAndGet(-give);
      }
    }

    public long held() {
      return held;
    }

    /** Gives back everything, once; later calls do nothing. */
    @Override
    public void close() {
      if (!closed) {
        closed = true;
        release(held);
      }
    }
  }
}
