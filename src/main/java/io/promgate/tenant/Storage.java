package io.promgate.tenant;

import io.micrometer.core.instrument.Counter;
import io.promgate.config.InfluxDbConfig;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.StorageException;
import io.promgate.influx.WriteBatcher;
import io.promgate.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The InfluxDB clients of one {@code storage.influxdb} configuration: the root client (its write,
 * query and storage-service pools), the main batcher, and the tenants' batchers — views of the
 * root that share its pools, created on a tenant's first write. A reload that changes {@code
 * storage.influxdb} builds a new {@code Storage} and {@link #retire retires} this one; nothing of
 * one ever ends up in the other, so no tenant can be left writing through a closed client.
 *
 * <p>Reading and writing are separate lookups: {@link #writer} may create a tenant (batcher, and
 * {@code CREATE DATABASE} when configured) and counts it against {@code tenancy.max_tenants},
 * checked and added under one lock; {@link #reader} never creates anything — an unseen tenant is
 * read through a throw-away view of the root client.
 */
public final class Storage {
  private static final Logger LOG = Logger.getLogger(Storage.class);

  private final Vertx vertx;
  private final InfluxDbConfig config;
  private final InfluxClient root;
  private final WriteBatcher main;
  private final Metrics.Influx metrics;
  private final Counter limitHits;
  private final ConcurrentHashMap<String, WriteBatcher> tenants = new ConcurrentHashMap<>();
  private boolean retired; // guarded by this

  /** Connects (lazily) to {@code config}; issues {@code CREATE DATABASE} for the main database when configured. */
  public Storage(Vertx vertx, InfluxDbConfig config, Metrics.Influx metrics,
      Counter limitHits) {
    this.vertx = vertx;
    this.limitHits = limitHits;
    this.config = config;
    this.metrics = metrics;
    this.root = new InfluxClient(vertx, config);
    Future<Void> created = Future.succeededFuture();
    if (config.createDatabase()) {
      created = root.createDatabase().onFailure(e -> LOG.warnf(
          "could not create database %s (writes answer 503 until it exists): %s", config.database(), e.getMessage()));
    }
    this.main = new WriteBatcher(root, metrics, created);
  }

  public InfluxDbConfig config() {
    return config;
  }

  /** The batcher of {@code storage.influxdb.database}. */
  public WriteBatcher main() {
    return main;
  }

  /** Tenants with a batcher here. */
  public int tenants() {
    return tenants.size();
  }

  /**
   * The batcher writing to {@code database}: the main one, a known tenant's, or a new tenant's
   * (its database created first when {@code storage.influxdb.create_database}).
   *
   * @throws StorageException UNAVAILABLE (503 + Retry-After: the sender retries) when {@code
   *     maxTenants} tenants exist already, or this storage was retired by a reload a moment ago
   */
  public WriteBatcher writer(String database, int maxTenants) {
    if (database.equals(config.database())) {
      return main;
    }
    WriteBatcher b = tenants.get(database);
    if (b != null) {
      return b;
    }
    synchronized (this) {
      b = tenants.get(database);
      if (b != null) {
        return b;
      }
      if (retired) {
        throw new StorageException(StorageException.Kind.UNAVAILABLE,
            "storage configuration reloaded while the request was decoded, retry");
      }
      if (tenants.size() >= maxTenants) {
        limitHits.increment();
        // 503, not 400: Prometheus retries a 503, and drops what a 400 refused
        throw new StorageException(StorageException.Kind.UNAVAILABLE,
            "more than " + maxTenants + " tenants (tenancy.max_tenants), retry later");
      }
      InfluxClient client = root.forDatabase(database);
      Future<Void> created = config.createDatabase()
          ? client.createDatabase().onFailure(e ->
              LOG.warnf("could not create tenant database %s: %s", database, e.getMessage()))
          : Future.succeededFuture();
      b = new WriteBatcher(client, metrics, created);
      tenants.put(database, b);
      return b;
    }
  }

  /** The client reading {@code database}; creates no batcher and no database. */
  public InfluxClient reader(String database) {
    if (database.equals(config.database())) {
      return root;
    }
    WriteBatcher b = tenants.get(database);
    return b != null ? b.client() : root.forDatabase(database);
  }

  /**
   * Replaced by a reload: no new tenant is created here from now on; once every batcher has
   * nothing queued or in flight (writes already handed over finish here), and at least {@code
   * graceMs} later so that reads started just before the reload can end, the pools are closed.
   * Writes still waiting after {@code maxWaitMs} fail with the closed pool and their senders retry.
   */
  public void retire(long graceMs, long maxWaitMs) {
    synchronized (this) {
      retired = true;
    }
    long deadline = System.currentTimeMillis() + maxWaitMs;
    vertx.setTimer(Math.max(1, graceMs), t -> closeWhenIdle(deadline));
  }

  private void closeWhenIdle(long deadline) {
    boolean idle = main.idle();
    for (WriteBatcher b : tenants.values()) {
      idle &= b.idle();
    }
    if (idle || System.currentTimeMillis() >= deadline) {
      root.close(); // views share the root's pools: this closes every connection of this storage
      return;
    }
    vertx.setTimer(500, t -> closeWhenIdle(deadline));
  }
}
