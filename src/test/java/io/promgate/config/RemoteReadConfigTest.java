package io.promgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemoteReadConfigTest {
  @Test
  void parse_noSection_defaults() throws ConfigException {
    RemoteReadConfig c = PromgateConfig.parse("t", "").remoteRead();
    assertEquals(new RemoteReadConfig(4L << 20, 50_000_000, 500_000, 10, 64, 1 << 20, 10_000, 1_000_000, "msgpack", "", 0, 100, 100, 50_000_000,
        Duration.ofMinutes(2)), c);
    assertEquals(false, c.useStorageService());
  }

  @Test
  void parse_everyKey_read() throws ConfigException {
    RemoteReadConfig c = PromgateConfig.parse("t", """
        remote_read:
          max_request_bytes: 64KiB
          max_samples_per_query: 1000
          max_series_per_query: 10
          max_concurrent_queries: 2
          max_queued_requests: 0
          max_bytes_in_frame: 2MiB
          chunk_size: 500
          sort_buffer_samples: 0
          influxdb_format: json
          influxdb_storage_address: 127.0.0.1:8082
        """).remoteRead();
    assertEquals(new RemoteReadConfig(64 << 10, 1000, 10, 2, 0, 2 << 20, 500, 0, "json", "127.0.0.1", 8082, 100, 100, 50_000_000,
        Duration.ofMinutes(2)), c);
    assertEquals(true, c.useStorageService());
  }

  @Test
  void parse_badValues_everyErrorNamedByKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> PromgateConfig.parse("t", """
        remote_read:
          max_samples_per_query: 0
          max_bytes_in_frame: 10
          influxdb_format: csv
          max_sample_per_query: 5
          influxdb_storage_address: localhost
        """));
    assertEquals(List.of(
        "remote_read.max_samples_per_query: must be between 1 and 9223372036854775807, got 0",
        "remote_read.max_bytes_in_frame: must be at least 1024 bytes, got 10",
        "remote_read.influxdb_format: must be one of [msgpack, json], got \"csv\"",
        "remote_read.influxdb_storage_address: must be host:port, got \"localhost\"",
        "remote_read: unknown field \"max_sample_per_query\""), e.errors());
  }
}
