package io.promgate.shard;

import io.micrometer.core.instrument.Timer;
import io.promgate.config.FederationConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * read the latest result through a volatile reference and never wait for it. A change of shard
 * health ({@link ShardHealth}: a shard failed over or back) only redistributes the hashed
 * targets ({@link Assignment#distribute}), without relabeling them again.
 */
public final class Sharding implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Sharding.class);

  private final ShardingConfig config;
  private final Metrics.Shards meters;
  private final Context context;
  private final HttpClient http;
  private final List<TargetSource> sources;
  private final ShardAssigner assigner;
  private final ShardHealth health; // null without shard_urls
  private final AtomicBoolean pending = new AtomicBoolean();
  private final AtomicBoolean targetsChanged = new AtomicBoolean(true);
  private HashedTargets hashed; // worker only (one computation at a time)
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile Assignment current;
  private volatile boolean closed;

  private Sharding(Vertx vertx, ShardingConfig config, List<FederationConfig.Upstream> upstreams,
      Metrics.Shards meters, Sharding previous) {
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
    this.health = config.shardUrls().isEmpty()
        ? null
        : new ShardHealth(context, config, upstreams, meters,
            previous == null || previous.health == null ? Map.of() : previous.health.byUrl(),
            this::healthChanged);
  }

  /** Starts the sources of {@code config} (which must be enabled); returns at once. */
  public static Sharding start(Vertx vertx, ShardingConfig config, Metrics.Shards meters) {
    return start(vertx, config, List.of(), meters, null);
  }

  /**
   * Starts the sources of {@code config} (which must be enabled) and the shard health probes;
   * returns at once.
   *
   * @param upstreams federation upstreams: a shard at the same URL is probed with its TLS and
   *     credentials
   * @param previous the sharding this one replaces (a reload), or null: shard health carries over
   *     by URL
   */
  public static Sharding start(Vertx vertx, ShardingConfig config,
      List<FederationConfig.Upstream> upstreams, Metrics.Shards meters, Sharding previous) {
    if (!config.enabled()) {
      throw new IllegalArgumentException("sharding is not configured");
    }
    Sharding s = new Sharding(vertx, config, upstreams, meters, previous);
    // Nothing is assigned before the first computation, even with no sources at all.
    s.changed();
    for (TargetSource source : s.sources) {
      source.start(s::changed);
    }
    if (s.health != null) {
      s.health.start();
    }
    return s;
  }

  ShardingConfig config() {
    return config;
  }

  List<TargetSource> sources() {
    return sources;
  }

  /** The shard health probes, or null without {@code shard_urls}. */
  ShardHealth health() {
    return health;
  }

  /** The latest assignment, or null before the first one is computed. */
  Assignment current() {
    return current;
  }

  private void changed() {
    targetsChanged.set(true);
    pending.set(true);
    schedule();
  }

  private void healthChanged() {
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
    if (targetsChanged.getAndSet(false) || hashed == null) {
      List<TargetGroup> groups = new ArrayList<>();
      for (TargetSource s : sources) {
        groups.addAll(s.groups());
      }
      hashed = assigner.hash(groups);
    }
    boolean[] failedOver = health == null ? new boolean[config.modulus()] : health.failedOver(config.modulus());
    Assignment a = Assignment.distribute(hashed, failedOver);
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
    if (health != null) {
      health.close();
    }
    for (TargetSource s : sources) {
      s.close();
    }
    if (http != null) {
      http.close();
    }
  }
}
