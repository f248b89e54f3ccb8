package io.promgate.bench;

import io.promgate.influx.ChunkedQueryReader;
import io.promgate.prompb.Remote;
import io.promgate.read.StreamedChunks;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.xerial.snappy.Snappy;

/**
 * Load generator and client for the remote-read benchmark ({@code scripts/bench-read.sh}).
 *
 * <pre>
 * load URL SERIES SAMPLES_PER_SERIES START_MS STEP_MS SENDERS
 *     remote-writes SERIES series (10 metric names, node-exporter-like labels) of counter-like
 *     values, SAMPLES_PER_SERIES each, to URL (promgate's /api/v1/write); prints
 *     loaded SAMPLES SECONDS CHECKSUM
 * read NAME URL START_MS END_MS samples|chunks EXPECTED_SAMPLES EXPECTED_CHECKSUM [REPEATS=1]
 *     after one untimed warm-up read (the client's JVM and connection set up, so a small read
 *     times the servers, not the client's start), REPEATS times: sends one remote-read query {__name__=~"bench_metric_.*"} over [START_MS, END_MS] and takes
 *     the answer as it arrives into memory; the clock stops at its last byte. Only then is the
 *     answer walked: samples counted, XOR chunks decoded, and every (series, timestamp, value)
 *     folded into an order-independent checksum that must equal the loader's. Prints one
 *     tab-separated line, NAME samples series bytes seconds (the median of the repeats) min max,
 *     and exits 2 when any read's samples or checksum differ from what was written.
 * read NAME URL START_MS END_MS influxql EXPECTED_SAMPLES EXPECTED_CHECKSUM [REPEATS=1]
 *     the baseline for promgate's InfluxQL path: the same selection as one bare chunked InfluxQL
 *     query sent straight to InfluxDB (URL: its /query?db=...), {@code SELECT "value" FROM
 *     /^bench_metric_.*$/ WHERE time >= START AND time <= END GROUP BY *} with {@code epoch=ms},
 *     {@code chunk_size=10000} (promgate's default) and MessagePack; timed the same way (to the
 *     last byte, drained into memory), then parsed and checked against the loader's checksum.
 * </pre>
 *
 * The timed part does as little as possible (no parsing while the answer streams) so that on a
 * small machine the servers, not the client, decide the numbers.
 */
public final class ReadLoad {
  static final int METRICS = 10;

