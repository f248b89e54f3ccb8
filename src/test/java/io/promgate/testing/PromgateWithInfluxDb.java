package io.promgate.testing;

import io.promgate.shard.ShardingFixture;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Points the promgate under {@code @QuarkusTest} at the shared real InfluxDB: writes a
 * promgate.yml naming a fresh database and hands its path to Quarkus as
 * {@code promgate.config-file}. Every {@code @QuarkusTest} in the suite shares one Quarkus boot
 * and this one database; tests keep apart by metric name ({@link InfluxQlReadPath} boots a second
 * promgate, reading through InfluxQL instead of the storage service).
 */
public final class PromgateWithInfluxDb implements QuarkusTestResourceLifecycleManager {
  private static volatile String database;
  private boolean influxQlPath;

  /**
   * The test profile that runs the read suite on the default InfluxQL path: under it the config
   * leaves {@code remote_read.influxdb_storage_address} unset.
   */
  public static final class InfluxQlReadPath implements QuarkusTestProfile {}

  /** The database promgate writes to in this test run. */
  public static String database() {
    return database;
  }

  @Override
  public void setContext(Context context) {
    influxQlPath = InfluxQlReadPath.class.getName().equals(context.testProfile());
  }

  @Override
  public Map<String, String> start() {
    RealInfluxDb influx = RealInfluxDb.shared();
    database = influx.freshDatabase("promgate");
    try {
      Path dir = Files.createTempDirectory("promgate-test");
      Path file = dir.resolve("promgate.yml");
      Files.writeString(file, """
          storage:
            influxdb:
              url: %s
              database: %s
              timeout: 5s
              max_concurrent_writes: 2
          remote_write:
            max_body_bytes: 1MiB
            max_decompressed_bytes: 4MiB
            retry_after: 2s
          remote_read:
            max_samples_per_query: 200000
            max_series_per_query: 2000
            sort_buffer_samples: 1000
            chunk_size: 700
          %s
          # An upstream that is never asked (source: storage) so that the per-upstream federate
          # metrics exist for the dashboard/alert checks.
          federation:
            source: storage
            upstreams:
              - name: unused
                url: http://127.0.0.1:9
          """.formatted(influx.url(), database, influx.hasStorageService() && !influxQlPath
              ? "  influxdb_storage_address: " + influx.storageAddress() : "") + ShardingFixture.configSection(dir));
      file.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return Map.of("promgate.config-file", file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void stop() {}
}
