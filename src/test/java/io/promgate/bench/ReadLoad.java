package io.promgate.bench;

import io.promgate.prompb.Remote;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 *     values, SAMPLES_PER_SERIES each, to URL (promgate's /api/v1/write)
 * read NAME URL START_MS END_MS samples|chunks
 *     sends one remote-read query {__name__=~"bench_metric_.*"} over [START_MS, END_MS] and reads
 *     the answer as it arrives, counting series and samples without keeping them (SAMPLES needs
 *     the whole snappy block: it is read into memory and walked); prints one tab-separated line:
 *     NAME samples series bytes seconds
 * </pre>
 *
 * The client does as little as possible (no message objects per sample) so that on a small
 * machine the servers, not the client, decide the numbers.
 */
public final class ReadLoad {
  static final int METRICS = 10;

  private ReadLoad() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "load" -> load(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]),
          Long.parseLong(args[5]), Integer.parseInt(args[6]));
      case "read" -> read(args[1], args[2], Long.parseLong(args[3]), Long.parseLong(args[4]), args[5].equals("chunks"));
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
    long t0 = System.nanoTime();
    for (int first = 0; first < series; first += seriesPerRequest) {
      int from = first;
      int to = Math.min(series, first + seriesPerRequest);
      work.add(pool.submit(() -> {
        SplittableRandom r = new SplittableRandom(from);
        double[] value = new double[to - from];
        for (int i = 0; i < value.length; i++) {
          value[i] = r.nextInt(1000);
        }
        for (int k = 0; k < samples; k += samplesPerRequest) {
          Remote.WriteRequest.Builder w = Remote.WriteRequest.newBuilder();
          for (int s = from; s < to; s++) {
            Remote.TimeSeries.Builder ts = Remote.TimeSeries.newBuilder()
                .addLabels(label("__name__", "bench_metric_" + (s % METRICS)))
                .addLabels(label("instance", "host-" + (s / METRICS) + ":9100"))
                .addLabels(label("job", "node"))
                .addLabels(label("shard", Integer.toString(s % 7)));
            for (int j = k; j < Math.min(samples, k + samplesPerRequest); j++) {
              // counters: mostly small increments, sometimes flat
              value[s - from] += r.nextInt(4) == 0 ? 0 : r.nextInt(1, 100);
              ts.addSamples(Remote.Sample.newBuilder().setTimestamp(start + j * step).setValue(value[s - from]));
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
        return null;
      }));
    }
    for (Future<?> f : work) {
      f.get();
    }
    pool.shutdown();
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("loaded\t%d\t%.1f%n", sent.get(), secs);
  }

  static Remote.Label label(String n, String v) {
    return Remote.Label.newBuilder().setName(n).setValue(v).build();
  }

  static void read(String name, String url, long start, long end, boolean chunks) throws Exception {
    Remote.ReadRequest.Builder req = Remote.ReadRequest.newBuilder().addQueries(Remote.Query.newBuilder()
        .setStartTimestampMs(start).setEndTimestampMs(end)
        .addMatchers(Remote.LabelMatcher.newBuilder().setType(Remote.LabelMatcher.Type.RE).setName("__name__")
            .setValue("bench_metric_.*")));
    if (chunks) {
      req.addAcceptedResponseTypes(Remote.ReadRequest.ResponseType.STREAMED_XOR_CHUNKS);
    }
    long t0 = System.nanoTime();
    HttpResponse<InputStream> resp = CLIENT.send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
        .header("X-Prometheus-Remote-Read-Version", "0.1.0").timeout(Duration.ofMinutes(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(Snappy.compress(req.build().toByteArray()))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    if (resp.statusCode() != 200) {
      throw new IllegalStateException(name + " answered " + resp.statusCode() + ": " + new String(resp.body().readAllBytes()));
    }
    long[] counts = chunks ? countFrames(resp.body()) : countSamples(resp.body());
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%s\t%d\t%d\t%d\t%.3f%n", name, counts[0], counts[1], counts[2], secs);
  }

  /** samples, series, bytes of a SAMPLES answer. */
  static long[] countSamples(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream(1 << 20);
    in.transferTo(body);
    byte[] raw = Snappy.uncompress(body.toByteArray());
    long samples = 0;
    long series = 0;
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
        while (ts.more()) {
          int tk = (int) ts.varint();
          if (tk == (2 << 3 | 2)) {
            samples++;
          }
          ts.skip(tk & 7);
        }
      }
    }
    return new long[] {samples, series, body.size()};
  }

  /** samples, series, bytes of a STREAMED_XOR_CHUNKS answer, frames checked against their CRC. */
  static long[] countFrames(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
    long samples = 0;
    long series = 0;
    long bytes = 0;
    byte[] msg = new byte[1 << 20];
    byte[] previousLabels = new byte[0];
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
      bytes += 4 + len + (64 - Long.numberOfLeadingZeros(len | 1) + 6) / 7;
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
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        while (cs.more()) {
          int ck = (int) cs.varint();
          if (ck == (1 << 3 | 2)) {
            Cursor l = cs.message();
            labels.write(l.b, l.pos, l.end - l.pos);
          } else if (ck == (2 << 3 | 2)) {
            Cursor chunk = cs.message();
            while (chunk.more()) {
              int k = (int) chunk.varint();
              if (k == (4 << 3 | 2)) {
                Cursor data = chunk.message();
                samples += ((data.b[data.pos] & 0xff) << 8) | (data.b[data.pos + 1] & 0xff);
              } else {
                chunk.skip(k & 7);
              }
            }
          } else {
            cs.skip(ck & 7);
          }
        }
        byte[] l = labels.toByteArray();
        if (!java.util.Arrays.equals(l, previousLabels)) {
          series++;
          previousLabels = l;
        }
      }
    }
    return new long[] {samples, series, bytes};
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
