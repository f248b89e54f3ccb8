package io.promgate;

import io.micrometer.core.instrument.MeterRegistry;
import io.promgate.config.ConfigException;
import io.promgate.config.ConfigHolder;
import io.promgate.config.PromgateConfig;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.WriteBatcher;
import io.promgate.metrics.Metrics;
import io.promgate.shard.Sharding;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.promgate.config.ConfigReloaded;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfigurationRegistry;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.inject.Singleton;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The composition root: loads promgate.yml once at start, owns the live config snapshot, the
 * InfluxDB client and batcher, and the self-metrics. Handlers get suppliers from here so that a
 * reload (which swaps the snapshot) is picked up by the next request, never mid-request.
 */
@Singleton
public class Gateway {
  private static final Logger LOG = Logger.getLogger(Gateway.class);

  private final Vertx vertx;
  private final ConfigHolder config;
  private final Metrics metrics;
  private final MeterRegistry registry;
  private final boolean lifecycleEnabled;
  private volatile WriteBatcher batcher;
  // Per-tenant batchers (tenancy.enabled), views of the main client keyed by database; rebuilt
  // when a reload replaces the client.
  private volatile java.util.concurrent.ConcurrentHashMap<String, WriteBatcher> tenants =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Sharding sharding;
  private final Optional<String> configFile;
  private final Event<ConfigReloaded> reloaded;
  private final TlsConfigurationRegistry tlsRegistry;
  private final Event<CertificateUpdatedEvent> certificateUpdated;
  private final AtomicLong lastReloadSuccessful = new AtomicLong(1);
  private final io.promgate.limits.MemoryBudget memoryBudget;
  private final AtomicLong lastReloadSuccessSeconds = new AtomicLong(System.currentTimeMillis() / 1000);

  public Gateway(
      Vertx vertx,
      MeterRegistry registry,
      @ConfigProperty(name = "promgate.config-file") Optional<String> configFile,
      @ConfigProperty(name = "promgate.web.enable-lifecycle", defaultValue = "false") boolean lifecycleEnabled,
      Event<ConfigReloaded> reloaded,
      TlsConfigurationRegistry tlsRegistry,
      Event<CertificateUpdatedEvent> certificateUpdated) {
    this.tlsRegistry = tlsRegistry;
    this.certificateUpdated = certificateUpdated;
    this.vertx = vertx;
    this.configFile = configFile;
    this.reloaded = reloaded;
    this.registry = registry;
    this.lifecycleEnabled = lifecycleEnabled;
    PromgateConfig initial;
    try {
      initial = loadConfig(configFile);
    } catch (ConfigException e) {
      // Startup fails (non-zero exit) with every problem listed.
      throw new IllegalStateException(e.getMessage(), e);
    }
    LOG.infof("loaded %s: %s", initial.source(), initial.influxdb());
    this.config = new ConfigHolder(initial);
    this.metrics = new Metrics(registry);
    this.memoryBudget = new io.promgate.limits.MemoryBudget(() -> config.current().remoteWrite().memoryBudget(), registry);
    this.batcher = newBatcher(initial);
    // storage.influxdb.timeout enforced inside InfluxDB too: queries promgate gave up on are killed
    io.promgate.limits.QueryReaper.start(vertx, () -> batcher.client(), db -> db.equals(config.current().influxdb().database())
        || (config.current().tenancy().enabled() && db.startsWith(config.current().tenancy().databasePrefix())), registry);
    if (initial.sharding().enabled()) {
      // Sources refresh in the background from here on; /sd/shards answers once assigned.
      this.sharding = Sharding.start(vertx, initial.sharding(), metrics.shards);
    }
    Metrics.gauge(registry, "promgate.config.last_reload_successful",
        "Whether the last configuration reload attempt was successful.", lastReloadSuccessful::get);
    Metrics.gauge(registry, "promgate.config.last_reload_success_timestamp_seconds",
        "Timestamp of the last successful configuration reload.", lastReloadSuccessSeconds::get);
    installSighup();
  }

  private WriteBatcher newBatcher(PromgateConfig cfg) {
    InfluxClient client = new InfluxClient(vertx, cfg.influxdb());
    io.vertx.core.Future<Void> created = io.vertx.core.Future.succeededFuture();
    if (cfg.influxdb().createDatabase()) {
      created = client.createDatabase().onFailure(e -> LOG.warnf(
          "could not create database %s (writes answer 503 until it exists): %s", cfg.influxdb().database(), e.getMessage()));
    }
    return new WriteBatcher(client, metrics.influx, created);
  }

