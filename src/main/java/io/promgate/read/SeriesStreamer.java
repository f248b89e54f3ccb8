package io.promgate.read;

import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.ChunkedQueryReader.Row;
import io.promgate.model.Labels;
import java.util.Arrays;
import java.util.Map;

/**
 * The second phase: turns InfluxDB's rows into samples for a {@link ResultEncoder}, series by
 * series, in one of two orders.
 *
 * <p><b>As they come</b> (SAMPLES, whose clients sort for themselves): each series is encoded
 * while it streams; series counted in the first phase that never show up are still written, empty,
 * because their bytes were reserved.
 *
 * <p><b>Label order</b> (STREAMED_XOR_CHUNKS, SPEC §3). InfluxDB sends a measurement's series
 * ordered by their tag values with absent tags as "", and stored (possibly encoded) values; Prometheus
 * orders by label name and value of the labels present. The two agree for series with the same
 * label names and plain values, and differ otherwise. The series due next in label order streams
 * straight through; one that arrives early is held in a buffer until its turn. The first phase
 * counted the series in the order InfluxDB will send them, so the planner ({@link ReadExecution})
 * knows the largest buffer this needs before asking, and splits the query into groups of series
 * when it would exceed {@code remote_read.sort_buffer_samples}; the buffer here is only a check
 * that the prediction held. A series predicted before the one arriving and not yet seen is taken
 * as gone (deleted since it was counted), so it cannot hold back the others; should it come after
 * all, or should a series come back after it ended, InfluxDB broke the order the plan relies on
 * and the read fails (the response is cut off) rather than return a silently incomplete answer.
 */
final class SeriesStreamer implements ChunkedQueryReader.Handler {
  private static final byte PENDING = 0;
  private static final byte COMPLETE = 1;
  private static final byte DONE = 2;
  private static final byte GONE = 3;

  private final QueryIndex index;
  private final ResultEncoder encoder;
  private final Map<String, String> external;
  private final Labels.Builder builder = new Labels.Builder();
  private final boolean sorted;
  private final int group;
  private final long bufferLimit;

  // Both orders
  private SeriesEntry target;
  private int timeColumn;
  private int valueColumn;
  private int bitsColumn;
  long samples;
  long series;
  long buffered;

  // As they come
  private SeriesEntry current;
  private boolean[] emitted;

  // Label order: the group's series by rank (first..first+n) and by predicted arrival
  private SeriesEntry[] byRank;
  private SeriesEntry[] byArrival;
  private int[] arrivalOf;
  private byte[] state;
  private SampleBuffer[] buffers;
  private int first;
  private int next;
  private int arrivalCursor;
  private SeriesEntry direct;
  private SeriesEntry buffering;
  private long bufferedNow;

  private SeriesStreamer(QueryIndex index, ResultEncoder encoder, Map<String, String> external, boolean sorted,
      int group, long bufferLimit) {
    this.index = index;
    this.encoder = encoder;
    this.external = external;
    this.sorted = sorted;
    this.group = group;
    this.bufferLimit = bufferLimit;
  }

  /** Encodes the index's series in the order InfluxDB sends them. */
  static SeriesStreamer asTheyCome(QueryIndex index, ResultEncoder encoder, Map<String, String> external) {
    SeriesStreamer s = new SeriesStreamer(index, encoder, external, false, 0, 0);
    s.emitted = new boolean[index.entries.size()];
    return s;
  }

  /**
   * Encodes the series of ranks {@code [from, to)} (one group) in label order, holding at most
   * {@code bufferLimit} samples of early series.
   */
  static SeriesStreamer inLabelOrder(
      QueryIndex index, ResultEncoder encoder, Map<String, String> external, int group, int from, int to, long bufferLimit) {
    SeriesStreamer s = new SeriesStreamer(index, encoder, external, true, group, bufferLimit);
    int n = to - from;
    s.first = from;
    s.byRank = Arrays.copyOfRange(index.sorted, from, to);
    s.byArrival = s.byRank.clone();
    Arrays.sort(s.byArrival, (a, b) -> Integer.compare(a.arrival, b.arrival));
    s.arrivalOf = new int[n];
    for (int i = 0; i < n; i++) {
      s.arrivalOf[s.byArrival[i].rank - from] = i;
    }
    s.state = new byte[n];
    s.buffers = new SampleBuffer[n];
    return s;
  }

