package io.promgate.read;

import io.promgate.config.RemoteReadConfig;
import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.InfluxQuery;
import io.promgate.influx.storage.StoragePredicate;
import io.promgate.influx.storage.StoragePredicate.Fields;
import io.promgate.influx.storage.StorageRpc;
import io.promgate.metrics.Metrics;
import io.promgate.model.Labels;
import io.promgate.read.ReadRequestDecoder.ReadQuery;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One query read from InfluxDB 1.6's storage service ({@link StorageRpc}, {@code
 * remote_read.influxdb_storage_address}) with the query's {@link StoragePredicate}. Its quirks stay
 * here: counts come per series and field; special samples ({@code value_bits}) are fetched ahead
 * and merged in; a series InfluxDB stops short is read on from its last sample.
 */
final class StoragePath implements ReadPath {
  private final ReadExecution exec;
  private final RemoteReadConfig limits;
  private final Map<String, String> external;
  private final InfluxClient influx;
  private final Metrics.RemoteRead metrics;
  private final InfluxQlPath influxQl;
  private final StoragePredicate predicate;

  StoragePath(ReadExecution exec, InfluxQlPath influxQl, ReadQuery q) {
    this.exec = exec;
    this.limits = exec.limits;
    this.external = exec.external;
    this.influx = exec.influx;
    this.metrics = exec.metrics;
    this.influxQl = influxQl;
    this.predicate = StoragePredicate.of(influx.config().database(), influx.config().retentionPolicy(), q.matchers(),
        q.startMs(), q.endMs());
  }

  /**
   * The first phase on the storage service: a count per series and field, then, if any series
   * has special samples, those (few, usually stale markers) are fetched ahead so that the second
   * phase reads only the {@code value} field and merges them in by time ({@link SeriesStreamer}).
   * Should the specials be more than {@code remote_read.sort_buffer_samples}, the query is read
   * with InfluxQL instead, which has both fields in one row.
   */
  @Override
  public Future<QueryIndex> index(ReadQuery q, InfluxQuery iq) {
    QueryIndex idx = new QueryIndex(q, iq);
    idx.path = this;
    QueryIndex.Collector collector = new QueryIndex.Collector(idx, limits, external);
    long[] specials = {0};
    ChunkedQueryReader.Handler counting = new ChunkedQueryReader.Handler() {
      private boolean bits;

      @Override
      public void series(String m, String[] k, String[] v, int n, String[] c, int cn) {
        bits = cn > 1 && c[1].equals("value_bits");
        collector.series(m, k, v, n, c, cn);
      }

      @Override
      public void row(ChunkedQueryReader.Row row) {
        if (bits && row.size() > 1 && row.kind(1) == ChunkedQueryReader.Row.INTEGER) {
          specials[0] += row.longValue(1);
        }
        collector.row(row);
      }
    };
    return rpc(Fields.BOTH, true, null, counting, false).compose(v -> {
      collector.finish();
      if (specials[0] == 0 || idx.entries.isEmpty()) {
        return Future.succeededFuture(idx);
      }
      if (specials[0] > limits.sortBufferSamples()) {
        return influxQl.index(q, iq);
      }
      Labels.Builder builder = new Labels.Builder();
      ChunkedQueryReader.Handler collect = new ChunkedQueryReader.Handler() {
        private SeriesEntry entry;

        @Override
        public void series(String m, String[] k, String[] v, int n, String[] c, int cn) {
          Labels labels = QueryIndex.withExternal(QueryIndex.storedLabels(m, k, v, n, builder), external);
          entry = idx.byLabels.get(labels);
        }

        @Override
        public void row(ChunkedQueryReader.Row row) {
          if (entry != null && row.size() > 1 && row.kind(1) == ChunkedQueryReader.Row.INTEGER) {
            entry.addSpecial(row.longValue(0), row.longValue(1));
          }
        }
      };
      return rpc(Fields.VALUE_BITS, false, null, collect, false).map(x -> idx);
    });
  }

  @Override
  public Future<Void> read(QueryIndex idx, int from, int to, boolean whole, SeriesStreamer s) {
    return rpc(predicate, Fields.VALUE, false, whole ? null : groupSeries(idx, from, to), s, true, readOn(s));
  }

  /** A group's series for the storage predicate: measurement, then stored tags alternating. */
  private static List<String[]> groupSeries(QueryIndex idx, int from, int to) {
    List<String[]> series = new ArrayList<>(to - from);
    for (int r = from; r < to; r++) {
      series.add(idx.sorted[r].measurementAndTags());
    }
    return series;
  }

  private Future<Void> rpc(Fields fields, boolean count, List<String[]> series, ChunkedQueryReader.Handler handler,
      boolean toClient) {
    return rpc(predicate, fields, count, series, handler, toClient, null);
  }

  /** One read on InfluxDB's storage service; {@code series} (may be null) narrows it to a group. */
  private Future<Void> rpc(StoragePredicate predicate, Fields fields, boolean count, List<String[]> series,
      ChunkedQueryReader.Handler handler, boolean toClient, Supplier<Future<Void>> beforeSeries) {
    if (exec.cancelled()) {
      return ReadExecution.clientWentAway();
    }
    metrics.storageReads.increment();
    StorageRpc s = influx.storageRead(limits.influxdbStorageHost(), limits.influxdbStoragePort(), predicate, fields,
        count, series, handler, toClient ? exec.response() : null, beforeSeries);
    return exec.readingWithin(s::cancel, s.done());
  }

  /**
   * Before the next series (and the end) of a storage read: if the series just read delivered
   * fewer samples than counted, read it on from its last sample, and again while that brings more
   * (InfluxDB 1.6.7's storage service can stop a series at a multiple of 1,000 points; see {@link
   * SeriesStreamer#shortTarget}). A read on that brings nothing ends it: a point stored with both
   * fields counts twice but is one sample, and data may have been deleted since it was counted.
   */
  private Supplier<Future<Void>> readOn(SeriesStreamer s) {
    return () -> {
      SeriesEntry e = s.shortTarget();
      if (e == null) {
        return null;
      }
      metrics.storageReadOns.increment();
      long before = e.received;
      ChunkedQueryReader.Handler same = new ChunkedQueryReader.Handler() {
        private boolean mine;

        @Override
        public void series(String m, String[] k, String[] v, int n, String[] c, int cn) {
          // the predicate also lets through series with further tags
          mine = m.equals(e.measurement) && Arrays.equals(e.stored, QueryIndex.Collector.storedTags(k, v, n));
        }

        @Override
        public void row(ChunkedQueryReader.Row row) {
          if (mine) {
            s.row(row);
          }
        }
      };
      List<String[]> series = List.<String[]>of(e.measurementAndTags());
      return rpc(predicate.from(e.lastTime + 1), Fields.VALUE, false, series, same, true, null)
          .map(v -> {
            if (e.received == before) {
              s.noMore(e);
            }
            return null;
          });
    };
  }
}
