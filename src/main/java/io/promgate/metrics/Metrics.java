package io.promgate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.promgate.write.InvalidWriteException.Reason;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Every self-metric promgate exports, registered up front so that a series exists (at 0) before
 * its first event and dashboards/alerts never see "no data" for a healthy process. Micrometer's
 * Prometheus naming appends {@code _total} to counters and {@code _seconds} to timers, so the
 * exported names are the ones documented in README ({@code promgate_remote_write_requests_total}).
 */
public final class Metrics {
  /** Prometheus's default histogram buckets, for latencies. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)
  };

  public final RemoteWrite remoteWrite;
  public final Influx influx;
  public final Shards shards;
  public final Federate federate;
  public final RemoteRead remoteRead;
  public final Ha ha;

  public Metrics(MeterRegistry registry) {
    this.remoteWrite = new RemoteWrite(registry);
    this.influx = new Influx(registry);
    this.shards = new Shards(registry);
    this.federate = new Federate(registry);
    this.remoteRead = new RemoteRead(registry);
    this.ha = new Ha(registry);
  }

  /** {@code promgate_remote_write_*} */
  public static final class RemoteWrite {
    private final ByCode requests;
    private final EnumMap<Reason, Counter> rejectedByReason = new EnumMap<>(Reason.class);
    public final Counter samplesReceived;
    public final Counter samplesStored;
    public final Counter samplesRejectedByStorage;
    public final Counter samplesUnavailableStorage;
    public final Counter nonFiniteSamples;
    public final Counter histogramsDropped;
    public final Counter exemplarsDropped;
    public final Counter overloaded;
    public final Counter droppedByRelabel;
    public final Timer duration;
    public final AtomicInteger inFlight = new AtomicInteger();

    RemoteWrite(MeterRegistry r) {
      requests = new ByCode(r, "promgate.remote_write.requests", "Remote-write requests answered, by HTTP status code.",
          204, 400, 413, 415, 503);
      for (Reason reason : Reason.values()) {
        rejectedByReason.put(
            reason,
            Counter.builder("promgate.remote_write.rejected_requests")
                .description("Remote-write requests refused before storage, by reason.")
                .tag("reason", reason.label())
                .register(r));
      }
      samplesReceived = counter(r, "promgate.remote_write.samples_received", "Samples in decoded remote-write requests.");
      samplesStored = counter(r, "promgate.remote_write.samples_stored", "Samples InfluxDB acknowledged.");
      samplesRejectedByStorage =
          Counter.builder("promgate.remote_write.samples_rejected")
              .description("Decoded samples not stored, by reason (the sender was told).")
              .tag("reason", "storage_rejected")
              .register(r);
      samplesUnavailableStorage =
          Counter.builder("promgate.remote_write.samples_rejected")
              .description("Decoded samples not stored, by reason (the sender was told).")
              .tag("reason", "storage_unavailable")
              .register(r);
      nonFiniteSamples =
          counter(r, "promgate.remote_write.non_finite_samples", "NaN/Inf/stale samples stored as value_bits.");
      histogramsDropped =
          counter(r, "promgate.remote_write.histograms_dropped", "Native histograms received and not stored.");
      exemplarsDropped = counter(r, "promgate.remote_write.exemplars_dropped", "Exemplars received and not stored.");
      droppedByRelabel =
          counter(r, "promgate.remote_write.samples_dropped_by_relabel",
              "Samples of series dropped by remote_write.write_relabel_configs (not an error).");
      overloaded =
          counter(r, "promgate.remote_write.overloaded", "Requests refused with 503 at remote_write.max_inflight_requests.");
      duration =
          timer(r, "promgate.remote_write.request.duration", "Remote-write request latency, from body received to answer.");
      gauge(r, "promgate.remote_write.requests_in_flight",
          "Remote-write requests being decoded or waiting for InfluxDB.", inFlight::get);
    }

    public void answered(int code) {
      requests.increment(code);
    }

    public void rejected(Reason reason) {
      rejectedByReason.get(reason).increment();
    }
  }

  /** {@code promgate_influxdb_*} */
  public static final class Influx {
    public final Timer writeDuration;
    public final Counter writesOk;
    public final Counter writesUnavailable;
    public final Counter writesRejected;
    public final Counter writeBytes;
    public final DistributionSummary batchRequests;

    Influx(MeterRegistry r) {
      writeDuration =
          timer(r, "promgate.influxdb.write.duration", "InfluxDB /write latency per batch.");
      writesOk = writes(r, "success");
      writesUnavailable = writes(r, "unavailable");
      writesRejected = writes(r, "rejected");
      writeBytes = counter(r, "promgate.influxdb.write_bytes", "Line-protocol bytes sent to InfluxDB /write.");
      batchRequests =
          DistributionSummary.builder("promgate.influxdb.batch_requests")
              .description("Remote-write requests coalesced into one InfluxDB write (group commit).")
              .register(r);
    }