  @Override
  public void series(String measurement, String[] keys, String[] values, int n, String[] columns, int columnCount) {
    timeColumn = valueColumn = bitsColumn = -1;
    for (int i = 0; i < columnCount; i++) {
      switch (columns[i]) {
        case "time" -> timeColumn = i;
        case "value" -> valueColumn = i;
        case "value_bits" -> bitsColumn = i;
        default -> {}
      }
    }
    Labels labels = QueryIndex.withExternal(QueryIndex.storedLabels(measurement, keys, values, n, builder), external);
    SeriesEntry e = index.byLabels.get(labels);
    if (e == null || e.group != group || timeColumn < 0) {
      target = null; // not selected (a push-down superset), or another group's
      return;
    }
    if (sorted) {
      arriveSorted(e);
    } else {
      arriveAsTheyCome(e);
    }
  }

  @Override
  public void row(Row row) {
    if (target == null || row.kind(timeColumn) != Row.INTEGER) {
      return;
    }
    long bits;
    if (bitsColumn >= 0 && row.kind(bitsColumn) == Row.INTEGER) {
      bits = row.longValue(bitsColumn); // NaN, ±Inf, stale marker: the exact bits written
    } else if (valueColumn >= 0 && (row.kind(valueColumn) == Row.FLOAT || row.kind(valueColumn) == Row.INTEGER)) {
      bits = Double.doubleToRawLongBits(row.doubleValue(valueColumn));
    } else {
      return; // a point with neither field in a usable type
    }
    long t = row.longValue(timeColumn);
    SeriesEntry e = target;
    if (e.specials != null) {
      // Specials fetched apart (storage service): theirs go first where earlier, and win a tie,
      // as value_bits wins over value in a row that has both.
      while (e.specialNext < e.specialCount && e.specials[2 * e.specialNext] < t) {
        put(e.specials[2 * e.specialNext], e.specials[2 * e.specialNext + 1]);
        e.specialNext++;
      }
      if (e.specialNext < e.specialCount && e.specials[2 * e.specialNext] == t) {
        bits = e.specials[2 * e.specialNext + 1];
        e.specialNext++;
      }
    }
    put(t, bits);
  }

  /** One sample of the target series: to the encoder, or to its buffer while it waits its turn. */
  private void put(long t, long bits) {
    target.received++;
    target.lastTime = t;
    if (target == buffering) {
      if (bufferedNow >= bufferLimit) {
        throw new IllegalStateException(
            "InfluxDB sent series in another order than it counted them: sort buffer over remote_read.sort_buffer_samples");
      }
      buffers[target.rank - first].add(t, bits);
      bufferedNow++;
      buffered++;
    } else {
      encoder.sample(t, bits);
    }
    samples++;
  }

  /**
   * The series being read if it has delivered fewer samples than the first phase counted and has
   * not been read on to its end yet; else null. InfluxDB 1.6.7's storage service can stop a
   * series early at a multiple of 1,000 points (its array cursors; InfluxQL is not affected), so
   * before the next series the caller reads this one on from its last sample.
   */
  SeriesEntry shortTarget() {
    SeriesEntry e = target;
    if (e == null || e.complete) {
      return null;
    }
    long expected = e.samples; // value and value_bits points (a point with both counts twice)
    return e.received < expected ? e : null;
  }

  /** The read on from the last sample of {@link #shortTarget()} added nothing: it is complete. */
  void noMore(SeriesEntry e) {
    e.complete = true;
  }

  /** The target series ended: its specials after its last value follow. */
  private void restOfSpecials(SeriesEntry e) {
    if (e != null && e == target && e.specials != null) {
      while (e.specialNext < e.specialCount) {
        put(e.specials[2 * e.specialNext], e.specials[2 * e.specialNext + 1]);
        e.specialNext++;
      }
    }
  }

  /** A series that has only specials in the range: the value read never names it. */
  private static boolean onlySpecials(SeriesEntry e) {
    return e.specials != null && e.specialNext == 0;
  }

