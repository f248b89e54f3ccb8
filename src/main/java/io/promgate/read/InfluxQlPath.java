package io.promgate.read;

import io.promgate.config.RemoteReadConfig;
import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.InfluxQuery;
import io.promgate.influx.QueryStream;
import io.promgate.metrics.Metrics;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import io.promgate.read.ReadRequestDecoder.ReadQuery;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The default read path: InfluxQL statements answered with {@code chunked=true} ({@link
 * QueryStream}). Phase 1 counts {@code value} and {@code value_bits} per series ({@link
 * InfluxQuery#count}), listing the measurements first when a {@code __name__!=}/{@code !~} needs
 * it; phase 2 selects both fields, or {@code value} alone when no series has a special sample.
 */
final class InfluxQlPath implements ReadPath {
  private final ReadExecution exec;
  private final RemoteReadConfig limits;
  private final Map<String, String> external;
  private final InfluxClient influx;
  private final Metrics.RemoteRead metrics;

  InfluxQlPath(ReadExecution exec) {
    this.exec = exec;
    this.limits = exec.limits;
    this.external = exec.external;
    this.influx = exec.influx;
    this.metrics = exec.metrics;
  }

  @Override
  public Future<QueryIndex> index(ReadQuery q, InfluxQuery iq) {
    QueryIndex idx = new QueryIndex(q, iq);
    idx.path = this;
    if (iq.matchesNothing()) {
      idx.seal();
      return Future.succeededFuture(idx);
    }
    Future<String> from = iq.needsMeasurementList() ? measurements(iq, q) : Future.succeededFuture(iq.from());
    return from.compose(f -> {
      if (f == null) {
        idx.seal();
        return Future.succeededFuture(idx);
      }
      QueryIndex.Collector collector = new QueryIndex.Collector(idx, limits, external);
      long[] specials = {0};
      ChunkedQueryReader.Handler counting = new ChunkedQueryReader.Handler() {
        @Override
        public void series(String m, String[] k, String[] v, int n, String[] c, int cn) {
          collector.series(m, k, v, n, c, cn);
        }

        @Override
        public void row(ChunkedQueryReader.Row row) {
          // columns: time, count("value"), count("value_bits")
          if (row.size() > 2 && row.kind(2) == ChunkedQueryReader.Row.INTEGER) {
            specials[0] += row.longValue(2);
          }
          collector.row(row);
        }
      };
      return run(iq.count(f), counting, false).map(v -> {
        collector.finish();
        idx.valueOnly = specials[0] == 0;
        return idx;
      });
    });
  }

  /** The measurements all {@code __name__} matchers accept, as a FROM clause; null when none. */
  private Future<String> measurements(InfluxQuery iq, ReadQuery q) {
    List<Matcher> nameMatchers = q.matchers().stream().filter(m -> m.name().equals(Labels.METRIC_NAME)).toList();
    TreeSet<String> names = new TreeSet<>();
    boolean[] tooMany = {false};
    ChunkedQueryReader.Handler h = new ChunkedQueryReader.Handler() {
      @Override
      public void series(String m, String[] k, String[] v, int n, String[] c, int cn) {}

      @Override
      public void row(ChunkedQueryReader.Row row) {
        if (tooMany[0] || row.kind(0) != ChunkedQueryReader.Row.STRING) {
          return;
        }
        String name = row.stringValue(0);
        for (Matcher m : nameMatchers) {
          if (!m.matches(name)) {
            return;
          }
        }
        names.add(name);
        if (names.size() > QueryIndex.MAX_LISTED_MEASUREMENTS) {
          tooMany[0] = true; // the FROM regex (or every measurement) and exact filtering instead
          names.clear();
        }
      }
    };
    return run(iq.showMeasurements(), h, false).map(v -> {
      if (tooMany[0]) {
        return iq.from();
      }
      return names.isEmpty() ? null : InfluxQuery.fromList(names);
    });
  }

  @Override
  public Future<Void> read(QueryIndex idx, int from, int to, boolean whole, SeriesStreamer s) {
    return run(whole ? select(idx, idx.from(), null) : groupStatement(idx, from, to), s, true);
  }

  private static String groupStatement(QueryIndex idx, int from, int to) {
    TreeSet<String> names = new TreeSet<>();
    StringBuilder where = new StringBuilder();
    boolean everySeriesNamed = true;
    for (int r = from; r < to; r++) {
      SeriesEntry e = idx.sorted[r];
      names.add(e.measurement);
      String[] kv = e.stored;
      String[] keys = new String[kv.length / 2];
      String[] values = new String[kv.length / 2];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = kv[2 * i];
        values[i] = kv[2 * i + 1];
      }
      String c = InfluxQuery.seriesCondition(keys, values, keys.length);
      if (c == null) {
        everySeriesNamed = false; // a series with no tag: its whole measurement, filtered here
      } else {
        if (where.length() > 0) {
          where.append(" OR ");
        }
        where.append(c);
      }
    }
    return select(idx, InfluxQuery.fromList(names), everySeriesNamed ? where.toString() : null);
  }

  private static String select(QueryIndex idx, String from, String extra) {
    return idx.valueOnly ? idx.influxQuery.selectValues(from, extra) : idx.influxQuery.select(from, extra);
  }

  private Future<Void> run(String statement, ChunkedQueryReader.Handler handler, boolean toClient) {
    if (exec.cancelled()) {
      return ReadExecution.clientWentAway();
    }
    metrics.influxQueries.increment();
    QueryStream s = influx.query(statement, limits.chunkSize(), limits.influxdbFormat().equals("msgpack"),
        new ChunkedQueryReader(handler), toClient ? exec.response() : null);
    exec.reading(s::cancel);
    return s.done();
  }
}
