package io.promgate.read;

import com.google.protobuf.ByteString;
import io.promgate.model.Labels;
import io.promgate.prompb.Remote;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xerial.snappy.Snappy;

/**
 * Remote-read response encoding (SPEC §3), both response types, each against the naive way to do
 * it in the same run:
 *
 * <ul>
 *   <li>{@code samples}: {@link SamplesEncoder} (fixed-shape protobuf written while the samples
 *       arrive, snappy block in 64 KiB fragments) vs {@code samplesNaive}: protobuf-java's
 *       generated builders for {@code ReadResponse/QueryResult/TimeSeries/Sample}, {@code
 *       toByteArray}, snappy-java {@code compress} — what Prometheus itself does, in Java;
 *   <li>{@code chunked}: {@link ChunkedEncoder} + {@link XorChunk} (frames with CRC32C) vs {@code
 *       chunkedNaive}: {@link ReferenceXorChunk}'s {@code xor.go} steps over {@link Bstream}, a
 *       byte-oriented writer shaped like Prometheus's {@code bstream} (not the tests' bit-at-a-time
 *       writer, which would flatter promgate), and generated {@code Chunk/ChunkedSeries/
 *       ChunkedReadResponse} builders per frame;
 *   <li>{@code xorChunks} vs {@code xorChunksNaive}: the XOR chunks alone, no framing.
 * </ul>
 *
 * <p>Workload: one query answering 1,000 series × 240 samples (an hour at a 15 s step), 10 labels
 * per series, in Prometheus's label order: integral counters, fractional counters (CPU seconds),
 * 2-decimal gauges, near-constant gauges and full-precision quantiles, some with NaN runs; one
 * series in 50 has a staleness marker; one timestamp in 10 is a few ms off the step. Output goes
 * to a sink that copies every byte into a reused 64 KiB array, as {@link ResponseOutput} copies it
 * into its Vert.x buffer. {@link #setUp} checks that both sides of each pair produce the same
 * series and samples (raw value bits, so NaN payloads count) and, for the XOR pairs, the same
 * bytes, so each ratio compares equal work.
 *
 * <p>One op is one response of 240,000 samples: samples/s = ops/s × 240,000, bytes allocated per
 * sample = {@code gc.alloc.rate.norm} / 240,000.
 *
 * <pre>./mvnw -B -o -Pjmh test-compile exec:exec -Djmh.args="ReadEncodeBenchmark -prof gc -f 1 -wi 3 -i 5"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReadEncodeBenchmark {
  static final int SERIES = 1000;
  static final int SAMPLES_PER_SERIES = 240;
  static final long STEP_MS = 15_000;
  static final long STALE = 0x7ff0000000000002L;
  /** Prometheus's default {@code remote_read_max_bytes_in_frame} (1 MiB). */
  static final int MAX_BYTES_IN_FRAME = 1 << 20;

  private List<SeriesEntry> series; // in label order, as the chunked response needs
  private long[][] timestamps;
  private long[][] bits;
  private double[][] values; // the same values as doubles, what the naive SAMPLES side builds from
  private long startMs;
  private long endMs;
  private final CopySink sink = new CopySink();
  private final XorChunk xor = new XorChunk();

  /** Copies every byte into a reused 64 KiB array, as {@link ResponseOutput} does, and counts them. */
  static final class CopySink implements ByteSink {
    private final byte[] buffer = new byte[64 * 1024];
    private int used;
    long bytes;

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
      while (len > 0) {
        int n = Math.min(len, buffer.length - used);
        System.arraycopy(b, off, buffer, used, n);
        used += n;
        off += n;
        len -= n;
        if (used == buffer.length) {
          used = 0;
        }
      }
    }

    void reset() {
      used = 0;
      bytes = 0;
    }
  }

  /** Keeps everything, for the checks in {@link #setUp}. */
  static final class KeepSink extends ByteArrayOutputStream implements ByteSink {}

  @Setup
  public void setUp() throws IOException {
    generate();
    verifySamples();
    verifyChunked();
    verifyXorChunks();
  }

  // ---- SAMPLES

  @Benchmark
  public long samples() {
    sink.reset();
    encodeSamples(sink);
    return sink.bytes;
  }

  @Benchmark
  public long samplesNaive() throws IOException {
    sink.reset();
    naiveSamples(sink);
    return sink.bytes;
  }

  private void encodeSamples(ByteSink out) {
    List<SamplesEncoder.Plan> plans =
        List.of(new SamplesEncoder.Plan(series, SamplesEncoder.timestampWidth(startMs, endMs)));
    encode(new SamplesEncoder(out, plans));
  }

  private void naiveSamples(ByteSink out) throws IOException {
    Remote.QueryResult.Builder result = Remote.QueryResult.newBuilder();
    for (int s = 0; s < series.size(); s++) {
      Remote.TimeSeries.Builder ts = Remote.TimeSeries.newBuilder();
      Labels l = series.get(s).labels;
      for (int i = 0; i < l.size(); i++) {
        ts.addLabels(Remote.Label.newBuilder().setName(l.name(i)).setValue(l.value(i)));
      }
      long[] t = timestamps[s];
      double[] v = values[s];
      for (int i = 0; i < t.length; i++) {
        ts.addSamples(Remote.Sample.newBuilder().setTimestamp(t[i]).setValue(v[i]));
      }
      result.addTimeseries(ts);
    }
    byte[] pb = Remote.ReadResponse.newBuilder().addResults(result).build().toByteArray();
    byte[] body = Snappy.compress(pb);
    out.write(body, 0, body.length);
  }

  // ---- STREAMED_XOR_CHUNKS

  @Benchmark
  public long chunked() {
    sink.reset();
    encode(new ChunkedEncoder(sink, MAX_BYTES_IN_FRAME));
    return sink.bytes;
  }

  @Benchmark
  public long chunkedNaive() {
    sink.reset();
    naiveChunked(sink);
    return sink.bytes;
  }

  /**
   * Prometheus's {@code StreamChunkedReadResponses}, written plainly: per series the labels, then
   * chunks of at most 120 samples added to the frame until their sizes use up the frame budget
   * left after the labels; one frame = uvarint length, big-endian CRC32C, message.
   */
  private void naiveChunked(ByteSink out) {
    CRC32C crc = new CRC32C();
    for (int s = 0; s < series.size(); s++) {
      Labels l = series.get(s).labels;
      List<Remote.Label> labels = new ArrayList<>();
      long budget = MAX_BYTES_IN_FRAME;
      for (int i = 0; i < l.size(); i++) {
        Remote.Label label = Remote.Label.newBuilder().setName(l.name(i)).setValue(l.value(i)).build();
        labels.add(label);
        budget -= label.getSerializedSize();
      }
      long left = budget;
      List<Remote.Chunk> chunks = new ArrayList<>();
      long[] t = timestamps[s];
      long[] v = bits[s];
      ReferenceXorChunk chunk = new ReferenceXorChunk(new Bstream());
      for (int i = 0; i < t.length; i++) {
        chunk.append(t[i], v[i]);
        if (chunk.count == XorChunk.MAX_SAMPLES || i == t.length - 1) {
          Remote.Chunk c = Remote.Chunk.newBuilder()
              .setMinTimeMs(chunk.minTime)
              .setMaxTimeMs(chunk.t)
              .setType(Remote.Chunk.Encoding.XOR)
              .setData(ByteString.copyFrom(chunk.bytes()))
              .build();
          chunks.add(c);
          chunk = new ReferenceXorChunk(new Bstream());
          left -= c.getSerializedSize();
          if (left <= 0 || i == t.length - 1) {
            byte[] msg = Remote.ChunkedReadResponse.newBuilder()
                .addChunkedSeries(Remote.ChunkedSeries.newBuilder().addAllLabels(labels).addAllChunks(chunks))
                .setQueryIndex(0)
                .build()
                .toByteArray();
            crc.reset();
            crc.update(msg);
            int c32 = (int) crc.getValue();
            ByteArrayOutputStream head = new ByteArrayOutputStream(14);
            long len = msg.length;
            while (len >= 0x80) {
              head.write((int) (len & 0x7f) | 0x80);
              len >>>= 7;
            }
            head.write((int) len);
            head.write(c32 >>> 24);
            head.write(c32 >>> 16);
            head.write(c32 >>> 8);
            head.write(c32);
            out.write(head.toByteArray(), 0, head.size());
            out.write(msg, 0, msg.length);
            chunks.clear();
            left = budget;
          }
        }
      }
    }
  }

  // ---- XOR chunks alone

  @Benchmark
  public long xorChunks() {
    long n = 0;
    for (int s = 0; s < series.size(); s++) {
      long[] t = timestamps[s];
      long[] b = bits[s];
      xor.reset();
      for (int i = 0; i < t.length; i++) {
        if (xor.isFull()) {
          n += xor.length();
          xor.reset();
        }
        xor.append(t[i], b[i]);
      }
      n += xor.length();
    }
    return n;
  }

  @Benchmark
  public long xorChunksNaive() {
    long n = 0;
    for (int s = 0; s < series.size(); s++) {
      long[] t = timestamps[s];
      long[] v = bits[s];
      ReferenceXorChunk chunk = new ReferenceXorChunk(new Bstream());
      for (int i = 0; i < t.length; i++) {
        if (chunk.count == XorChunk.MAX_SAMPLES) {
          n += chunk.bytes().length;
          chunk = new ReferenceXorChunk(new Bstream());
        }
        chunk.append(t[i], v[i]);
      }
      n += chunk.bytes().length;
    }
    return n;
  }

  private void encode(ResultEncoder enc) {
    enc.beginQuery(0);
    for (int s = 0; s < series.size(); s++) {
      enc.beginSeries(series.get(s));
      long[] t = timestamps[s];
      long[] b = bits[s];
      for (int i = 0; i < t.length; i++) {
        enc.sample(t[i], b[i]);
      }
      enc.endSeries();
    }
    enc.endQuery();
    enc.finish();
  }

  // ---- the workload

  private void generate() {
    SplittableRandom rnd = new SplittableRandom(42);
    String[] metrics = {
      "http_requests_total", "process_cpu_seconds_total", "node_memory_MemAvailable_bytes", "up",
      "http_request_duration_seconds"
    };
    List<SeriesEntry> entries = new ArrayList<>(SERIES);
    for (int i = 0; i < SERIES; i++) {
      Labels labels = Labels.of(
          "__name__", metrics[i % metrics.length] + (i % 10 < 5 ? "" : "_" + (i % 7)),
          "cluster", "prod-eu-" + (i % 3),
          "code", String.valueOf(200 + (i % 5) * 100),
          "container", "app",
          "handler", "/api/v1/" + (i % 2 == 0 ? "query_range" : "series"),
          "instance", "10.0." + (i % 250) + "." + (i % 7) + ":9100",
          "job", "kubernetes-pods",
          "method", i % 2 == 0 ? "GET" : "POST",
          "namespace", "monitoring",
          "pod", "app-" + Integer.toHexString(i * 7919));
      SeriesEntry e = new SeriesEntry(labels.metricName(), new String[0], labels);
      e.samples = SAMPLES_PER_SERIES;
      entries.add(e);
    }
    entries.sort((a, b) -> a.labels.compareTo(b.labels));
    series = entries;
    startMs = 1_700_000_000_000L - 1_700_000_000_000L % STEP_MS;
    endMs = startMs + (SAMPLES_PER_SERIES + 1) * STEP_MS;
    timestamps = new long[SERIES][SAMPLES_PER_SERIES];
    bits = new long[SERIES][SAMPLES_PER_SERIES];
    values = new double[SERIES][SAMPLES_PER_SERIES];
    for (int s = 0; s < SERIES; s++) {
      long offset = rnd.nextLong(STEP_MS);
      double v = rnd.nextInt(1_000_000);
      boolean nanRuns = s % 50 == 9;
      for (int i = 0; i < SAMPLES_PER_SERIES; i++) {
        long jitter = rnd.nextInt(10) == 0 ? rnd.nextInt(-3, 4) : 0;
        timestamps[s][i] = startMs + offset + i * STEP_MS + jitter;
        v = switch (s % 10) {
          case 0, 1, 2, 3 -> v + rnd.nextInt(500); // integral counter
          case 4, 5 -> v + rnd.nextDouble() * 2; // fractional counter, e.g. CPU seconds
          case 6, 7 -> Math.round((v % 100_000 + rnd.nextInt(-50, 51) / 100.0) * 100) / 100.0; // 2-decimal gauge
          case 8 -> rnd.nextInt(20) == 0 ? rnd.nextInt(4) : (i == 0 ? 1 : v); // near-constant gauge
          default -> nanRuns && i / 30 % 2 == 1 ? Double.NaN : rnd.nextDouble() * 0.5; // quantile
        };
        bits[s][i] = Double.doubleToRawLongBits(v);
        if (s % 50 == 17 && i == 200) {
          bits[s][i] = STALE; // the target went away for a scrape
        }
        values[s][i] = Double.longBitsToDouble(bits[s][i]);
        if (Double.doubleToRawLongBits(values[s][i]) != bits[s][i]) {
          throw new IllegalStateException("this JVM does not keep NaN payloads through longBitsToDouble");
        }
      }
    }
  }

  // ---- equal work: both sides of each pair decode to the workload

  private void verifySamples() throws IOException {
    KeepSink ours = new KeepSink();
    encodeSamples(ours);
    KeepSink naive = new KeepSink();
    naiveSamples(naive);
    for (KeepSink body : List.of(ours, naive)) {
      String side = body == ours ? "promgate" : "naive";
      Remote.ReadResponse r = Remote.ReadResponse.parseFrom(Snappy.uncompress(body.toByteArray()));
      check(r.getResultsCount() == 1, side + ": " + r.getResultsCount() + " results");
      Remote.QueryResult q = r.getResults(0);
      check(q.getTimeseriesCount() == SERIES, side + ": " + q.getTimeseriesCount() + " series");
      for (int s = 0; s < SERIES; s++) {
        Remote.TimeSeries ts = q.getTimeseries(s);
        check(ts.getUnknownFields().asMap().isEmpty(), side + ": padding in series " + s);
        check(StreamedChunks.labels(ts.getLabelsList()).equals(series.get(s).labels.toString()),
            side + ": labels of series " + s);
        check(ts.getSamplesCount() == SAMPLES_PER_SERIES, side + ": samples of series " + s);
        for (int i = 0; i < SAMPLES_PER_SERIES; i++) {
          Remote.Sample x = ts.getSamples(i);
          check(x.getTimestamp() == timestamps[s][i] && Double.doubleToRawLongBits(x.getValue()) == bits[s][i],
              side + ": sample " + i + " of series " + s);
        }
      }
    }
  }

  private void verifyChunked() {
    KeepSink ours = new KeepSink();
    encode(new ChunkedEncoder(ours, MAX_BYTES_IN_FRAME));
    KeepSink naive = new KeepSink();
    naiveChunked(naive);
    check(Arrays.equals(ours.toByteArray(), naive.toByteArray()),
        "chunked: promgate's " + ours.size() + " bytes differ from the naive " + naive.size());
    Map<String, List<StreamedChunks.Sample>> decoded = StreamedChunks.decode(ours.toByteArray()).get(0);
    check(decoded.size() == SERIES, "chunked: " + decoded.size() + " series");
    for (int s = 0; s < SERIES; s++) {
      List<StreamedChunks.Sample> got = decoded.get(series.get(s).labels.toString());
      check(got != null && got.size() == SAMPLES_PER_SERIES, "chunked: samples of series " + s);
      for (int i = 0; i < SAMPLES_PER_SERIES; i++) {
        check(got.get(i).equals(new StreamedChunks.Sample(timestamps[s][i], bits[s][i])),
            "chunked: sample " + i + " of series " + s);
      }
    }
  }

  private void verifyXorChunks() {
    for (int s = 0; s < SERIES; s++) {
      for (int from = 0; from < SAMPLES_PER_SERIES; from += XorChunk.MAX_SAMPLES) {
        xor.reset();
        ReferenceXorChunk naive = new ReferenceXorChunk(new Bstream());
        ReferenceXorChunk reference = new ReferenceXorChunk();
        for (int i = from; i < Math.min(from + XorChunk.MAX_SAMPLES, SAMPLES_PER_SERIES); i++) {
          xor.append(timestamps[s][i], bits[s][i]);
          naive.append(timestamps[s][i], bits[s][i]);
          reference.append(timestamps[s][i], bits[s][i]);
        }
        byte[] ours = Arrays.copyOf(xor.bytes(), xor.length());
        check(Arrays.equals(ours, naive.bytes()), "xorChunks: chunk at " + from + " of series " + s);
        check(Arrays.equals(ours, reference.bytes()), "xorChunks: bstream baseline vs the bit-at-a-time reference");
      }
    }
    check(xorChunks() == xorChunksNaive(), "xorChunks: total length differs from the naive one");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("not equal work: " + what);
    }
  }
}
