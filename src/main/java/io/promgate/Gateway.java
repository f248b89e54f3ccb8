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
import jakarta.enterprise.event.Observes;
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
  private volatile Sharding sharding;

  public Gateway(
      Vertx vertx,
      MeterRegistry registry,
      @ConfigProperty(name = "promgate.config-file") Optional<String> configFile,
      @ConfigProperty(name = "promgate.web.enable-lifecycle", defaultValue = "false") boolean lifecycleEnabled) {
    this.vertx = vertx;
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
    this.batcher = new WriteBatcher(new InfluxClient(vertx, initial.influxdb()), metrics.influx);
    if (initial.sharding().enabled()) {
      // Sources refresh in the background from here on; /sd/shards answers once assigned.
      this.sharding = Sharding.start(vertx, initial.sharding(), metrics.shards);
    }
    if (initial.influxdb().createDatabase()) {
      batcher.client().createDatabase().onComplete(ar -> {
        if (ar.failed()) {
          LOG.warnf("could not create database %s (writes answer 503 until it exists): %s",
              initial.influxdb().database(), ar.cause().getMessage());
        }
      });
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

  /** The running target sharding, or null when promgate.yml has no sharding section. */
  public Sharding sharding() {
    return sharding;
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

  void onStop(@Observes ShutdownEvent ev) {
    if (sharding != null) {
      sharding.close();
    }
    batcher.client().close();
  }
}
