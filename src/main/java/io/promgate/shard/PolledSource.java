package io.promgate.shard;

import io.promgate.metrics.Metrics;
import io.vertx.core.Context;

/**
 * A target source that polls on its own Vert.x context: {@link #poll} once at start, then every
 * {@code periodMillis} until closed (file_sd and http_sd).
 */
abstract class PolledSource extends TargetSource {
  final Context context;
  private final long periodMillis;
  private long timer = -1;

  PolledSource(String name, Metrics.Shards.Source meters, Context context, long periodMillis) {
    super(name, meters);
    this.context = context;
    this.periodMillis = periodMillis;
  }

  /** One poll, on the source's context; skipped by the implementation while one is running. */
  abstract void poll();

  @Override
  final void begin() {
    context.runOnContext(v -> {
      if (!closed) {
        poll();
        timer = context.owner().setPeriodic(periodMillis, id -> poll());
      }
    });
  }

  @Override
  public void close() {
    super.close();
    context.runOnContext(v -> {
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
      }
    });
  }
}