    private static Counter writes(MeterRegistry r, String result) {
      return Counter.builder("promgate.influxdb.writes")
          .description("InfluxDB /write calls, by result.")
          .tag("result", result)
          .register(r);
    }
  }

  /**
   * {@code promgate_sd_*} (per target source, named by its config key path, e.g.
   * {@code file_sd_configs[0]}) and {@code promgate_shard_*}. Sources and shards come from the
   * config, so their series are registered when sharding starts, before the first refresh; the
   * values live here, so a rebuilt sharding (config reload) keeps feeding the same series.
   */
  public static final class Shards {
    private final MeterRegistry r;
    private final Map<String, Source> sources = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> shardTargets = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> shardUp = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> shardFailovers = new ConcurrentHashMap<>();
    public final AtomicLong droppedTargets = new AtomicLong();
    public final AtomicLong invalidTargets = new AtomicLong();
    public final Counter assignments;
    public final Timer assignmentDuration;

    Shards(MeterRegistry r) {
      this.r = r;
      gauge(r, "promgate.shard.dropped_targets",
          "Discovered targets that sharding.relabel_configs drop (on no shard).", droppedTargets::get);
      gauge(r, "promgate.shard.invalid_targets",
          "Targets kept by relabeling that Prometheus would refuse (no or bad __address__,"
              + " bad scrape interval/timeout labels); on no shard.", invalidTargets::get);
      assignments = counter(r, "promgate.shard.assignments", "Times the shard assignment was recomputed.");
      assignmentDuration =
          timer(r, "promgate.shard.assignment.duration", "Time to relabel and hash every discovered target.");
    }

    /**
     * Zeroes every source and shard series, for a sharding (re)starting from a new config: series
     * of sources or shards it no longer has stay at 0 instead of their last values.
     */
    public void reset() {
      sources.values().forEach(s -> {
        s.targets.set(0);
        s.lastRefreshSuccess.set(0);
      });
      shardTargets.values().forEach(v -> v.set(0));
      shardUp.values().forEach(v -> v.set(-1));
      droppedTargets.set(0);
      invalidTargets.set(0);
    }

    /** The meters of one target source, registered on first use. */
    public Source source(String name) {
      return sources.computeIfAbsent(name, n -> new Source(r, n));
    }

    /** The targets gauge of shard {@code index}, registered on first use. */
    public AtomicLong shardTargets(int index) {
      return shardTargets.computeIfAbsent(index, i -> {
        AtomicLong v = new AtomicLong();
        Gauge.builder("promgate.shard.targets", v, AtomicLong::get)
            .description("Targets assigned to the shard (listed by /sd/shards/{shard}).")
            .tag("shard", String.valueOf(i))
            .register(r);
        return v;
      });
    }

    /**
     * {@code promgate_shard_up{shard}}: 1 when the latest {@code /-/ready} probe of the shard's
     * {@code sharding.shard_urls} entry passed, 0 when it failed; set -1 for NaN (not probed yet).
     */
    public AtomicLong up(int index) {
      return shardUp.computeIfAbsent(index, i -> {
        AtomicLong v = new AtomicLong(-1);
        Gauge.builder("promgate.shard.up", v, x -> x.get() < 0 ? Double.NaN : x.get())
            .description("1 when the shard's latest /-/ready probe passed, 0 when it failed, NaN before the first.")
            .tag("shard", String.valueOf(i))
            .register(r);
        return v;
      });
    }

    /** {@code promgate_shard_failovers_total{shard}}: times the shard's targets went to the live shards. */
    public Counter failovers(int index) {
      return shardFailovers.computeIfAbsent(index, i -> Counter.builder("promgate.shard.failovers")
          .description("Times the shard was failed over: down for sharding.failover_after, its targets moved to the live shards.")
          .tag("shard", String.valueOf(i))
          .register(r));
    }

    /** {@code promgate_sd_*{source=...}} */
    public static final class Source {
      public final Counter refreshes;
      public final Counter failures;
      public final AtomicLong targets = new AtomicLong();
      public final AtomicLong lastRefreshSuccess = new AtomicLong();
      public final AtomicLong lastSuccessMillis = new AtomicLong();

