package io.promgate.read;

import io.promgate.influx.InfluxQuery;
import io.promgate.read.ReadRequestDecoder.ReadQuery;
import io.vertx.core.Future;

/**
 * Where one query's series and samples are read from: InfluxQL ({@link InfluxQlPath}, the default)
 * or InfluxDB 1.6's storage service ({@link StoragePath}, {@code remote_read.influxdb_storage_address}).
 * {@link ReadExecution} picks the path once per query; the {@link QueryIndex} the path builds
 * remembers it ({@link QueryIndex#path}) for the second phase.
 */
interface ReadPath {
  /** Phase 1: the query's series and their sample counts, checked against the limits as they come. */
  Future<QueryIndex> index(ReadQuery q, InfluxQuery iq);

  /**
   * Phase 2: the samples of the series {@code idx.sorted[from, to)} into {@code s}, paused while
   * the client's socket is full; {@code whole} when those are all of the query's series.
   */
  Future<Void> read(QueryIndex idx, int from, int to, boolean whole, SeriesStreamer s);
}