  /** The answer ended: completes the open series and everything still owed. */
  void end() {
    if (sorted) {
      closeSorted();
      for (int i = 0; i < state.length; i++) {
        if (state[i] == PENDING) {
          gone(i); // never came: deleted since it was counted, or only specials
        }
      }
      flushReady();
    } else {
      if (current != null) {
        restOfSpecials(current);
        encoder.endSeries();
        current = null;
      }
      // Counted but not sent: still written (empty unless it only has specials), because the
      // SAMPLES size reserved them.
      for (SeriesEntry e : index.entries) {
        if (!emitted[e.arrival]) {
          emitted[e.arrival] = true;
          encoder.beginSeries(e);
          if (onlySpecials(e)) {
            series++;
            for (int i = 0; i < e.specialCount; i++) {
              encoder.sample(e.specials[2 * i], e.specials[2 * i + 1]);
              samples++;
            }
            e.specialNext = e.specialCount;
          }
          encoder.endSeries();
        }
      }
    }
  }

  private void arriveAsTheyCome(SeriesEntry e) {
    if (e == current) {
      target = e; // the next document of the same series
      return;
    }
    if (current != null) {
      target = current;
      restOfSpecials(current);
      encoder.endSeries();
      current = null;
    }
    if (emitted[e.arrival]) {
      throw outOfOrder(e); // already written and closed: cannot be reopened
    }
    emitted[e.arrival] = true;
    encoder.beginSeries(e);
    series++;
    current = target = e;
  }

  private void arriveSorted(SeriesEntry e) {
    if (e == direct || e == buffering) {
      target = e;
      return;
    }
    closeSorted();
    int slot = e.rank - first;
    if (state[slot] != PENDING) {
      throw outOfOrder(e);
    }
    // Everything predicted to come before e and not seen is gone.
    int at = arrivalOf[slot];
    for (int a = arrivalCursor; a < at; a++) {
      int s = byArrival[a].rank - first;
      if (state[s] == PENDING) {
        gone(s);
      }
    }
    arrivalCursor = Math.max(arrivalCursor, at + 1);
    flushReady();
    if (slot == next) {
      direct = e;
      encoder.beginSeries(e);
      series++;
    } else {
      buffering = e;
      buffers[slot] = new SampleBuffer((int) Math.min(e.samples, Math.max(16, bufferLimit)));
    }
    target = e;
  }

  /**
   * A series predicted before the one arriving that did not come: gone, unless it has only
   * special samples (held already), which are then complete and wait their turn.
   */
  private void gone(int slot) {
    SeriesEntry e = byRank[slot];
    if (onlySpecials(e)) {
      SampleBuffer b = new SampleBuffer(e.specialCount);
      for (int i = 0; i < e.specialCount; i++) {
        b.add(e.specials[2 * i], e.specials[2 * i + 1]);
      }
      e.specialNext = e.specialCount;
      buffers[slot] = b;
      state[slot] = COMPLETE;
      bufferedNow += b.size; // released when it is written, as every buffered series
      samples += e.specialCount;
    } else {
      state[slot] = GONE;
    }
  }

  private void closeSorted() {
    if (direct != null) {
      target = direct;
      restOfSpecials(direct);
      encoder.endSeries();
      state[direct.rank - first] = DONE;
      direct = null;
    } else if (buffering != null) {
      target = buffering;
      restOfSpecials(buffering);
      state[buffering.rank - first] = COMPLETE;
      buffering = null;
    }
    flushReady();
  }

  /** Writes every series whose turn has come and that is complete, in label order. */
  private void flushReady() {
    while (next < state.length) {
      byte s = state[next];
      if (s == COMPLETE) {
        SampleBuffer b = buffers[next];
        encoder.beginSeries(byRank[next]);
        series++;
        for (int i = 0; i < b.size; i++) {
          encoder.sample(b.times[i], b.bits[i]);
        }
        encoder.endSeries();
        bufferedNow -= b.size;
        buffers[next] = null;
        state[next] = DONE;
      } else if (s == PENDING) {
        return;
      }
      next++;
    }
  }

  private static IllegalStateException outOfOrder(SeriesEntry e) {
    return new IllegalStateException("InfluxDB sent series " + e.labels + " again or later than it counted it");
  }

  /** An early series' samples, until its turn. */
  private static final class SampleBuffer {
    long[] times;
    long[] bits;
    int size;

    SampleBuffer(int capacity) {
      times = new long[Math.max(1, capacity)];
      bits = new long[times.length];
    }

    void add(long t, long v) {
      if (size == times.length) {
        times = Arrays.copyOf(times, size * 2);
        bits = Arrays.copyOf(bits, size * 2);
      }
      times[size] = t;
      bits[size++] = v;
    }
  }
}