      Source(MeterRegistry r, String name) {
        refreshes = Counter.builder("promgate.sd.refreshes")
            .description("Target source refreshes (file re-reads, http_sd GETs), failed or not.")
            .tag("source", name)
            .register(r);
        failures = Counter.builder("promgate.sd.refresh_failures")
            .description("Target source refreshes that failed; the source kept its last good targets.")
            .tag("source", name)
            .register(r);
        Gauge.builder("promgate.sd.targets", targets, AtomicLong::get)
            .description("Targets the source currently provides (its last good refresh).")
            .tag("source", name)
            .register(r);
        Gauge.builder("promgate.sd.last_refresh_success", lastRefreshSuccess, AtomicLong::get)
            .description("1 when the source's latest refresh succeeded, 0 when it failed or has not run.")
            .tag("source", name)
            .register(r);
        Gauge.builder("promgate.sd.last_success_timestamp_seconds", lastSuccessMillis, v -> v.get() / 1000.0)
            .description("Unix time of the source's latest successful refresh.")
            .tag("source", name)
            .register(r);
      }
    }
  }

  /**
   * {@code promgate_federate_*}. Per-upstream series are created for the configured upstreams
   * when the handler starts ({@link Federate#upstream}), and for new names on first use.
   */
  public static final class Federate {
    /** Why an upstream answer was not (fully) served. */
    public static final List<String> ERROR_REASONS =
        List.of("unreachable", "tls", "timeout", "status", "parse", "sample_limit", "reset");

    private final MeterRegistry registry;
    private final ByCode requests;
    private final ConcurrentHashMap<String, Upstream> upstreams =
        new ConcurrentHashMap<>();
    public final Timer duration;
    public final Counter seriesWritten;
    public final Counter deduplicated;

    Federate(MeterRegistry r) {
      this.registry = r;
      requests = new ByCode(r, "promgate.federate.requests", "/federate requests answered, by HTTP status code.",
          200, 400, 500, 503);
      duration = timer(r, "promgate.federate.request.duration", "/federate latency, from request to the last byte written.");
      seriesWritten = counter(r, "promgate.federate.series_written", "Series written in /federate answers.");
      deduplicated = counter(r, "promgate.federate.deduplicated_series",
          "Series dropped from /federate answers because a fresher copy (another upstream or HA replica) won.");
    }

    public void answered(int code) {
      requests.increment(code);
    }

    /** The metrics of one upstream, registering them on first use. */
    public Upstream upstream(String name) {
      return upstreams.computeIfAbsent(name, n -> new Upstream(registry, n));
    }

    /** {@code promgate_federate_upstream_*{upstream="<name>"}} */
    public static final class Upstream {
      public final AtomicInteger up = new AtomicInteger();
      public final Timer duration;
      public final Counter series;
      public final Counter unsortedFamilies;
      private final Map<String, Counter> errors = new HashMap<>();

      Upstream(MeterRegistry r, String name) {
        Gauge.builder("promgate.federate.upstream.up", up, AtomicInteger::get)
            .description("1 when the last /federate request to this upstream was answered in full, else 0.")
            .tag("upstream", name)
            .register(r);
        duration = Timer.builder("promgate.federate.upstream.request.duration")
            .description("Time to receive an upstream's whole /federate answer (or to give up on it).")
            .tag("upstream", name)
            .serviceLevelObjectives(BUCKETS)
            .register(r);
        series = Counter.builder("promgate.federate.upstream.series")
            .description("Series received from this upstream that the request's selectors matched.")
            .tag("upstream", name)
            .register(r);
        unsortedFamilies = Counter.builder("promgate.federate.upstream.unsorted_families")
            .description("Families this upstream sent out of name order; such a family may be written twice.")
            .tag("upstream", name)
            .register(r);
        for (String reason : ERROR_REASONS) {
          errors.put(reason, Counter.builder("promgate.federate.upstream.errors")
              .description("Upstream /federate requests that failed, by reason.")
              .tag("upstream", name)
              .tag("reason", reason)
              .register(r));
        }
      }

      public void failed(String reason) {
        errors.get(reason).increment();
      }

      // The last answer, for the operator UI's /upstreams page (written by federate.UpstreamSource).
      public volatile long lastAnswerMillis;
      public volatile long lastDurationNanos;
      public volatile long lastSeries;
      public volatile long lastErrorMillis;
      public volatile String lastError = "";
    }
  }

  /** {@code promgate_remote_read_*} */
  public static final class RemoteRead {
    private final ByCode requests;
    private final Map<String, Counter> limitHits = new HashMap<>();
    public final Counter queries;
    public final Counter series;
    public final Counter samples;
    public final Counter influxQueries;
    public final Counter storageReads;
    public final Counter storageReadOns;
    public final Counter sortBufferedSamples;
    public final Counter aborted;
    public final Timer duration;
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger queued = new AtomicInteger();

