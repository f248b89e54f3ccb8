package io.promgate.shard;

import io.promgate.metrics.Metrics;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * One place targets come from ({@code static_configs}, one {@code file_sd_configs} or
 * {@code http_sd_configs} entry), named by its config key path. Like a Prometheus discoverer it
 * keeps its last good target groups when a refresh fails, counts and reports the failure, and
 * tells its listener when its groups change. Built from one config snapshot; closing it stops
 * its refreshes (a config reload builds new sources).
 *
 * <p>Refresh results are published through volatile fields: the assigner reads them from a
 * worker thread while the source refreshes on its own context.
 */
abstract class TargetSource implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TargetSource.class);

  final String name;
  final Metrics.Shards.Source meters;
  private volatile Runnable listener = () -> {};
  private volatile List<TargetGroup> groups = List.of();
  private volatile boolean refreshed;
  private volatile String lastError = "";
  private volatile long lastSuccessMillis;
  volatile boolean closed;

  TargetSource(String name, Metrics.Shards.Source meters) {
    this.name = name;
    this.meters = meters;
    meters.lastRefreshSuccess.set(0);
    meters.targets.set(0);
  }

  /** Starts refreshing; {@code onChange} runs (on any thread) after each change of groups. */
  final void start(Runnable onChange) {
    this.listener = onChange;
    begin();
  }

  abstract void begin();

  /** The last good target groups (none before the first successful refresh). */
  final List<TargetGroup> groups() {
    return groups;
  }

  /** True once the first refresh finished, successfully or not. */
  final boolean refreshed() {
    return refreshed;
  }

  /** The error of the latest refresh; "" when it succeeded. */
  final String lastError() {
    return lastError;
  }

  /** Epoch ms of the latest successful refresh, 0 if none. */
  final long lastSuccessMillis() {
    return lastSuccessMillis;
  }

  final int targetCount() {
    int n = 0;
    for (TargetGroup g : groups) {
      n += g.targets().size();
    }
    return n;
  }

  /**
   * Records one refresh. {@code newGroups} (null: unchanged) replaces the groups; a non-null
   * {@code error} marks the refresh failed, with the groups it could not refresh kept.
   */
  final void refreshDone(List<TargetGroup> newGroups, String error) {
    if (closed) {
      return;
    }
    meters.refreshes.increment();
    boolean changed = newGroups != null && !newGroups.equals(groups);
    if (newGroups != null) {
      groups = List.copyOf(newGroups);
      meters.targets.set(targetCount());
    }
    if (error == null) {
      lastError = "";
      lastSuccessMillis = System.currentTimeMillis();
      meters.lastRefreshSuccess.set(1);
      meters.lastSuccessMillis.set(lastSuccessMillis);
    } else {
      lastError = error;
      meters.failures.increment();
      meters.lastRefreshSuccess.set(0);
      LOG.warnf("sharding target source %s: refresh failed, keeping its last good targets: %s",
          name, error);
    }
    boolean first = !refreshed;
    refreshed = true;
    if (changed || first) {
      listener.run();
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
