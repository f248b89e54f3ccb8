package io.promgate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.promgate.config.ConfigException;
import io.promgate.config.ConfigReloaded;
import io.promgate.config.PromgateConfig;
import io.promgate.ha.HaTracker;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.WriteBatcher;
import io.promgate.limits.MemoryBudget;
import io.promgate.limits.QueryReaper;
import io.promgate.metrics.Metrics;
import io.promgate.shard.Sharding;
import io.promgate.tenant.Storage;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The composition root: loads promgate.yml once at start, owns the live config snapshot with the
 * InfluxDB clients built for it (one record, swapped whole on reload), and the self-metrics.
 * Handlers get suppliers from here so that a reload (which swaps the record) is picked up by the
 * next request, never mid-request.
 */
@Singleton
public class Gateway {
  private static final Logger LOG = Logger.getLogger(Gateway.class);

  private final Vertx vertx;
  /**
   * The config snapshot and the storage clients built for it, swapped as one: a request reads
   * this once and uses that config with that storage, so no mix of old and new can arise.
   */
  private record Live(PromgateConfig config, Storage storage) {}

  private final AtomicReference<Live> live =
      new AtomicReference<>();
  private final Metrics metrics;
  private final MeterRegistry registry;
  private final boolean lifecycleEnabled;
  private final Counter tenantLimitHits;
  private volatile Sharding sharding;
  private final HaTracker haTracker;
  private final Optional<String> configFile;
  private final Event<ConfigReloaded> reloaded;
  private final TlsConfigurationRegistry tlsRegistry;
  private final Event<CertificateUpdatedEvent> certificateUpdated;
  private final AtomicLong lastReloadSuccessful = new AtomicLong(1);
  private final MemoryBudget memoryBudget;
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
    this.metrics = new Metrics(registry);
    this.tenantLimitHits = Counter.builder("promgate.tenancy.limit_hits")
        .description("New tenants refused (503) at tenancy.max_tenants.").register(registry);
    this.live.set(new Live(initial, new Storage(vertx, initial.influxdb(), metrics.influx, tenantLimitHits)));
    Metrics.gauge(registry, "promgate.tenants", "Tenants with a write batcher on the current storage.",
        () -> live.get().storage().tenants());
    // Always running (idle while remote_write.ha_tracker is off), so a reload can turn it on.
    this.haTracker = HaTracker.start(vertx, () -> config().remoteWrite().haTracker(),
        db -> batcher(db).client(), metrics.ha);
    this.memoryBudget = new MemoryBudget(() -> config().remoteWrite().memoryBudget(), registry);
    // storage.influxdb.timeout enforced inside InfluxDB too: queries promgate gave up on are killed
    QueryReaper.start(vertx, () -> batcher().client(), db -> db.equals(config().influxdb().database())
        || (config().tenancy().enabled() && db.startsWith(config().tenancy().databasePrefix())), registry);
    if (initial.sharding().enabled()) {
      // Sources refresh in the background from here on; /sd/shards answers once assigned.
      this.sharding = Sharding.start(vertx, initial.sharding(), initial.federation().upstreams(), metrics.shards, null);
    }
    Metrics.gauge(registry, "promgate.config.last_reload_successful",
        "Whether the last configuration reload attempt was successful.", lastReloadSuccessful::get);
    Metrics.gauge(registry, "promgate.config.last_reload_success_timestamp_seconds",
        "Timestamp of the last successful configuration reload.", lastReloadSuccessSeconds::get);
    installSighup();
  }

  /**
   * Rereads the config file. The new file is parsed and validated in full first; if it has any
   * error the running snapshot stays untouched and the errors are returned (and logged). Blocking
   * (reads a file): call from a worker or the signal thread, never the event loop.
   *
   * @return the errors, empty on success
   */
  public synchronized List<String> reload() {
    PromgateConfig next;
    try {
      next = loadConfig(configFile);
    } catch (ConfigException e) {
      lastReloadSuccessful.set(0);
      lastReload = new ReloadStatus(System.currentTimeMillis(), List.copyOf(e.errors()));
      LOG.errorf("reload failed, keeping the running configuration: %s", e.getMessage());
      return e.errors();
    }
    Live before = live.get();
    PromgateConfig previous = before.config();
    if (next.influxdb().equals(previous.influxdb())) {
      live.set(new Live(next, before.storage())); // same clients, same tenants
    } else {
      live.set(new Live(next, new Storage(vertx, next.influxdb(), metrics.influx, tenantLimitHits)));
      // Requests that read the old record finish on it; its pools close once its writes are done
      // and reads had one InfluxDB timeout to end.
      long timeout = previous.influxdb().timeout().toMillis();
      before.storage().retire(timeout + 1000, 3 * timeout + 1000);
    }
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
    lastReload = new ReloadStatus(System.currentTimeMillis(), List.of());
    LOG.infof("reloaded %s", next.source());
    reloaded.fire(new ConfigReloaded(previous, next));
    return List.of();
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

  /** The last load or reload attempt: when, and its errors (empty: it succeeded). For the web UI. */
  public record ReloadStatus(long millis, List<String> errors) {}

  private volatile ReloadStatus lastReload = new ReloadStatus(System.currentTimeMillis(), List.of());

  public ReloadStatus lastReload() {
    return lastReload;
  }

  public PromgateConfig config() {
    return live.get().config();
  }

  /** The main database's batcher of the current storage (readiness, federation from storage). */
  public WriteBatcher batcher() {
    return live.get().storage().main();
  }

  /**
   * The batcher writing to {@code database}: the main one, or a tenant's (created, and its
   * database created, on first use).
   *
   * @throws io.promgate.influx.StorageException UNAVAILABLE (503 + Retry-After) at
   *     tenancy.max_tenants, or right after a reload replaced the storage
   */
  public WriteBatcher batcher(String database) {
    Live l = live.get();
    return l.storage().writer(database, l.config().tenancy().maxTenants());
  }

  /** The client reading {@code database}; never creates a batcher or a database. */
  public InfluxClient reader(String database) {
    return live.get().storage().reader(database);
  }

  /** The running target sharding, or null when promgate.yml has no sharding section. */
  public Sharding sharding() {
    return sharding;
  }

  /** The HA tracker of remote_write.ha_tracker (idle while disabled). */
  public HaTracker haTracker() {
    return haTracker;
  }

  /** The heap requests may reserve at once (remote_write.memory_budget). */
  public MemoryBudget memoryBudget() {
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
    // Shard probes use the TLS/auth of the federation upstream at the same URL: restart on either.
    boolean probesChanged = !e.next().sharding().shardUrls().isEmpty()
        && !e.next().federation().upstreams().equals(e.previous().federation().upstreams());
    if (e.next().sharding().equals(e.previous().sharding()) && !probesChanged) {
      return;
    }
    Sharding old = sharding;
    // Until the new assignment is computed (milliseconds) /sd/shards answers 503, and slaves keep
    // the targets they have, as Prometheus's http_sd does on any error.
    sharding = e.next().sharding().enabled()
        ? Sharding.start(vertx, e.next().sharding(), e.next().federation().upstreams(), metrics.shards, old)
        : null;
    if (old != null) {
      old.close();
    }
  }

  void onStop(@Observes ShutdownEvent ev) {
    haTracker.close();
    if (sharding != null) {
      sharding.close();
    }
    // The InfluxDB client is not closed here: on SIGTERM this runs once the HTTP requests in flight
    // finished or --web.shutdown-timeout passed, and the process exits right after.
  }
}
