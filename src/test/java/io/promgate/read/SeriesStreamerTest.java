package io.promgate.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promgate.influx.ChunkedQueryReader;
import io.promgate.influx.InfluxQuery;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import io.promgate.read.ReadRequestDecoder.ReadQuery;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ordering and planning of the second phase, on simulated InfluxDB answers. */
class SeriesStreamerTest {
  /** Records what an encoder is asked to write. */
  static final class Recorder implements ResultEncoder {
    final List<String> out = new ArrayList<>();

    @Override
    public void beginQuery(int index) {}

    @Override
    public void beginSeries(SeriesEntry series) {
      out.add(series.labels.get("s"));
    }

    @Override
    public void sample(long t, long bits) {
      out.set(out.size() - 1, out.get(out.size() - 1) + " " + t);
    }

    @Override
    public void endSeries() {}

    @Override
    public void endQuery() {}

    @Override
    public void finish() {}
  }

  /** An index whose series {@code s=<name>} arrive in the given order, with {@code counts} samples. */
  static QueryIndex index(String[] arrival, long[] counts) {
    ReadQuery q = new ReadQuery(0, 0, 100, List.of(Matcher.of(Matcher.Type.EQ, "__name__", "m")));
    QueryIndex idx = new QueryIndex(q, InfluxQuery.of(q.matchers(), 0, 100));
    for (int i = 0; i < arrival.length; i++) {
      Labels l = QueryIndex.storedLabels("m", new String[] {"s"}, new String[] {arrival[i]}, 1, new Labels.Builder());
      SeriesEntry e = new SeriesEntry("m", new String[] {"s", arrival[i]}, l);
      e.samples = counts[i];
      e.arrival = i;
      idx.entries.add(e);
      idx.byLabels.put(l, e);
    }
    idx.seal();
    return idx;
  }

  /** Feeds series {@code name} with {@code n} samples at times 1..n, as InfluxDB would. */
  static void send(SeriesStreamer s, String name, int n) {
    s.series("m", new String[] {"__name__", "s"}, new String[] {"m", name}, 2, new String[] {"time", "value"}, 2);
    ChunkedQueryReader reader = new ChunkedQueryReader(s);
    StringBuilder json = new StringBuilder("{\"results\":[{\"series\":[{\"name\":\"m\",\"tags\":{\"s\":\"" + name
        + "\"},\"columns\":[\"time\",\"value\"],\"values\":[");
    for (int i = 1; i <= n; i++) {
      json.append(i > 1 ? "," : "").append('[').append(i).append(",1.5]");
    }
    byte[] b = json.append("]}]}]}").toString().getBytes(StandardCharsets.UTF_8);
    reader.feed(b, 0, b.length);
    reader.end();
  }

  @Test
  void inLabelOrder_arrivingInOrder_nothingBuffered() {
    QueryIndex idx = index(new String[] {"a", "b", "c"}, new long[] {2, 1, 2});
    Recorder r = new Recorder();
    SeriesStreamer s = SeriesStreamer.inLabelOrder(idx, r, Map.of(), 0, 0, 3, 10);
    send(s, "a", 2);
    send(s, "b", 1);
    send(s, "c", 2);
    s.end();
    assertEquals(List.of("a 1 2", "b 1", "c 1 2"), r.out);
    assertEquals(0, s.buffered);
    assertEquals(0, ReadExecution.peakBuffered(idx));
  }

  @Test
  void inLabelOrder_arrivingReversed_heldBackUntilTheirTurn() {
    QueryIndex idx = index(new String[] {"c", "b", "a"}, new long[] {2, 1, 3});
    assertEquals(3, ReadExecution.peakBuffered(idx));
    Recorder r = new Recorder();
    SeriesStreamer s = SeriesStreamer.inLabelOrder(idx, r, Map.of(), 0, 0, 3, 10);
    send(s, "c", 2);
    send(s, "b", 1);
    send(s, "a", 3);
    s.end();
    assertEquals(List.of("a 1 2 3", "b 1", "c 1 2"), r.out);
    assertEquals(3, s.buffered);
  }

  @Test
  void inLabelOrder_countedSeriesNeverSent_skippedWithoutHoldingOthers() {
    QueryIndex idx = index(new String[] {"a", "b", "c"}, new long[] {1, 1, 1});
    Recorder r = new Recorder();
    SeriesStreamer s = SeriesStreamer.inLabelOrder(idx, r, Map.of(), 0, 0, 3, 0);
    send(s, "a", 1);
    send(s, "c", 1); // b deleted since it was counted: c still streams straight through
    s.end();
    assertEquals(List.of("a 1", "c 1"), r.out);
    assertEquals(0, s.buffered);
  }

  @Test
  void inLabelOrder_seriesComingAfterItWasGivenUp_failsTheRead() {
    QueryIndex idx = index(new String[] {"a", "b", "c"}, new long[] {1, 1, 1});
    SeriesStreamer s = SeriesStreamer.inLabelOrder(idx, new Recorder(), Map.of(), 0, 0, 3, 10);
    send(s, "a", 1);
    send(s, "c", 1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> send(s, "b", 1));
    assertEquals("InfluxDB sent series {__name__=\"m\", s=\"b\"} again or later than it counted it", e.getMessage());
  }

  @Test
  void inLabelOrder_bufferOverItsCap_failsTheRead() {
    QueryIndex idx = index(new String[] {"b", "a"}, new long[] {5, 1});
    SeriesStreamer s = SeriesStreamer.inLabelOrder(idx, new Recorder(), Map.of(), 0, 0, 2, 3);
    assertThrows(IllegalStateException.class, () -> send(s, "b", 5));
  }

  @Test
  void asTheyCome_unsentSeriesStillWrittenEmpty() {
    QueryIndex idx = index(new String[] {"c", "a", "b"}, new long[] {1, 1, 1});
    Recorder r = new Recorder();
    SeriesStreamer s = SeriesStreamer.asTheyCome(idx, r, Map.of());
    send(s, "c", 1);
    send(s, "b", 1);
    s.end();
    assertEquals(List.of("c 1", "b 1", "a"), r.out);
  }

  @Test
  void plan_peakWithinTheBuffer_oneGroup() {
    QueryIndex idx = index(new String[] {"b", "a", "c"}, new long[] {100, 5, 7});
    assertEquals(100, ReadExecution.peakBuffered(idx));
    List<int[]> groups = ReadExecution.plan(idx, 100);
    assertEquals(1, groups.size());
  }

  @Test
  void plan_peakOverTheBuffer_runsOfSeriesFittingIt() {
    // label order a..e; InfluxDB sends them reversed: everything but the last waits
    QueryIndex idx = index(new String[] {"e", "d", "c", "b", "a"}, new long[] {40, 40, 500, 40, 40});
    List<int[]> groups = ReadExecution.plan(idx, 100);
    List<String> spans = new ArrayList<>();
    for (int[] g : groups) {
      spans.add(g[0] + "-" + g[1]);
    }
    // a+b = 80 fit; c alone (larger than the buffer, never buffered alone); d+e
    assertEquals(List.of("0-2", "2-3", "3-5"), spans);
    assertEquals(List.of(0, 0, 1, 2, 2), List.of(idx.sorted[0].group, idx.sorted[1].group, idx.sorted[2].group,
        idx.sorted[3].group, idx.sorted[4].group));
  }
}
