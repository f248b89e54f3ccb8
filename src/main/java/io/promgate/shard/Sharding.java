package io.promgate.shard;

import io.micrometer.core.instrument.Timer;
import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The running sharding of one config snapshot: its target sources, refreshing on their own, and
 * the latest {@link Assignment} of their targets to shards, recomputed whenever a source's
 * targets change. Built at boot from {@code sharding}; a reload that changes that section starts
 * a new one and {@link #close()}s this one.
 *
 * <p>Recomputing relabels and hashes every target (about a microsecond each), so it runs on a
 * worker thread, one computation at a time, coalescing changes that arrive meanwhile; requests
 * read the latest result through a volatile reference and never wait for it.
 */
public final class Sharding implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Sharding.class);

  private final ShardingConfig config;
  private final Metrics.Shards meters;
  private final Context context;
  private final HttpClient http;
  private final List<TargetSource> sources;
  private final ShardAssigner assigner;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile Assignment current;
  private volatile boolean closed;

  private Sharding(Vertx vertx, ShardingConfig config, Metrics.Shards meters) {
    this.config = config;
    this.meters = meters;
    meters.reset();
    this.context = vertx.getOrCreateContext();
    this.assigner = new ShardAssigner(config);
    this.http = config.httpSdConfigs().isEmpty()
        ? null
        : vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(2).setKeepAlive(true));
    List<TargetSource> s = new ArrayList<>();
    if (!config.staticConfigs().isEmpty()) {
      s.add(new StaticSource(config.staticConfigs(), meters.source("static_configs")));
    }
    for (int i = 0; i < config.fileSdConfigs().size(); i++) {
      String name = "file_sd_configs[" + i + "]";
      s.add(new FileSdSource(name, context, config.fileSdConfigs().get(i), meters.source(name)));
    }
    for (int i = 0; i < config.httpSdConfigs().size(); i++) {
      String name = "http_sd_configs[" + i + "]";
      s.add(new HttpSdSource(name, context, http, config.httpSdConfigs().get(i), meters.source(name)));
    }
    this.sources = List.copyOf(s);
    for (int i = 0; i < config.modulus(); i++) {
      meters.shardTargets(i).set(0);
    }
  }

  /** Starts the sources of {@code config} (which must be enabled); returns at once. */
  public static Sharding start(Vertx vertx, ShardingConfig config, Metrics.Shards meters) {
    if (!config.enabled()) {
      throw new IllegalArgumentException("sharding is not configured");
    }
    Sharding s = new Sharding(vertx, config, meters);
    // Nothing is assigned before the first computation, even with no sources at all.
    s.changed();
    for (TargetSource source : s.sources) {
      source.start(s::changed);
    }
    return s;
  }

  ShardingConfig config() {
    return config;
  }

  List<TargetSource> sources() {
    return sources;
  }

  /** The latest assignment, or null before the first one is computed. */
  Assignment current() {
    return current;
  }

  private void changed() {
    pending.set(true);
    schedule();
  }

  private void schedule() {
    if (closed || !pending.get() || !running.compareAndSet(false, true)) {
      return;
    }
    context.executeBlocking(() -> {
      while (pending.getAndSet(false) && !closed) {
        recompute();
      }
      return null;
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("sharding: assignment failed", ar.cause());
      }
      running.set(false);
      schedule(); // a change may have arrived after the loop's last check
    });
  }

  private void recompute() {
    Timer.Sample t = Timer.start();
    List<TargetGroup> groups = new ArrayList<>();
    for (TargetSource s : sources) {
      groups.addAll(s.groups());
    }
    Assignment a = assigner.assign(groups);
    if (closed) {
      return; // replaced by a reload: the meters are the new sharding's now
    }
    for (int i = 0; i < a.modulus; i++) {
      meters.shardTargets(i).set(a.count(i));
    }
    meters.droppedTargets.set(a.dropped);
    meters.invalidTargets.set(a.invalid);
    meters.assignments.increment();
    current = a;
    t.stop(meters.assignmentDuration);
  }

  /** Stops every source's refreshing; the last assignment stays readable. */
  @Override
  public void close() {
    closed = true;
    for (TargetSource s : sources) {
      s.close();
    }
    if (http != null) {
      http.close();
    }
  }
}
