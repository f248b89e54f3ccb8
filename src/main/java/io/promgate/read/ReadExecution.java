package io.promgate.read;

import io.promgate.config.RemoteReadConfig;
import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.InfluxQuery;
import io.promgate.influx.QueryStream;
import io.promgate.influx.storage.StoragePredicate;
import io.promgate.influx.storage.StoragePredicate.Fields;
import io.promgate.influx.storage.StorageRpc;
import io.promgate.metrics.Metrics;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import io.promgate.read.InvalidReadException.Reason;
import io.promgate.read.ReadRequestDecoder.ReadQuery;
import io.promgate.read.ReadRequestDecoder.Request;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Answers one remote-read request in two phases.
 *
 * <ol>
 *   <li><b>Count</b>, for every query before anything is sent: list measurements when a {@code
 *       __name__!=}/{@code !~} needs it, then ask InfluxDB how many samples each series has in the
 *       range ({@link InfluxQuery#count}, a fraction of the cost of reading them). The exact
 *       matchers decide which series are in ({@link QueryIndex}); series and sample limits are
 *       enforced here, so an over-limit request gets its 4xx before the 200.
 *   <li><b>Stream</b>: the status and headers go out, then query after query InfluxDB's samples are
 *       read ({@code chunked=true}) and encoded as they arrive, paused while the client's socket
 *       is full. Memory per request: the series index, the 64 KiB output buffer, and for streamed
 *       chunks one frame and the sort buffer ({@code remote_read.sort_buffer_samples}).
 * </ol>
 *
 * A failure after the status was sent can only be reported by cutting the response short (the
 * handler resets the connection), which every client reads as a failed read, never as a shorter
 * valid answer: SAMPLES declares its length up front and a chunked-transfer body without its final
 * chunk is an error.
 */
final class ReadExecution {
  /** A group's series are named in its WHERE clause: keep that clause a sane size. */
  static final int MAX_SERIES_PER_GROUP = 500;

  private final Request request;
  private final RemoteReadConfig limits;
  private final Map<String, String> external;
  private final InfluxClient influx;
  private final Metrics.RemoteRead metrics;
  private final List<QueryIndex> indexes = new ArrayList<>();
  private HttpServerResponse response;
  private Runnable cancelCurrent;
  private boolean cancelled;
  long samples;
  long series;
  private long total; // samples the counted queries select, against max_samples_per_request

  ReadExecution(
      Request request, RemoteReadConfig limits, Map<String, String> external, InfluxClient influx, Metrics.RemoteRead metrics) {
    this.request = request;
    this.limits = limits;
    this.external = external;
    this.influx = influx;
    this.metrics = metrics;
  }

  /** Phase 1 for every query; fails with an {@link InvalidReadException} at a limit. */
  Future<Void> count() {
    List<ReadQuery> queries = request.queries();
    Future<Void> f = Sequence.run(queries.size(), i -> index(queries.get(i)).map(idx -> {
      indexes.add(idx);
      total += idx.totalSamples;
      if (total > limits.maxSamplesPerRequest()) {
        throw new InvalidReadException(Reason.TOO_MANY_SAMPLES, "the request selects more than "
            + limits.maxSamplesPerRequest() + " samples (remote_read.max_samples_per_request)");
      }
      return null;
    }));
    return f.map(v -> {
      if (request.type() == ResponseType.SAMPLES) {
        long size = SamplesEncoder.totalSize(samplesPlans());
        if (size > SnappyStreamWriter.MAX_LENGTH) {
          throw new InvalidReadException(
              Reason.RESPONSE_TOO_LARGE,
              "the SAMPLES answer would be " + size + " bytes, over the 4 GiB a snappy block can hold;"
                  + " ask for STREAMED_XOR_CHUNKS or a smaller range");
        }
      }
      return null;
    });
  }

  /** Phase 2: writes the whole answer to {@code response} (status and headers already set). */
  Future<Void> stream(HttpServerResponse response) {
    this.response = response;
    ResponseOutput output = new ResponseOutput(response);
    ResultEncoder encoder =
        request.type() == ResponseType.SAMPLES
            ? new SamplesEncoder(output, samplesPlans())
            : new ChunkedEncoder(output, limits.maxBytesInFrame());
    Future<Void> f = Sequence.run(indexes.size(), i -> streamQuery(indexes.get(i), encoder));
    return f.map(v -> {
      encoder.finish();
      output.end();
      return null;
    });
  }

  /** The client went away: stop InfluxDB's answer and the rest of the plan. */
  void cancel() {
    cancelled = true;
    if (cancelCurrent != null) {
      cancelCurrent.run();
    }
  }

  private List<SamplesEncoder.Plan> samplesPlans() {
    List<SamplesEncoder.Plan> plans = new ArrayList<>(indexes.size());
    for (QueryIndex idx : indexes) {
      long start = Math.max(idx.query.startMs(), InfluxQuery.MIN_MS);
      long end = Math.min(idx.query.endMs(), InfluxQuery.MAX_MS);
      plans.add(new SamplesEncoder.Plan(idx.entries, SamplesEncoder.timestampWidth(start, end)));
    }
    return plans;
  }

  private Future<QueryIndex> index(ReadQuery q) {
    metrics.queries.increment();
    InfluxQuery iq = InfluxQuery.of(q.matchers(), q.startMs(), q.endMs());
    if (limits.useStorageService() && !iq.matchesNothing()) {
      return indexFromStorage(q, iq);
    }
    return indexFromInfluxQl(q, iq);
  }

  /**
   * The first phase on the storage service: a count per series and field, then, if any series
   * has special samples, those (few, usually stale markers) are fetched ahead so that the second
   * phase reads only the {@code value} field and merges them in by time ({@link SeriesStreamer}).
   * Should the specials be more than {@code remote_read.sort_buffer_samples}, the query is read
   * with InfluxQL instead, which has both fields in one row.
   */
  private Future<QueryIndex> indexFromStorage(ReadQuery q, InfluxQuery iq) {
    QueryIndex idx = new QueryIndex(q, iq);
    idx.storage = StoragePredicate.of(influx.config().database(), influx.config().retentionPolicy(), q.matchers(),
        q.startMs(), q.endMs());
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
    return rpc(idx, Fields.BOTH, true, null, counting, false).compose(v -> {
      collector.finish();
      if (specials[0] == 0 || idx.entries.isEmpty()) {
        return Future.succeededFuture(idx);
      }
      if (specials[0] > limits.sortBufferSamples()) {
        return indexFromInfluxQl(q, iq);
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
      return rpc(idx, Fields.VALUE_BITS, false, null, collect, false).map(x -> idx);
    });
  }

  private Future<QueryIndex> indexFromInfluxQl(ReadQuery q, InfluxQuery iq) {
    QueryIndex idx = new QueryIndex(q, iq);
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

  private Future<Void> streamQuery(QueryIndex idx, ResultEncoder encoder) {
    encoder.beginQuery(idx.query.index());
    if (idx.entries.isEmpty()) {
      encoder.endQuery();
      return Future.succeededFuture();
    }
    if (request.type() == ResponseType.SAMPLES) {
      SeriesStreamer s = SeriesStreamer.asTheyCome(idx, encoder, external);
      Future<Void> read = idx.storage != null
          ? rpc(idx, Fields.VALUE, false, null, s, true, readOn(idx, s))
          : run(select(idx, idx.from(), null), s, true);
      return read.map(v -> {
        s.end();
        encoder.endQuery();
        count(s);
        return null;
      });
    }
    List<int[]> groups = plan(idx);
    Future<Void> f = Sequence.run(groups.size(), g -> {
      int group = g;
      int from = groups.get(g)[0];
      int to = groups.get(g)[1];
      {
        long cap = 2L * limits.sortBufferSamples() + 100_000;
        SeriesStreamer s = SeriesStreamer.inLabelOrder(idx, encoder, external, group, from, to, cap);
        Future<Void> read;
        if (idx.storage != null) {
          read = rpc(idx, Fields.VALUE, false, groups.size() == 1 ? null : groupSeries(idx, from, to), s, true,
              readOn(idx, s));
        } else {
          read = run(groups.size() == 1 ? select(idx, idx.from(), null) : groupStatement(idx, from, to), s, true);
        }
        return read.map(x -> {
          s.end();
          count(s);
          metrics.sortBufferedSamples.increment(s.buffered);
          return null;
        });
      }
    });
    return f.map(v -> {
      encoder.endQuery();
      return null;
    });
  }

  private void count(SeriesStreamer s) {
    samples += s.samples;
    series += s.series;
  }

  /**
   * Splits a query's series (in label order) into groups that can each be put in order within
   * the sort buffer. Usually one group: simulating the first phase's arrival order shows how many
   * samples would wait; only when that exceeds the buffer are the series split into runs whose
   * samples together fit it (a series larger than the buffer alone is never buffered), each read
   * with its own statement naming its series.
   */
  static List<int[]> plan(QueryIndex idx, long budget) {
    SeriesEntry[] sorted = idx.sorted;
    int n = sorted.length;
    List<int[]> groups = new ArrayList<>();
    if (peakBuffered(idx) <= budget) {
      groups.add(new int[] {0, n});
      return groups;
    }
    int start = 0;
    long total = 0;
    for (int r = 0; r < n; r++) {
      long s = sorted[r].samples;
      if (r > start && (total + s > budget || r - start == MAX_SERIES_PER_GROUP)) {
        groups.add(new int[] {start, r});
        start = r;
        total = 0;
      }
      total += s;
    }
    groups.add(new int[] {start, n});
    for (int g = 0; g < groups.size(); g++) {
      for (int r = groups.get(g)[0]; r < groups.get(g)[1]; r++) {
        sorted[r].group = g;
      }
    }
    return groups;
  }

  private List<int[]> plan(QueryIndex idx) {
    return plan(idx, limits.sortBufferSamples());
  }

  /** The most samples waiting at once if InfluxDB sends the series in the counted order. */
  static long peakBuffered(QueryIndex idx) {
    SeriesEntry[] sorted = idx.sorted;
    boolean[] arrived = new boolean[sorted.length];
    int next = 0;
    long buffered = 0;
    long peak = 0;
    for (SeriesEntry e : idx.entries) {
      if (e.rank == next) {
        next++;
        while (next < sorted.length && arrived[next]) {
          buffered -= sorted[next].samples;
          next++;
        }
      } else {
        arrived[e.rank] = true;
        buffered += e.samples;
        peak = Math.max(peak, buffered);
      }
    }
    return peak;
  }

  /** A group's series for the storage predicate: measurement, then stored tags alternating. */
  private static List<String[]> groupSeries(QueryIndex idx, int from, int to) {
    List<String[]> series = new ArrayList<>(to - from);
    for (int r = from; r < to; r++) {
      series.add(idx.sorted[r].measurementAndTags());
    }
    return series;
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
    if (cancelled) {
      return Future.failedFuture(new IllegalStateException("client went away"));
    }
    metrics.influxQueries.increment();
    QueryStream s = influx.query(statement, limits.chunkSize(), limits.influxdbFormat().equals("msgpack"),
        new ChunkedQueryReader(handler), toClient ? response : null);
    cancelCurrent = s::cancel;
    return s.done();
  }

  private Future<Void> rpc(QueryIndex idx, Fields fields, boolean count, List<String[]> series,
      ChunkedQueryReader.Handler handler, boolean toClient) {
    return rpc(idx, fields, count, series, handler, toClient, null);
  }

  /** One read on InfluxDB's storage service; {@code series} (may be null) narrows it to a group. */
  private Future<Void> rpc(QueryIndex idx, Fields fields, boolean count, List<String[]> series,
      ChunkedQueryReader.Handler handler, boolean toClient, Supplier<Future<Void>> beforeSeries) {
    return rpc(idx.storage, fields, count, series, handler, toClient, beforeSeries);
  }

  private Future<Void> rpc(StoragePredicate predicate, Fields fields, boolean count, List<String[]> series,
      ChunkedQueryReader.Handler handler, boolean toClient, Supplier<Future<Void>> beforeSeries) {
    if (cancelled) {
      return Future.failedFuture(new IllegalStateException("client went away"));
    }
    metrics.storageReads.increment();
    StorageRpc s = influx.storageRead(limits.influxdbStorageHost(), limits.influxdbStoragePort(), predicate, fields,
        count, series, handler, toClient ? response : null, beforeSeries);
    Runnable outer = cancelCurrent;
    cancelCurrent = outer == null ? s::cancel : () -> {
      s.cancel();
      outer.run();
    };
    return s.done().onComplete(ar -> cancelCurrent = outer);
  }

  /**
   * Before the next series (and the end) of a storage read: if the series just read delivered
   * fewer samples than counted, read it on from its last sample, and again while that brings more
   * (InfluxDB 1.6.7's storage service can stop a series at a multiple of 1,000 points; see {@link
   * SeriesStreamer#shortTarget}). A read on that brings nothing ends it: a point stored with both
   * fields counts twice but is one sample, and data may have been deleted since it was counted.
   */
  private Supplier<Future<Void>> readOn(QueryIndex idx, SeriesStreamer s) {
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
      return rpc(idx.storage.from(e.lastTime + 1), Fields.VALUE, false, series, same, true, null)
          .map(v -> {
            if (e.received == before) {
              s.noMore(e);
            }
            return null;
          });
    };
  }
}
