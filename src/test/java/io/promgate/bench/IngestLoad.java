package io.promgate.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.xerial.snappy.Snappy;

/**
 * End-to-end remote-write load: Prometheus-like traffic against any remote-write URL, so
 * promgate and InfluxDB's own {@code /api/v1/prom/write} can be driven the same way in one run
 * (scripts/bench-ingest.sh does that and checks every sample arrived).
 *
 * <p>Each of {@code senders} threads owns its share of {@code series} series (~10 labels, like a
 * Kubernetes pod's metrics) and sends requests of {@code samples} samples, one per series per
 * request, with timestamps advancing 15 s per round — the shape of Prometheus's queue manager.
 * Values are finite (InfluxDB's own endpoint drops NaN and fails whole batches on ±Inf). Requests
 * are encoded by hand into reused buffers so the client costs little CPU on a shared machine.
 *
 * <pre>
 * java -cp ... io.promgate.bench.IngestLoad URL SENDERS SECONDS SERIES SAMPLES_PER_REQUEST METRIC_PREFIX
 * </pre>
 *
 * Prints one line: {@code samples=N lost=N requests=N errors=N seconds=S samples_per_s=X p50_ms=X p99_ms=X}.
 */
public final class IngestLoad {
  private IngestLoad() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    int senders = Integer.parseInt(args[1]);
    double seconds = Double.parseDouble(args[2]);
    int series = Integer.parseInt(args[3]);
    int perRequest = Integer.parseInt(args[4]);
    String prefix = args.length > 5 ? args[5] : "bench";
    long startTs = 1_700_000_000_000L;

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    AtomicLong samples = new AtomicLong();
    AtomicLong requests = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong lost = new AtomicLong();
    List<long[]> latencies = new ArrayList<>();
    // The clock and the deadline start together, once every sender is ready: a deadline started
    // before the threads (as it once was) divided the acked samples by a shorter time than the run.
    CountDownLatch go = new CountDownLatch(1);
    long[] deadlineHolder = new long[1];
    List<Thread> threads = new ArrayList<>();
    String[] firstError = new String[1];
    for (int t = 0; t < senders; t++) {
      int sender = t;
      long[] lat = new long[1 << 16]; // per sender; 65k requests is far more than a run sends
      latencies.add(lat);
      Thread th = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long deadline = deadlineHolder[0];
        int mine = Math.max(1, series / senders);
        byte[][] seriesLabels = new byte[mine][];
        for (int i = 0; i < mine; i++) {
          seriesLabels[i] = labels(prefix, sender, i);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(perRequest * 160);
        byte[] scratch = new byte[64];
        int next = 0;
        long round = 0;
        int n = 0;
        while (System.nanoTime() < deadline) {
          body.reset();
          int inThis = 0;
          // One sample per series per request; a series' timestamps advance each time it recurs.
          for (int k = 0; k < perRequest; k++) {
            int s = next;
            long ts = startTs + (round * 15_000L) + sender;
            double v = (round * 7 + s) % 3 == 0 ? (double) (round * 13 + s) : (round + s) * 0.25 + 0.001 * s;
            writeSeries(body, seriesLabels[s], v, ts, scratch);
            inThis++;
            if (++next == mine) {
              next = 0;
              round++;
            }
          }
          byte[] compressed;
          try {
            compressed = Snappy.compress(body.toByteArray());
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
          HttpRequest req = HttpRequest.newBuilder(URI.create(url))
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/x-protobuf")
              .header("Content-Encoding", "snappy")
              .header("X-Prometheus-Remote-Write-Version", "0.1.0")
              .POST(HttpRequest.BodyPublishers.ofByteArray(compressed)).build();
          long t0 = System.nanoTime();
          // As Prometheus does: 2xx done, 4xx dropped (counted lost), 5xx/network retried with backoff.
          long backoffMs = 30;
          while (true) {
            int code;
            String err;
            try {
              HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
              code = r.statusCode();
              err = code + " " + r.body();
            } catch (Exception e) {
              code = 0;
              err = e.toString();
            }
            if (code / 100 == 2) {
              samples.addAndGet(inThis);
              break;
            }
            errors.incrementAndGet();
            firstError[0] = err;
            if (code >= 400 && code < 500) {
              lost.addAndGet(inThis);
              break;
            }
            try {
              Thread.sleep(backoffMs);
            } catch (InterruptedException e) {
              return;
            }
            backoffMs = Math.min(5000, backoffMs * 2);
          }
          if (n < lat.length - 1) {
            lat[n++] = System.nanoTime() - t0;
          }
          requests.incrementAndGet();
        }
        lat[lat.length - 1] = n; // count stored in the last slot
      });
      th.start();
      threads.add(th);
    }
    long begin = System.nanoTime();
    deadlineHolder[0] = begin + (long) (seconds * 1e9); // published to the senders by the latch
    go.countDown();
    for (Thread th : threads) {
      th.join();
    }
    double elapsed = (System.nanoTime() - begin) / 1e9;
    long total = 0;
    for (long[] l : latencies) {
      total += l[l.length - 1];
    }
    long[] all = new long[(int) total];
    int p = 0;
    for (long[] l : latencies) {
      int n = (int) l[l.length - 1];
      System.arraycopy(l, 0, all, p, n);
      p += n;
    }
    Arrays.sort(all);
    System.out.printf(Locale.ROOT,
        "samples=%d lost=%d requests=%d errors=%d seconds=%.1f samples_per_s=%.0f p50_ms=%.2f p99_ms=%.2f%n",
        samples.get(), lost.get(), requests.get(), errors.get(), elapsed, samples.get() / elapsed,
        pct(all, 0.50) / 1e6, pct(all, 0.99) / 1e6);
    if (firstError[0] != null) {
      System.out.println("first_error=" + firstError[0].replace('\n', ' '));
    }
  }

  private static long pct(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  /** The encoded {@code Label} fields of one series, sorted by name as remote write requires. */
  private static byte[] labels(String prefix, int sender, int i) {
    String[] l = {
      "__name__", prefix + "_metric_" + (i % 40),
      "cluster", "prod-eu-1",
      "container", "app",
      "instance", "10." + sender + "." + (i / 250) + "." + (i % 250) + ":9100",
      "job", "kubernetes-pods",
      "namespace", "ns-" + (i % 7),
      "node", "node-" + (i % 13),
      "pod", "app-" + sender + "-" + i,
      "sender", String.valueOf(sender),
      "zone", "eu-1" + (char) ('a' + i % 3),
    };
    return encodeLabels(l);
  }

  /** {@code Label} fields for alternating names and values (given sorted by name). */
  static byte[] encodeLabels(String... l) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int k = 0; k < l.length; k += 2) {
      byte[] name = l[k].getBytes(StandardCharsets.UTF_8);
      byte[] value = l[k + 1].getBytes(StandardCharsets.UTF_8);
      out.write(0x0a); // TimeSeries.labels
      writeVarint(out, 2 + name.length + 2 + value.length);
      out.write(0x0a); // Label.name
      writeVarint(out, name.length);
      out.write(name, 0, name.length);
      out.write(0x12); // Label.value
      writeVarint(out, value.length);
      out.write(value, 0, value.length);
    }
    return out.toByteArray();
  }

  private static void writeSeries(ByteArrayOutputStream out, byte[] labels, double v, long ts, byte[] scratch) {
    // Sample{value=1 fixed64, timestamp=2 varint}
    int sn = 0;
    scratch[sn++] = 0x09;
    long bits = Double.doubleToRawLongBits(v);
    for (int b = 0; b < 8; b++) {
      scratch[sn++] = (byte) (bits >>> (8 * b));
    }
    scratch[sn++] = 0x10;
    for (long x = ts; ; x >>>= 7) {
      if ((x & ~0x7fL) == 0) {
        scratch[sn++] = (byte) x;
        break;
      }
      scratch[sn++] = (byte) ((x & 0x7f) | 0x80);
    }
    int seriesLen = labels.length + 1 + varintSize(sn) + sn;
    out.write(0x0a); // WriteRequest.timeseries
    writeVarint(out, seriesLen);
    out.write(labels, 0, labels.length);
    out.write(0x12); // TimeSeries.samples
    writeVarint(out, sn);
    out.write(scratch, 0, sn);
  }

  private static int varintSize(long x) {
    int n = 1;
    while ((x & ~0x7fL) != 0) {
      x >>>= 7;
      n++;
    }
    return n;
  }

  static void writeVarint(ByteArrayOutputStream out, long x) {
    while ((x & ~0x7fL) != 0) {
      out.write((int) ((x & 0x7f) | 0x80));
      x >>>= 7;
    }
    out.write((int) x);
  }
}
