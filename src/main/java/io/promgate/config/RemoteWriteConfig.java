package io.promgate.config;

import io.promgate.relabel.RelabelConfigs;
import io.promgate.relabel.Relabeler;
import java.time.Duration;

/**
 * {@code remote_write}: the receiver's limits. Each is enforced before the work it bounds
 * (the body before reading it, the decompressed size before allocating it) and each rejection
 * is counted by reason in {@code promgate_remote_write_rejected_requests_total}.
 *
 * <p>{@code write_relabel_configs} has the meaning and YAML of Prometheus's own option of that name:
 * rules applied to each series before it is stored, able to drop series or rewrite labels.
 *
 * <p>{@code ha_tracker} ({@link HaTrackerConfig}) deduplicates HA Prometheus pairs before relabeling.
 */
public record RemoteWriteConfig(
    long maxBodyBytes,
    long maxDecompressedBytes,
    int maxInflightRequests,
    int maxSeriesPerRequest,
    int maxSamplesPerRequest,
    int maxLabelsPerSeries,
    int maxLabelNameLength,
    int maxLabelValueLength,
    Duration retryAfter,
    Relabeler writeRelabel,
    HaTrackerConfig haTracker,
    long memoryBudget,
    Duration bodyTimeout) {

  static RemoteWriteConfig read(YamlTree t) {
    RemoteWriteConfig c =
        new RemoteWriteConfig(
            t.bytes("max_body_bytes", 16L << 20, 1 << 10, 1L << 30),
            t.bytes("max_decompressed_bytes", 64L << 20, 1 << 10, Integer.MAX_VALUE - 8),
            (int) t.integer("max_inflight_requests", 256, 1, 1 << 20),
            (int) t.integer("max_series_per_request", 1_000_000, 1, Integer.MAX_VALUE),
            (int) t.integer("max_samples_per_request", 5_000_000, 1, Integer.MAX_VALUE),
            (int) t.integer("max_labels_per_series", 256, 1, 1 << 16),
            (int) t.integer("max_label_name_length", 1024, 1, 1 << 20),
            // InfluxDB refuses a series key (measurement, tags and field name) over 65,535 bytes: the default
            // leaves room for one value at the limit even percent-encoded (3x) beside a long name
            (int) t.integer("max_label_value_length", 16384, 1, 1 << 24),
            t.duration("retry_after", Duration.ofSeconds(1)),
            // Compiled once per config snapshot; applied to every incoming series before storage.
            Relabeler.of(RelabelConfigs.parse(
                t.list("write_relabel_configs"), t.pathOf("write_relabel_configs"), t.errors())),
            HaTrackerConfig.read(t.child("ha_tracker")),
            // 0: derived from the JVM's max heap (limits.MemoryBudget); bytes every request in flight may hold at once
            t.bytes("memory_budget", 0, 0, Long.MAX_VALUE),
            // a body not fully arrived by then is answered 408 and its connection closed
            t.duration("body_timeout", Duration.ofMinutes(1)));
    t.rejectUnknownKeys();
    return c;
  }
}
