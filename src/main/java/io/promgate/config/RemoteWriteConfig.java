package io.promgate.config;

import java.time.Duration;

/**
 * {@code remote_write}: the receiver's limits. Each is enforced before the work it bounds
 * (the body before reading it, the decompressed size before allocating it) and each rejection
 * is counted by reason in {@code promgate_remote_write_rejected_requests_total}.
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
    Duration retryAfter) {

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
            (int) t.integer("max_label_value_length", 65536, 1, 1 << 24),
            t.duration("retry_after", Duration.ofSeconds(1)));
    t.rejectUnknownKeys();
    return c;
  }
}
