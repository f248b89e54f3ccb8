package io.promgate.read;

import io.promgate.config.RemoteReadConfig;
import io.promgate.influx.InfluxClient;
import io.promgate.influx.InfluxQuery;
import io.promgate.metrics.Metrics;
import io.promgate.read.InvalidReadException.Reason;
import io.promgate.read.ReadRequestDecoder.ReadQuery;
import io.promgate.read.ReadRequestDecoder.Request;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
  final RemoteReadConfig limits;
  final Map<String, String> external;
  final InfluxClient influx;
  final Metrics.RemoteRead metrics;
  private final InfluxQlPath influxQl;
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
    this.influxQl = new InfluxQlPath(this); // after the fields it reads
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
    ReadPath path = limits.useStorageService() && !iq.matchesNothing() ? new StoragePath(this, influxQl, q) : influxQl;
    return path.index(q, iq);
  }

  private Future<Void> streamQuery(QueryIndex idx, ResultEncoder encoder) {
    encoder.beginQuery(idx.query.index());
    if (idx.entries.isEmpty()) {
      encoder.endQuery();
      return Future.succeededFuture();
    }
    if (request.type() == ResponseType.SAMPLES) {
      SeriesStreamer s = SeriesStreamer.asTheyCome(idx, encoder, external);
      return idx.path.read(idx, 0, idx.sorted.length, true, s).map(v -> {
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
        Future<Void> read = idx.path.read(idx, from, to, groups.size() == 1, s);
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

  boolean cancelled() {
    return cancelled;
  }

  /** What a read of InfluxDB started after the client went away ends with. */
  static Future<Void> clientWentAway() {
    return Future.failedFuture(new IllegalStateException("client went away"));
  }

  /** The response the samples go to (and whose full write queue pauses InfluxDB's answer). */
  HttpServerResponse response() {
    return response;
  }

  /** A read of InfluxDB started: {@link #cancel} stops it (reads follow each other). */
  void reading(Runnable cancel) {
    cancelCurrent = cancel;
  }

  /**
   * A read of InfluxDB started that may run inside another (a storage read on): {@link #cancel}
   * stops both until {@code done} completes, then the outer one alone again.
   */
  Future<Void> readingWithin(Runnable cancel, Future<Void> done) {
    Runnable outer = cancelCurrent;
    cancelCurrent = outer == null ? cancel : () -> {
      cancel.run();
      outer.run();
    };
    return done.onComplete(ar -> cancelCurrent = outer);
  }
}
