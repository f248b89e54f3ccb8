package io.promgate.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code remote_read}: the bounds of {@code /api/v1/read}. Limits are checked against the exact
 * series and sample counts InfluxDB reports before the first response byte is sent, so an
 * over-limit query is refused with a 4xx naming the key instead of failing halfway through a
 * stream; the memory keys bound what promgate holds per query whatever the result size.
 *
 * <p>{@code influxdb_format}: how InfluxDB is asked to encode its answer. MessagePack (1.x, and
 * 2.x's v1 API) costs InfluxDB, the bottleneck of every read, about 30% less CPU than JSON; {@code
 * json} is for servers that refuse it. Either way the answer is decoded by its Content-Type.
 *
 * <p>{@code influxdb_storage_address}: {@code host:port} of InfluxDB 1.6's storage service
 * (its {@code [ifql]} section: {@code enabled = true}, {@code bind-address}). When set, reads go
 * there instead of to InfluxQL: the same answers at a fraction of InfluxDB's CPU. That service
 * has no authentication; keep it on a loopback or private address. Empty (the default): InfluxQL.
 *
 * <p>Defaults follow Prometheus's own remote-read server flags where one exists
 * ({@code --storage.remote.read-sample-limit=5e7}, {@code read-concurrent-limit=10},
 * {@code read-max-bytes-in-frame=1048576}).
 */
public record RemoteReadConfig(
    long maxRequestBytes,
    long maxSamplesPerQuery,
    int maxSeriesPerQuery,
    int maxConcurrentQueries,
    int maxQueuedRequests,
    int maxBytesInFrame,
    int chunkSize,
    int sortBufferSamples,
    String influxdbFormat,
    String influxdbStorageHost,
    int influxdbStoragePort,
    int maxQueriesPerRequest,
    int maxMatchersPerQuery,
    long maxSamplesPerRequest,
    Duration writeTimeout) {

  /** The answer encodings InfluxDB's {@code /query} offers that promgate reads. */
  public static final List<String> FORMATS = List.of("msgpack", "json");

  /** True when reads go to InfluxDB's storage service rather than to InfluxQL. */
  public boolean useStorageService() {
    return !influxdbStorageHost.isEmpty();
  }

  static RemoteReadConfig read(YamlTree t) {
    long maxRequestBytes = t.bytes("max_request_bytes", 4L << 20, 1 << 10, 1L << 30);
    long maxSamples = t.integer("max_samples_per_query", 50_000_000, 1, Long.MAX_VALUE);
    int maxSeries = (int) t.integer("max_series_per_query", 500_000, 1, Integer.MAX_VALUE);
    int maxConcurrent = (int) t.integer("max_concurrent_queries", 10, 1, 1 << 16);
    int maxQueued = (int) t.integer("max_queued_requests", 64, 0, 1 << 20);
    int maxBytesInFrame = (int) t.bytes("max_bytes_in_frame", 1L << 20, 1 << 10, 256L << 20);
    int chunkSize = (int) t.integer("chunk_size", 10_000, 1, 1_000_000);
    int sortBuffer = (int) t.integer("sort_buffer_samples", 1_000_000, 0, Integer.MAX_VALUE);
    String format = t.string("influxdb_format", "msgpack");
    if (!FORMATS.contains(format)) {
      t.error("influxdb_format", "must be one of " + FORMATS + ", got \"" + format + "\"");
    }
    String storage = t.string("influxdb_storage_address", "");
    String host = "";
    int port = 0;
    if (!storage.isEmpty()) {
      int colon = storage.lastIndexOf(':');
      try {
        port = colon > 0 ? Integer.parseInt(storage.substring(colon + 1)) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      host = colon > 0 ? storage.substring(0, colon) : "";
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (port < 1 || port > 65535 || host.isEmpty()) {
        t.error("influxdb_storage_address", "must be host:port, got \"" + storage + "\"");
        host = "";
        port = 0;
      }
    }
    // Hostile-request bounds: each query costs InfluxDB a count and a read, each matcher a
    // condition InfluxDB evaluates per series; a reader that stops reading frees its slot after
    // write_timeout (Prometheus's analogue: --web.read-timeout).
    int maxQueries = (int) t.integer("max_queries_per_request", 100, 1, 1 << 20);
    int maxMatchers = (int) t.integer("max_matchers_per_query", 100, 1, 1 << 20);
    long maxSamplesPerRequest = t.integer("max_samples_per_request", 50_000_000, 1, Long.MAX_VALUE);
    Duration writeTimeout = t.duration("write_timeout", Duration.ofMinutes(2));
    t.rejectUnknownKeys();
    return new RemoteReadConfig(maxRequestBytes, maxSamples, maxSeries, maxConcurrent, maxQueued, maxBytesInFrame,
        chunkSize, sortBuffer, format, host, port, maxQueries, maxMatchers, maxSamplesPerRequest, writeTimeout);
  }
}
