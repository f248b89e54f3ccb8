package io.promgate.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.influx.InfluxQuery;
import io.promgate.model.Labels;
import io.promgate.prompb.Remote;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xerial.snappy.Snappy;

/** The SAMPLES and STREAMED_XOR_CHUNKS encoders, decoded with generated classes and {@link StreamedChunks}. */
class EncodersTest {
  static final class Sink extends ByteArrayOutputStream implements ByteSink {}

  static SeriesEntry entry(long samples, String... labels) {
    SeriesEntry e = new SeriesEntry(Labels.of(labels).metricName(), new String[0], Labels.of(labels));
    e.samples = samples;
    return e;
  }

  // ---- snappy block written as it is produced

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 65535, 65536, 65537, 3 * 65536 + 17})
  void snappyStream_anyLength_decodesWithTheReferenceDecoder(int n) throws Exception {
    byte[] data = new byte[n];
    SplittableRandom r = new SplittableRandom(n);
    for (int i = 0; i < n; i++) {
      data[i] = (byte) (r.nextInt(8) == 0 ? r.nextInt() : i / 97); // compressible, with noise
    }
    Sink sink = new Sink();
    SnappyStreamWriter w = new SnappyStreamWriter(sink, n);
    for (int off = 0; off < n; ) {
      int len = Math.min(n - off, 1 + r.nextInt(20_000));
      w.write(data, off, len);
      off += len;
    }
    w.finish();
    byte[] compressed = sink.toByteArray();
    assertArrayEquals(data, Snappy.uncompress(compressed));
    if (n > 1000) {
      assertTrue(compressed.length < n, "compressed " + compressed.length + " of " + n);
    }
  }

  @Test
  void snappyStream_shorterThanDeclared_refusesToFinish() {
    SnappyStreamWriter w = new SnappyStreamWriter(new Sink(), 10);
    w.write(new byte[9], 0, 9);
    assertThrows(IllegalStateException.class, w::finish);
  }

  @Test
  void snappyStream_longerThanDeclared_refused() {
    SnappyStreamWriter w = new SnappyStreamWriter(new Sink(), 10);
    assertThrows(IllegalStateException.class, () -> w.write(new byte[11], 0, 11));
  }

  // ---- SAMPLES

  static Remote.ReadResponse samples(List<SamplesEncoder.Plan> plans, long[][][] data) throws Exception {
    Sink sink = new Sink();
    SamplesEncoder enc = new SamplesEncoder(sink, plans);
    for (int q = 0; q < plans.size(); q++) {
      enc.beginQuery(q);
      List<SeriesEntry> series = plans.get(q).series();
      for (int s = 0; s < series.size(); s++) {
        enc.beginSeries(series.get(s));
        for (long[] sample : data[q][s] == null ? new long[0][] : new long[][] {}) {
          enc.sample(sample[0], sample[1]);
        }
        long[] flat = data[q][s];
        for (int i = 0; flat != null && i < flat.length; i += 2) {
          enc.sample(flat[i], flat[i + 1]);
        }
        enc.endSeries();
      }
      enc.endQuery();
    }
    enc.finish();
    byte[] body = sink.toByteArray();
    return Remote.ReadResponse.parseFrom(Snappy.uncompress(body));
  }

  @Test
  void samples_exactCounts_decodeToTheSamplesWithExactBits() throws Exception {
    long stale = 0x7ff0000000000002L;
    SeriesEntry a = entry(3, "__name__", "up", "job", "a");
    SeriesEntry b = entry(1, "__name__", "up", "job", "ü ✓ 𝄞");
    List<SamplesEncoder.Plan> plans = List.of(
        new SamplesEncoder.Plan(List.of(a, b), SamplesEncoder.timestampWidth(0, 1_700_000_100_000L)),
        new SamplesEncoder.Plan(List.of(), 1));
    long[][][] data = {{
      {1_700_000_000_000L, Double.doubleToRawLongBits(1.5), 1_700_000_015_000L, stale, 1_700_000_030_000L,
       Double.doubleToRawLongBits(-0.0)},
      {1_700_000_000_000L, Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY)}
    }, {}};
    Remote.ReadResponse r = samples(plans, data);
    assertEquals(2, r.getResultsCount());
    assertEquals(0, r.getResults(1).getTimeseriesCount());
    Remote.QueryResult q = r.getResults(0);
    assertEquals(2, q.getTimeseriesCount());
    assertEquals("{__name__=\"up\", job=\"a\"}", StreamedChunks.labels(q.getTimeseries(0).getLabelsList()));
    assertEquals("{__name__=\"up\", job=\"ü ✓ 𝄞\"}", StreamedChunks.labels(q.getTimeseries(1).getLabelsList()));
    List<Remote.Sample> s = q.getTimeseries(0).getSamplesList();
    assertEquals(3, s.size());
    assertEquals(1_700_000_015_000L, s.get(1).getTimestamp());
    assertEquals(stale, Double.doubleToRawLongBits(s.get(1).getValue()));
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(s.get(2).getValue()));
    assertEquals(Double.NEGATIVE_INFINITY, q.getTimeseries(1).getSamples(0).getValue());
    assertTrue(q.getTimeseries(0).getUnknownFields().asMap().isEmpty());
  }

  @Test
  void samples_fewerThanCounted_reservedBytesBecomeAnUnknownField() throws Exception {
    SeriesEntry a = entry(5, "__name__", "m");
    SeriesEntry b = entry(2, "__name__", "n");
    List<SamplesEncoder.Plan> plans = List.of(new SamplesEncoder.Plan(List.of(a, b), 6));
    long[][][] data = {{{1_700_000_000_000L, 1L}, null}};
    Remote.ReadResponse r = samples(plans, data);
    Remote.TimeSeries ts = r.getResults(0).getTimeseries(0);
    assertEquals(1, ts.getSamplesCount());
    assertEquals(1, ts.getUnknownFields().asMap().size());
    assertTrue(ts.getUnknownFields().hasField(SamplesEncoder.PADDING_FIELD));
    assertEquals(0, r.getResults(0).getTimeseries(1).getSamplesCount());
  }

  @Test
  void samples_thousandsOfSamplesWithAShortSeriesBetween_decodeInOrder() throws Exception {
    // More samples than one 8 KiB batch, and the padding of a short series in the middle: the
    // batched samples must reach the snappy writer before the next series' or padding's bytes.
    SeriesEntry a = entry(1000, "__name__", "a");
    SeriesEntry b = entry(1000, "__name__", "b");
    SeriesEntry c = entry(1000, "__name__", "c");
    long[][][] data = new long[1][3][];
    int[] delivered = {1000, 990, 1000};
    for (int s = 0; s < 3; s++) {
      data[0][s] = new long[2 * delivered[s]];
      for (int i = 0; i < delivered[s]; i++) {
        data[0][s][2 * i] = 1_700_000_000_000L + 15_000L * i + s;
        data[0][s][2 * i + 1] = Double.doubleToRawLongBits(s * 1e6 + i * 0.25);
      }
    }
    Remote.ReadResponse r = samples(List.of(new SamplesEncoder.Plan(List.of(a, b, c), 6)), data);
    for (int s = 0; s < 3; s++) {
      Remote.TimeSeries ts = r.getResults(0).getTimeseries(s);
      assertEquals(delivered[s], ts.getSamplesCount(), "series " + s);
      for (int i = 0; i < delivered[s]; i++) {
        assertEquals(data[0][s][2 * i], ts.getSamples(i).getTimestamp());
        assertEquals(data[0][s][2 * i + 1], Double.doubleToRawLongBits(ts.getSamples(i).getValue()));
      }
    }
    assertTrue(r.getResults(0).getTimeseries(1).getUnknownFields().hasField(SamplesEncoder.PADDING_FIELD));
  }

  @Test
  void varintSize_atEveryBitLength_isTheEncodedLength() {
    byte[] b = new byte[10];
    for (int bits = 0; bits <= 64; bits++) {
      long top = bits == 64 ? -1L : (1L << bits) - 1;
      for (long v : new long[] {top, top + 1, top >>> 1}) {
        assertEquals(Proto.putVarint(b, 0, v), Proto.varintSize(v), "v=" + Long.toUnsignedString(v));
      }
    }
  }

  @Test
  void samples_moreThanCounted_extraLeftOut() throws Exception {
    Sink sink = new Sink();
    SeriesEntry a = entry(1, "__name__", "m");
    SamplesEncoder enc = new SamplesEncoder(sink, List.of(new SamplesEncoder.Plan(List.of(a), 6)));
    enc.beginQuery(0);
    enc.beginSeries(a);
    enc.sample(1_700_000_000_000L, 1);
    enc.sample(1_700_000_000_001L, 2);
    enc.endSeries();
    enc.endQuery();
    enc.finish();
    assertEquals(1, enc.dropped());
    Remote.ReadResponse r = Remote.ReadResponse.parseFrom(Snappy.uncompress(sink.toByteArray()));
    assertEquals(1, r.getResults(0).getTimeseries(0).getSamplesCount());
  }

  @Test
  void samples_paddedTimestamps_parseToTheirValues() throws Exception {
    SeriesEntry a = entry(4, "__name__", "m");
    // width 10 (a negative start): every timestamp field takes 11 bytes, small and negative ones too
    long[][][] data = {{{0, 1, 1, 2, -1, 3, InfluxQuery.MAX_MS, 4}}};
    Remote.ReadResponse r = samples(List.of(new SamplesEncoder.Plan(List.of(a), SamplesEncoder.timestampWidth(-5, 10))), data);
    List<Long> ts = new ArrayList<>();
    r.getResults(0).getTimeseries(0).getSamplesList().forEach(s -> ts.add(s.getTimestamp()));
    assertEquals(List.of(0L, 1L, -1L, InfluxQuery.MAX_MS), ts);
  }

  @Test
  void putTimestamp_everyNaturalLengthAtEveryWidth_takesExactlyItsSlotAndParsesBack() throws Exception {
    long[] values = {0, 1, 127, 128, 1L << 35, 1_700_000_000_000L, 9_223_372_036_854L, -1, Long.MIN_VALUE};
    for (int width = 1; width <= 10; width++) {
      for (long t : values) {
        if (Proto.varintSize(t) > width) {
          continue;
        }
        byte[] b = new byte[32];
        int end = SamplesEncoder.putTimestamp(b, 0, t, width);
        assertEquals(1 + width, end, "t=" + t + " width=" + width);
        // Sample{timestamp=2}: the generated (Java) parser must read the value back
        assertEquals(t, Remote.Sample.parseFrom(Arrays.copyOf(b, end)).getTimestamp(), "t=" + t + " width=" + width);
      }
    }
  }

  @Test
  void utf8Length_matchesTheEncoder() {
    for (String s : new String[] {"", "abc", "ü", "✓", "𝄞", "a\uD800b", "\uDC00", "\uFFFF\uE000"}) {
      assertEquals(s.getBytes(StandardCharsets.UTF_8).length, Proto.utf8Length(s), s);
    }
  }

  @Test
  void putUtf8_matchesGetBytes() {
    for (String s : new String[] {"", "abc", "ü", "\u07ff\u0800", "✓", "𝄞", "a\uD800b", "\uDC00", "\uFFFF\uE000", "x\uDBFF\uDFFF"}) {
      byte[] b = new byte[4 * s.length() + 2];
      int end = Proto.putUtf8(b, 1, s);
      assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(b, 1, end), s);
    }
  }

  @Test
  void putLabels_multiByteAndLongValues_sameBytesAsTheGeneratedEncoder() {
    Labels l = Labels.of("__name__", "up", "a", "ü ✓ 𝄞", "b", "x".repeat(200), "z", "\u07ff\u0800\uffff");
    byte[] b = new byte[Proto.labelsSize(1, l) + 3];
    int end = Proto.putLabels(b, 2, 1, l);
    assertEquals(2 + Proto.labelsSize(1, l), end);
    Remote.TimeSeries.Builder ts = Remote.TimeSeries.newBuilder();
    for (int i = 0; i < l.size(); i++) {
      ts.addLabels(Remote.Label.newBuilder().setName(l.name(i)).setValue(l.value(i)));
    }
    // TimeSeries{labels=1} with no samples is exactly the repeated field
    assertArrayEquals(ts.build().toByteArray(), Arrays.copyOfRange(b, 2, end));
  }

  @Test
  void putLabels_loneSurrogate_becomesAQuestionMarkAsInGetBytes() throws Exception {
    Labels l = Labels.of("a", "x\uD800y");
    byte[] b = new byte[Proto.labelsSize(1, l)];
    assertEquals(b.length, Proto.putLabels(b, 0, 1, l));
    assertEquals("x?y", Remote.TimeSeries.parseFrom(b).getLabels(0).getValue());
  }

  // ---- STREAMED_XOR_CHUNKS

  static byte[] chunked(int maxBytesInFrame, int queryIndex, SeriesEntry e, long[] ts, long[] bits) {
    Sink sink = new Sink();
    ChunkedEncoder enc = new ChunkedEncoder(sink, maxBytesInFrame);
    enc.beginQuery(queryIndex);
    enc.beginSeries(e);
    for (int i = 0; i < ts.length; i++) {
      enc.sample(ts[i], bits[i]);
    }
    enc.endSeries();
    enc.endQuery();
    enc.finish();
    return sink.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 119, 120, 121, 240, 241, 1000})
  void chunked_chunkBoundaries_atMost120SamplesPerChunk(int n) {
    long[] ts = new long[n];
    long[] bits = new long[n];
    for (int i = 0; i < n; i++) {
      ts[i] = 1_700_000_000_000L + 15_000L * i;
      bits[i] = Double.doubleToRawLongBits(i % 7 == 0 ? Double.NaN : i * 0.5);
    }
    byte[] body = chunked(1 << 20, 3, entry(n, "__name__", "m", "a", "b"), ts, bits);
    List<StreamedChunks.Frame> frames = StreamedChunks.frames(body);
    if (n == 0) {
      assertEquals(0, body.length);
      return;
    }
    assertEquals(1, frames.size());
    assertEquals(3, frames.get(0).queryIndex());
    assertEquals((n + 119) / 120, frames.get(0).chunks().size());
    List<StreamedChunks.Sample> got = StreamedChunks.decode(body).get(3).get("{__name__=\"m\", a=\"b\"}");
    assertEquals(n, got.size());
    for (int i = 0; i < n; i++) {
      assertEquals(new StreamedChunks.Sample(ts[i], bits[i]), got.get(i));
    }
  }

  @Test
  void chunked_seriesOverTheFrameBudget_continuesInFurtherFramesOfAbout1MiB() {
    int n = 200_000;
    long[] ts = new long[n];
    long[] bits = new long[n];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < n; i++) {
      ts[i] = 1_000L * i;
      bits[i] = r.nextLong(); // incompressible: ~2.2 KiB per chunk
    }
    int max = 64 * 1024;
    byte[] body = chunked(max, 0, entry(n, "__name__", "big"), ts, bits);
    List<StreamedChunks.Frame> frames = StreamedChunks.frames(body);
    assertTrue(frames.size() > 10, frames.size() + " frames");
    for (int i = 0; i < frames.size() - 1; i++) {
      int size = frames.get(i).messageBytes();
      assertTrue(size >= max - 200 && size <= max + 3 * 1024, "frame " + i + " is " + size + " bytes");
    }
    List<StreamedChunks.Sample> got = StreamedChunks.decode(body).get(0).get("{__name__=\"big\"}");
    assertEquals(n, got.size());
    assertEquals(new StreamedChunks.Sample(ts[n - 1], bits[n - 1]), got.get(n - 1));
  }

  @Test
  void chunked_queryIndexZero_isLeftOutLikeProto3Does() {
    byte[] body = chunked(1 << 20, 0, entry(1, "__name__", "m"), new long[] {0}, new long[] {0});
    StreamedChunks.Frame f = StreamedChunks.frames(body).get(0);
    assertEquals(0, f.queryIndex());
    // Chunk{min 0, max 0 omitted; type XOR; data}: the zero times are absent on the wire too
    assertEquals(0, f.chunks().get(0).getMinTimeMs());
  }
}