    RemoteRead(MeterRegistry r) {
      requests = new ByCode(r, "promgate.remote_read.requests", "Remote-read requests answered, by HTTP status code.",
          200, 400, 413, 503);
      for (String limit : new String[] {"samples", "series", "response_size", "concurrency", "queries", "matchers",
          "write_timeout"}) {
        limitHits.put(
            limit,
            Counter.builder("promgate.remote_read.limit_hits")
                .description("Remote-read requests refused at a remote_read limit, by limit.")
                .tag("limit", limit)
                .register(r));
      }
      queries = counter(r, "promgate.remote_read.queries", "Remote-read queries executed (a request may hold several).");
      series = counter(r, "promgate.remote_read.series", "Series returned by remote read.");
      samples = counter(r, "promgate.remote_read.samples", "Samples returned by remote read.");
      influxQueries =
          counter(r, "promgate.remote_read.influxdb_queries", "InfluxQL statements run against InfluxDB for remote read.");
      storageReads = counter(r, "promgate.remote_read.influxdb_storage_reads",
          "Reads on InfluxDB's storage service (remote_read.influxdb_storage_address) for remote read.");
      storageReadOns = counter(r, "promgate.remote_read.influxdb_storage_short_series",
          "Series InfluxDB's storage service stopped short of their count, read on from their last sample.");
      sortBufferedSamples =
          counter(
              r,
              "promgate.remote_read.sort_buffered_samples",
              "Samples held back to put streamed series into label order (InfluxDB sent them early).");
      aborted =
          counter(r, "promgate.remote_read.aborted_responses", "Responses cut off after the status was sent (storage error, client gone).");
      duration =
          timer(r, "promgate.remote_read.request.duration", "Remote-read request latency, from body received to the last byte written.");
      gauge(r, "promgate.remote_read.requests_in_flight", "Remote-read requests being answered.", inFlight::get);
      gauge(r, "promgate.remote_read.requests_queued",
          "Remote-read requests waiting for remote_read.max_concurrent_queries.", queued::get);
    }

    public void answered(int code) {
      requests.increment(code);
    }

    /** {@code limit}: samples, series, response_size or concurrency. */
    public void limitHit(String limit) {
      limitHits.get(limit).increment();
    }
  }

  /** {@code promgate_ha_*}: the HA tracker; per-cluster series registered when a cluster is first seen. */
  public static final class Ha {
    private final MeterRegistry r;
    private final Map<String, PerCluster> clusters = new ConcurrentHashMap<>();
    public final AtomicInteger clusterCount = new AtomicInteger();

    Ha(MeterRegistry r) {
      this.r = r;
      gauge(r, "promgate.ha.clusters",
          "HA clusters (values of remote_write.ha_tracker.cluster_label) this promgate tracks.", clusterCount::get);
    }

    /** The counters of one cluster, registered on first use. */
    public PerCluster cluster(String name) {
      return clusters.computeIfAbsent(name, n -> new PerCluster(
          Counter.builder("promgate.ha.elected_replica_changes")
              .description("Times this promgate saw the cluster's elected replica change (failovers).")
              .tag("cluster", n).register(r),
          Counter.builder("promgate.ha.samples_deduplicated")
              .description("Samples of non-elected HA replicas acknowledged and not stored.")
              .tag("cluster", n).register(r)));
    }

    public record PerCluster(Counter changes, Counter deduplicated) {}
  }

  /**
   * {@code <name>_total{code=...}}: answers of one endpoint by HTTP status, one counter per status
   * the endpoint can give (registered up front) and {@code code="other"} for anything else.
   */
  static final class ByCode {
    private final Map<Integer, Counter> byCode = new HashMap<>();
    private final Counter other;

    ByCode(MeterRegistry r, String name, String description, int... codes) {
      for (int code : codes) {
        byCode.put(code, Counter.builder(name).description(description).tag("code", String.valueOf(code)).register(r));
      }
      other = Counter.builder(name).description(description).tag("code", "other").register(r);
    }

    void increment(int code) {
      byCode.getOrDefault(code, other).increment();
    }
  }

  private static Counter counter(MeterRegistry r, String name, String help) {
    return Counter.builder(name).description(help).register(r);
  }

  private static Timer timer(MeterRegistry r, String name, String help) {
    return Timer.builder(name).description(help).serviceLevelObjectives(BUCKETS).register(r);
  }

  /** A gauge whose value is read on scrape. */
  public static void gauge(MeterRegistry r, String name, String help, Supplier<Number> value) {
    Gauge.builder(name, value).description(help).register(r);
  }
}