  /**
   * Rereads the config file. The new file is parsed and validated in full first; if it has any
   * error the running snapshot stays untouched and the errors are returned (and logged). Blocking
   * (reads a file): call from a worker or the signal thread, never the event loop.
   *
   * @return the errors, empty on success
   */
  public synchronized java.util.List<String> reload() {
    PromgateConfig next;
    try {
      next = loadConfig(configFile);
    } catch (ConfigException e) {
      lastReloadSuccessful.set(0);
      LOG.errorf("reload failed, keeping the running configuration: %s", e.getMessage());
      return e.errors();
    }
    PromgateConfig previous = config.current();
    if (!next.influxdb().equals(previous.influxdb())) {
      WriteBatcher old = batcher;
      batcher = newBatcher(next);
      tenants = new java.util.concurrent.ConcurrentHashMap<>();
      // Writes already handed to the old client finish there; close it once they surely have.
      vertx.setTimer(previous.influxdb().timeout().toMillis() + 1000, t -> old.client().close());
    }
    config.swap(next);
    if (next.web().tls()) {
      // Re-read the certificate files (rotation); the HTTPS server picks the new ones up.
      tlsRegistry.get(Main.TLS_NAME).ifPresent(tls -> {
        if (tls.reload()) {
          certificateUpdated.fire(new CertificateUpdatedEvent(Main.TLS_NAME, tls));
        }
      });
    }
    lastReloadSuccessful.set(1);
    lastReloadSuccessSeconds.set(System.currentTimeMillis() / 1000);
    LOG.infof("reloaded %s", next.source());
    reloaded.fire(new ConfigReloaded(previous, next));
    return java.util.List.of();
  }

  /** SIGHUP rereads the config, as it does for Prometheus. */
  @SuppressWarnings("restriction")
  private void installSighup() {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> reload());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      LOG.warnf("SIGHUP reload unavailable on this platform: %s", e.getMessage());
    }
  }

  /** The file named by --config.file / promgate.config-file, else ./promgate.yml if present, else defaults. */
  public static PromgateConfig loadConfig(Optional<String> configFile) throws ConfigException {
    if (configFile.isPresent() && !configFile.get().isBlank()) {
      return PromgateConfig.load(Path.of(configFile.get()));
    }
    Path local = Path.of("promgate.yml");
    if (Files.isRegularFile(local)) {
      return PromgateConfig.load(local);
    }
    return PromgateConfig.defaults();
  }

  public PromgateConfig config() {
    return config.current();
  }

  public ConfigHolder configHolder() {
    return config;
  }

  public WriteBatcher batcher() {
    return batcher;
  }

  /**
   * The batcher writing to {@code database}: the main one, or a tenant's (created, and its database
   * created, on first use).
   *
   * @throws IllegalStateException when tenancy.max_tenants databases are already in use
   */
  public WriteBatcher batcher(String database) {
    WriteBatcher main = batcher;
    if (database.equals(main.client().config().database())) {
      return main;
    }
    var map = tenants;
    WriteBatcher b = map.get(database);
    if (b != null) {
      return b;
    }
    if (map.size() >= config.current().tenancy().maxTenants()) {
      throw new IllegalStateException("more than " + config.current().tenancy().maxTenants()
          + " tenants (tenancy.max_tenants)");
    }
    return map.computeIfAbsent(database, db -> {
      InfluxClient client = main.client().forDatabase(db);
      io.vertx.core.Future<Void> created = main.client().config().createDatabase()
          ? client.createDatabase().onFailure(e -> LOG.warnf("could not create tenant database %s: %s", db, e.getMessage()))
          : io.vertx.core.Future.succeededFuture();
      return new WriteBatcher(client, metrics.influx, created);
    });
  }

  /** The running target sharding, or null when promgate.yml has no sharding section. */
  public Sharding sharding() {
    return sharding;
  }

  /** The heap requests may reserve at once (remote_write.memory_budget). */
  public io.promgate.limits.MemoryBudget memoryBudget() {
    return memoryBudget;
  }

  public Metrics metrics() {
    return metrics;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public Vertx vertx() {
    return vertx;
  }

  public boolean lifecycleEnabled() {
    return lifecycleEnabled;
  }

  /** A reload that changed {@code sharding} restarts the target sources from the new snapshot. */
  void onReload(@Observes ConfigReloaded e) {
    if (e.next().sharding().equals(e.previous().sharding())) {
      return;
    }
    Sharding old = sharding;
    // Until the new assignment is computed (milliseconds) /sd/shards answers 503, and slaves keep
    // the targets they have, as Prometheus's http_sd does on any error.
    sharding = e.next().sharding().enabled() ? Sharding.start(vertx, e.next().sharding(), metrics.shards) : null;
    if (old != null) {
      old.close();
    }
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (sharding != null) {
      sharding.close();
    }
    // The InfluxDB client is not closed here: on SIGTERM this runs once the HTTP requests in flight
    // finished or --web.shutdown-timeout passed, and the process exits right after.
  }
}