  private ReadLoad() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "load" -> load(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]),
          Long.parseLong(args[5]), Integer.parseInt(args[6]));
      case "read" -> System.exit(read(args[1], args[2], Long.parseLong(args[3]), Long.parseLong(args[4]),
          args[5], Long.parseLong(args[6]), Long.parseUnsignedLong(args[7], 16),
          args.length > 8 ? Integer.parseInt(args[8]) : 1));
      default -> throw new IllegalArgumentException("load or read, got " + args[0]);
    }
  }

  static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  static void load(String url, int series, int samples, long start, long step, int senders) throws Exception {
    int seriesPerRequest = 50;
    int samplesPerRequest = 200;
    ExecutorService pool = Executors.newFixedThreadPool(senders);
    List<Future<?>> work = new ArrayList<>();
    AtomicLong sent = new AtomicLong();
    AtomicLong checksum = new AtomicLong();
    long t0 = System.nanoTime();
    for (int first = 0; first < series; first += seriesPerRequest) {
      int from = first;
      int to = Math.min(series, first + seriesPerRequest);
      work.add(pool.submit(() -> {
        SplittableRandom r = new SplittableRandom(from);
        double[] value = new double[to - from];
        List<List<Remote.Label>> labels = new ArrayList<>();
        long[] seriesHash = new long[to - from];
        for (int i = 0; i < value.length; i++) {
          value[i] = r.nextInt(1000);
          int s = from + i;
          List<Remote.Label> l = List.of(label("__name__", "bench_metric_" + (s % METRICS)),
              label("instance", "host-" + (s / METRICS) + ":9100"), label("job", "node"),
              label("shard", Integer.toString(s % 7)));
          labels.add(l);
          for (Remote.Label one : l) {
            byte[] b = one.toByteArray();
            seriesHash[i] += labelHash(b, 0, b.length);
          }
        }
        long sum = 0;
        for (int k = 0; k < samples; k += samplesPerRequest) {
          Remote.WriteRequest.Builder w = Remote.WriteRequest.newBuilder();
          for (int s = from; s < to; s++) {
            Remote.TimeSeries.Builder ts = Remote.TimeSeries.newBuilder().addAllLabels(labels.get(s - from));
            for (int j = k; j < Math.min(samples, k + samplesPerRequest); j++) {
              // counters: mostly small increments, sometimes flat
              value[s - from] += r.nextInt(4) == 0 ? 0 : r.nextInt(1, 100);
              long t = start + j * step;
              ts.addSamples(Remote.Sample.newBuilder().setTimestamp(t).setValue(value[s - from]));
              sum += sampleHash(seriesHash[s - from], t, Double.doubleToRawLongBits(value[s - from]));
            }
            w.addTimeseries(ts);
          }
          byte[] body = Snappy.compress(w.build().toByteArray());
          HttpResponse<String> resp = CLIENT.send(HttpRequest.newBuilder(URI.create(url))
              .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
              .header("X-Prometheus-Remote-Write-Version", "0.1.0").timeout(Duration.ofMinutes(2))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
          if (resp.statusCode() != 204) {
            throw new IllegalStateException("write answered " + resp.statusCode() + ": " + resp.body());
          }
          sent.addAndGet((long) (to - from) * Math.min(samplesPerRequest, samples - k));
        }
        checksum.addAndGet(sum);
        return null;
      }));
    }
    for (Future<?> f : work) {
      f.get();
    }
    pool.shutdown();
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("loaded\t%d\t%.1f\t%016x%n", sent.get(), secs, checksum.get());
  }

  /** One label's share of its series' identity: its encoded {@code Label} message, any order. */
  static long labelHash(byte[] b, int from, int to) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      h = (h ^ (b[i] & 0xff)) * 0x100000001b3L;
    }
    return mix(h);
  }

  /** One sample's share of the checksum: summed, so the order of series and samples is free. */
  static long sampleHash(long series, long t, long valueBits) {
    return mix(series ^ mix(t ^ mix(valueBits)));
  }

  /** SplitMix64's finalizer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  static Remote.Label label(String n, String v) {
    return Remote.Label.newBuilder().setName(n).setValue(v).build();
  }

  static int read(String name, String url, long start, long end, String kind, long expectedSamples,
      long expectedChecksum, int repeats) throws Exception {
    boolean chunks = kind.equals("chunks");
    boolean influxql = kind.equals("influxql");
    Remote.ReadRequest.Builder req = Remote.ReadRequest.newBuilder().addQueries(Remote.Query.newBuilder()
        .setStartTimestampMs(start).setEndTimestampMs(end)
        .addMatchers(Remote.LabelMatcher.newBuilder().setType(Remote.LabelMatcher.Type.RE).setName("__name__")
            .setValue("bench_metric_.*")));
    if (chunks) {
      req.addAcceptedResponseTypes(Remote.ReadRequest.ResponseType.STREAMED_XOR_CHUNKS);
    }
    byte[] compressedRequest = Snappy.compress(req.build().toByteArray());
    double[] seconds = new double[repeats];
    long[] counts = null;
    int bytes = 0;
    int status = 0;
    for (int run = -1; run < repeats; run++) { // run -1: the warm-up
      long t0 = System.nanoTime();
      HttpResponse<InputStream> resp = influxql ? CLIENT.send(bareQuery(url, start, end),
          HttpResponse.BodyHandlers.ofInputStream()) : CLIENT.send(HttpRequest.newBuilder(URI.create(url))
          .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
          .header("X-Prometheus-Remote-Read-Version", "0.1.0").timeout(Duration.ofMinutes(30))
          .POST(HttpRequest.BodyPublishers.ofByteArray(compressedRequest)).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      if (resp.statusCode() != 200) {
        throw new IllegalStateException(name + " answered " + resp.statusCode() + ": " + new String(resp.body().readAllBytes()));
      }
      byte[] body = resp.body().readAllBytes();
      if (run >= 0) {
        seconds[run] = (System.nanoTime() - t0) / 1e9;
      }
      bytes = body.length;
      counts = influxql ? walkInfluxQl(body) : chunks ? walkFrames(body) : walkSamples(body);
      if (counts[0] != expectedSamples || counts[2] != expectedChecksum) {
        System.err.printf("%s: MISMATCH: read %d samples (checksum %016x), written %d (checksum %016x)%n",
            name, counts[0], counts[2], expectedSamples, expectedChecksum);
        status = 2;
      }
    }
    Arrays.sort(seconds);
    System.out.printf("%s\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f%n", name, counts[0], counts[1], bytes,
        seconds[repeats / 2], seconds[0], seconds[repeats - 1]);
    return status;
  }

  /** The bare chunked MessagePack InfluxQL query promgate's InfluxQL path is measured against. */
  static HttpRequest bareQuery(String url, long start, long end) {
    String q = "SELECT \"value\" FROM /^bench_metric_.*$/ WHERE time >= " + start * 1_000_000 + " AND time <= "
        + end * 1_000_000 + " GROUP BY *";
    return HttpRequest.newBuilder(URI.create(url + "&epoch=ms&chunked=true&chunk_size=10000"))
        .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/x-msgpack")
        .timeout(Duration.ofMinutes(30))
        .POST(HttpRequest.BodyPublishers.ofString("q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)))
        .build();
  }

  /**
   * samples, series, checksum of a chunked MessagePack InfluxQL answer, read with promgate's own
   * parser: the tags are the labels ({@code __name__} among them, else the measurement), {@code value}
   * the value.
   */
  static long[] walkInfluxQl(byte[] body) {
    long[] out = new long[3];
    Set<Long> seriesSeen = new HashSet<>();
    ChunkedQueryReader reader = new ChunkedQueryReader(
        new ChunkedQueryReader.Handler() {
          long seriesHash;
          int valueColumn;

          @Override
          public void series(String measurement, String[] tagKeys, String[] tagValues, int tagCount, String[] columns,
              int columnCount) {
            // promgate keeps __name__ as a tag too; the measurement stands in when it is absent
            boolean named = Arrays.asList(tagKeys).subList(0, tagCount).contains("__name__");
            byte[] n = label("__name__", measurement).toByteArray();
            seriesHash = named ? 0 : labelHash(n, 0, n.length);
            for (int i = 0; i < tagCount; i++) {
              if (!tagValues[i].isEmpty()) {
                byte[] b = label(tagKeys[i], tagValues[i]).toByteArray();
                seriesHash += labelHash(b, 0, b.length);
              }
            }
            valueColumn = Arrays.asList(columns).subList(0, columnCount).indexOf("value");
            seriesSeen.add(seriesHash);
          }

          @Override
          public void row(ChunkedQueryReader.Row row) {
            if (row.isNull(valueColumn)) {
              return;
            }
            out[0]++;
            out[2] += sampleHash(seriesHash, row.longValue(0), Double.doubleToRawLongBits(row.doubleValue(valueColumn)));
          }
        });
    reader.contentType("application/x-msgpack");
    reader.feed(body, 0, body.length);
    reader.end();
    out[1] = seriesSeen.size();
    return out;
  }

  /** samples, series, checksum of a SAMPLES answer. */
  static long[] walkSamples(byte[] compressed) throws IOException {
    byte[] raw = Snappy.uncompress(compressed);
    long samples = 0;
    long series = 0;
    long sum = 0;
    Cursor response = new Cursor(raw, 0, raw.length);
    while (response.more()) {
      int key = (int) response.varint();
      if (key != (1 << 3 | 2)) {
        response.skip(key & 7);
        continue;
      }
      Cursor result = response.message();
      while (result.more()) {
        int rk = (int) result.varint();
        if (rk != (1 << 3 | 2)) {
          result.skip(rk & 7);
          continue;
        }
        Cursor ts = result.message();
        series++;
        // Labels come before samples in every encoder here, but do not rely on it.
        long seriesHash = 0;
        List<Cursor> sampleMessages = new ArrayList<>();
        while (ts.more()) {
          int tk = (int) ts.varint();
          if (tk == (1 << 3 | 2)) {
            Cursor l = ts.message();
            seriesHash += labelHash(l.b, l.pos, l.end);
          } else if (tk == (2 << 3 | 2)) {
            sampleMessages.add(ts.message());
          } else {
            ts.skip(tk & 7);
          }
        }
        for (Cursor sample : sampleMessages) {
          long bits = 0;
          long t = 0;
          while (sample.more()) {
            int sk = (int) sample.varint();
            if (sk == (1 << 3 | 1)) {
              bits = sample.fixed64();
            } else if (sk == (2 << 3)) {
              t = sample.varint();
            } else {
              sample.skip(sk & 7);
            }
          }
          samples++;
          sum += sampleHash(seriesHash, t, bits);
        }
      }
    }
    return new long[] {samples, series, sum};
  }

  /** samples, series, checksum of a STREAMED_XOR_CHUNKS answer, frames checked against their CRC. */
  static long[] walkFrames(byte[] body) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    long samples = 0;
    long series = 0;
    long sum = 0;
    byte[] msg = new byte[1 << 20];
    long previousSeries = 0;
    CRC32C crc = new CRC32C();
    while (true) {
      long len;
      try {
        len = uvarint(in);
      } catch (EOFException e) {
        break;
      }
      int expected = in.readInt();
      if (len > msg.length) {
        msg = new byte[(int) len];
      }
      in.readFully(msg, 0, (int) len);
      crc.reset();
      crc.update(msg, 0, (int) len);
      if ((int) crc.getValue() != expected) {
        throw new IOException("CRC mismatch");
      }
      Cursor frame = new Cursor(msg, 0, (int) len);
      while (frame.more()) {
        int key = (int) frame.varint();
        if (key != (1 << 3 | 2)) {
          frame.skip(key & 7);
          continue;
        }
        Cursor cs = frame.message();
        long seriesHash = 0;
        List<byte[]> data = new ArrayList<>();
        while (cs.more()) {
          int ck = (int) cs.varint();
          if (ck == (1 << 3 | 2)) {
            Cursor l = cs.message();
            seriesHash += labelHash(l.b, l.pos, l.end);
          } else if (ck == (2 << 3 | 2)) {
            Cursor chunk = cs.message();
            while (chunk.more()) {
              int k = (int) chunk.varint();
              if (k == (4 << 3 | 2)) {
                Cursor d = chunk.message();
                data.add(Arrays.copyOfRange(d.b, d.pos, d.end));
              } else {
                chunk.skip(k & 7);
              }
            }
          } else {
            cs.skip(ck & 7);
          }
        }
        for (byte[] chunk : data) {
          for (StreamedChunks.Sample sample : StreamedChunks.xor(chunk)) {
            samples++;
            sum += sampleHash(seriesHash, sample.t(), sample.bits());
          }
        }
        // A series longer than one frame's chunks continues in the next frame with the same labels.
        if (seriesHash != previousSeries) {
          series++;
          previousSeries = seriesHash;
        }
      }
    }
    return new long[] {samples, series, sum};
  }

  static long uvarint(DataInputStream in) throws IOException {
    long x = 0;
    for (int shift = 0; ; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (shift == 0) {
          throw new EOFException();
        }
        throw new IOException("truncated frame length");
      }
      x |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        return x;
      }
    }
  }

  /** A minimal protobuf cursor for counting. */
  static final class Cursor {
    final byte[] b;
    int pos;
    final int end;

    Cursor(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() {
      long x = 0;
      for (int shift = 0; ; shift += 7) {
        byte c = b[pos++];
        x |= (long) (c & 0x7f) << shift;
        if (c >= 0) {
          return x;
        }
      }
    }

    long fixed64() {
      long x = 0;
      for (int i = 0; i < 8; i++) {
        x |= (b[pos++] & 0xffL) << (8 * i);
      }
      return x;
    }

    Cursor message() {
      int n = (int) varint();
      Cursor c = new Cursor(b, pos, pos + n);
      pos += n;
      return c;
    }

    void skip(int wire) {
      switch (wire) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int n = (int) varint(); // not `pos += varint()`: Java reads pos before the call
          pos += n;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalStateException("wire type " + wire);
      }
    }
  }
}
