package io.promgate.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.xerial.snappy.Snappy;

/**
 * Pre-built remote-write bodies for a fixed-body load generator (scripts/bench-ingest-wrk.sh drives
 * them with wrk): {@code bodies} snappy-compressed protobuf 1.0 {@code prompb.WriteRequest}s, each
 * carrying the same {@code series} series (10 labels, like a Kubernetes pod's metrics) with
 * {@code samples} samples each, 15 s apart; body {@code j} holds the {@code j}-th window of
 * timestamps, so the bodies together hold {@code bodies × series × samples} distinct points and
 * sending any of them again rewrites the same points. Values are finite integers or quarters, so
 * their sum is exact in a double and InfluxDB's {@code sum("value")} can be checked against it.
 *
 * <pre>
 * java -cp ... io.promgate.bench.WriteBodies OUT_DIR BODIES SERIES SAMPLES_PER_SERIES METRIC_PREFIX
 * </pre>
 *
 * Writes {@code OUT_DIR/body-<j>.bin} and prints {@code points=N sum=X bytes=N} (the total
 * distinct points, the sum of their values, the size of body 0).
 */
public final class WriteBodies {
  private WriteBodies() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int bodies = Integer.parseInt(args[1]);
    int series = Integer.parseInt(args[2]);
    int samples = Integer.parseInt(args[3]);
    String prefix = args[4];
    long startTs = 1_700_000_000_000L;
    Files.createDirectories(dir);
    double sum = 0;
    long firstSize = 0;
    for (int j = 0; j < bodies; j++) {
      ByteArrayOutputStream body = new ByteArrayOutputStream(series * 200);
      for (int s = 0; s < series; s++) {
        ByteArrayOutputStream ts = new ByteArrayOutputStream(256);
        byte[] labels = labels(prefix, s);
        ts.write(labels, 0, labels.length);
        for (int k = 0; k < samples; k++) {
          long t = startTs + (long) (j * samples + k) * 15_000L;
          double v = (j * samples + k + s) % 2 == 0 ? (double) (j * 1000 + s) : (j * samples + k) * 0.25 + s;
          sum += v;
          ByteArrayOutputStream sample = new ByteArrayOutputStream(16);
          sample.write(0x09); // Sample.value, fixed64
          long bits = Double.doubleToRawLongBits(v);
          for (int b = 0; b < 8; b++) {
            sample.write((int) (bits >>> (8 * b)) & 0xff);
          }
          sample.write(0x10); // Sample.timestamp, varint
          IngestLoad.writeVarint(sample, t);
          ts.write(0x12); // TimeSeries.samples
          IngestLoad.writeVarint(ts, sample.size());
          sample.writeTo(ts);
        }
        body.write(0x0a); // WriteRequest.timeseries
        IngestLoad.writeVarint(body, ts.size());
        ts.writeTo(body);
      }
      byte[] compressed = Snappy.compress(body.toByteArray());
      if (j == 0) {
        firstSize = compressed.length;
      }
      Files.write(dir.resolve("body-" + j + ".bin"), compressed);
    }
    System.out.printf(Locale.ROOT, "points=%d sum=%.2f bytes=%d%n", (long) bodies * series * samples, sum, firstSize);
  }

  /** The encoded {@code Label} fields of one series, sorted by name as remote write requires. */
  private static byte[] labels(String prefix, int i) {
    String[] l = {
      "__name__", prefix + "_metric_" + (i % 20),
      "cluster", "prod-eu-1",
      "container", "app",
      "instance", "10.0." + (i / 250) + "." + (i % 250) + ":9100",
      "job", "kubernetes-pods",
      "namespace", "ns-" + (i % 7),
      "node", "node-" + (i % 13),
      "pod", "app-" + i,
      "team", "t" + (i % 5),
      "zone", "eu-1" + (char) ('a' + i % 3),
    };
    return IngestLoad.encodeLabels(l);
  }
}
