package io.promgate.read;

import io.promgate.config.RemoteReadConfig;
import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.InfluxQuery;
import io.promgate.influx.TagValues;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import io.promgate.read.InvalidReadException.Reason;
import io.promgate.read.ReadRequestDecoder.ReadQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The series one query returns, learnt in the first phase from InfluxDB's per-series sample
 * counts ({@link InfluxQuery#count}) and filtered with the exact Prometheus matchers. Knowing
 * every series and its count before the first sample is sent is what lets promgate refuse an
 * over-limit query with a clean 4xx, size a SAMPLES answer exactly, sort streamed series by
 * label, and predict where InfluxDB's order differs (the counts arrive in the order the samples
 * will). Memory: one entry per series (labels and stored tags), bounded by
 * {@code remote_read.max_series_per_query}.
 */
final class QueryIndex {
  /** Above this many names a measurement list is not worth spelling out in a FROM clause. */
  static final int MAX_LISTED_MEASUREMENTS = 1000;

  final ReadQuery query;
  final InfluxQuery influxQuery;
  /** The path that built this index, which reads its samples in the second phase. */
  ReadPath path;
  /** In InfluxDB's order. */
  final List<SeriesEntry> entries = new ArrayList<>();
  final Map<Labels, SeriesEntry> byLabels = new HashMap<>();
  /** In label order, after {@link #seal}. */
  SeriesEntry[] sorted = new SeriesEntry[0];
  long totalSamples;
  /**
   * InfluxQL path: no series has a {@code value_bits} point in the range (counted in phase 1), so
   * phase 2 selects {@code value} alone; InfluxDB then reads one field cursor per series instead of
   * merging two.
   */
  boolean valueOnly;
  private String from;

  QueryIndex(ReadQuery query, InfluxQuery influxQuery) {
    this.query = query;
    this.influxQuery = influxQuery;
  }

  /** The FROM clause for the samples: exactly the measurements that have matching series. */
  String from() {
    return from;
  }

  void seal() {
    sorted = entries.toArray(new SeriesEntry[0]);
    Arrays.sort(sorted, (a, b) -> a.labels.compareTo(b.labels));
    for (int i = 0; i < sorted.length; i++) {
      sorted[i].rank = i;
    }
    TreeSet<String> names = new TreeSet<>();
    for (SeriesEntry e : entries) {
      names.add(e.measurement);
    }
    from = names.size() <= MAX_LISTED_MEASUREMENTS ? InfluxQuery.fromList(names) : influxQuery.from();
  }

  /**
   * The labels InfluxDB's series stands for: tags decoded ({@link TagValues}), absent ("") tags
   * left out, the metric name taken from the measurement — for data from promgate and from
   * InfluxDB's own {@code /api/v1/prom/write} it equals the {@code __name__} tag, and series
   * written by other tools without that tag still get a name.
   */
  static Labels storedLabels(String measurement, String[] keys, String[] values, int n, Labels.Builder b) {
    b.clear();
    for (int i = 0; i < n; i++) {
      if (!values[i].isEmpty() && !keys[i].equals(Labels.METRIC_NAME)) {
        b.set(TagValues.decodeKey(keys[i]), TagValues.decode(values[i]));
      }
    }
    b.set(Labels.METRIC_NAME, measurement);
    return b.build();
  }

  /** Prometheus's {@code MergeLabels}: the series' own labels win over external labels. */
  static Labels withExternal(Labels stored, Map<String, String> external) {
    if (external.isEmpty()) {
      return stored;
    }
    Labels.Builder b = stored.toBuilder();
    external.forEach((name, value) -> {
      if (!stored.has(name)) {
        b.set(name, value);
      }
    });
    return b.build();
  }

  /** Builds the index from the answer to {@link InfluxQuery#count}. */
  static final class Collector implements ChunkedQueryReader.Handler {
    private final QueryIndex index;
    private final RemoteReadConfig limits;
    private final Map<String, String> external;
    private final Labels.Builder builder = new Labels.Builder();
    private SeriesEntry current;

    Collector(QueryIndex index, RemoteReadConfig limits, Map<String, String> external) {
      this.index = index;
      this.limits = limits;
      this.external = external;
    }

    @Override
    public void series(String measurement, String[] keys, String[] values, int n, String[] columns, int columnCount) {
      Labels stored = storedLabels(measurement, keys, values, n, builder);
      current = null;
      for (Matcher m : index.query.matchers()) {
        if (!m.matches(stored)) {
          return;
        }
      }
      Labels labels = withExternal(stored, external);
      SeriesEntry e = index.byLabels.get(labels);
      if (e == null) {
        if (index.entries.size() == limits.maxSeriesPerQuery()) {
          throw new InvalidReadException(
              Reason.TOO_MANY_SERIES,
              "query " + index.query.index() + " selects more than " + limits.maxSeriesPerQuery()
                  + " series (remote_read.max_series_per_query)");
        }
        e = new SeriesEntry(measurement, storedTags(keys, values, n), labels);
        e.arrival = index.entries.size();
        index.entries.add(e);
        index.byLabels.put(labels, e);
      }
      current = e;
    }

    @Override
    public void row(ChunkedQueryReader.Row row) {
      if (current == null) {
        return;
      }
      long n = 0;
      for (int i = 1; i < row.size(); i++) {
        if (row.kind(i) == ChunkedQueryReader.Row.INTEGER) {
          n += row.longValue(i);
        }
      }
      current.samples += n;
      index.totalSamples += n;
      if (index.totalSamples > limits.maxSamplesPerQuery()) {
        throw new InvalidReadException(
            Reason.TOO_MANY_SAMPLES,
            "query " + index.query.index() + " selects more than " + limits.maxSamplesPerQuery()
                + " samples (remote_read.max_samples_per_query)");
      }
    }

    /** Drops series that have no sample in the range (InfluxDB omits them anyway). */
    void finish() {
      index.entries.removeIf(e -> {
        if (e.samples == 0) {
          index.byLabels.remove(e.labels);
          return true;
        }
        return false;
      });
      for (int i = 0; i < index.entries.size(); i++) {
        index.entries.get(i).arrival = i;
      }
      index.seal();
    }

    static String[] storedTags(String[] keys, String[] values, int n) {
      int k = 0;
      for (int i = 0; i < n; i++) {
        if (!values[i].isEmpty()) {
          k++;
        }
      }
      String[] out = new String[2 * k];
      int j = 0;
      for (int i = 0; i < n; i++) {
        if (!values[i].isEmpty()) {
          out[j++] = keys[i];
          out[j++] = values[i];
        }
      }
      return out;
    }
  }
}
