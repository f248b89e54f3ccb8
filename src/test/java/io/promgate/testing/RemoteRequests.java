package io.promgate.testing;

import io.promgate.prompb.Remote;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.xerial.snappy.Snappy;

/**
 * Remote-write 1.0 and remote-read requests as Prometheus sends them: protobuf (the generated
 * classes) in a snappy block, compressed by the snappy library rather than promgate's own code.
 */
public final class RemoteRequests {
  /** The headers every remote-write 1.0 and remote-read request carries. */
  public static final String[] PROTOBUF_SNAPPY = {"Content-Type", "application/x-protobuf", "Content-Encoding", "snappy"};
  /** When {@link #oneSample}'s sample is. */
  public static final long ONE_SAMPLE_MS = 1_700_000_000_000L;

  private RemoteRequests() {}

  public static byte[] snappy(byte[] b) {
    try {
      return Snappy.compress(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A series with {@code labels} (name, value, name, value...) and no samples yet. */
  public static Remote.TimeSeries.Builder series(String... labels) {
    Remote.TimeSeries.Builder b = Remote.TimeSeries.newBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      b.addLabels(Remote.Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
    }
    return b;
  }

  public static Remote.TimeSeries.Builder sample(Remote.TimeSeries.Builder s, double v, long ts) {
    return s.addSamples(Remote.Sample.newBuilder().setValue(v).setTimestamp(ts));
  }

  /** A remote-write 1.0 body (snappy) with one sample of {@code metric}: 1 at {@link #ONE_SAMPLE_MS}. */
  public static byte[] oneSample(String metric) {
    return snappy(Remote.WriteRequest.newBuilder()
        .addTimeseries(sample(series("__name__", metric), 1, ONE_SAMPLE_MS))
        .build().toByteArray());
  }

  /** A remote-read body (snappy, SAMPLES) for {@code {__name__="metric"}} from {@code startMs} to {@code endMs}. */
  public static byte[] readOf(String metric, long startMs, long endMs) {
    return snappy(Remote.ReadRequest.newBuilder().addQueries(Remote.Query.newBuilder()
        .setStartTimestampMs(startMs).setEndTimestampMs(endMs)
        .addMatchers(Remote.LabelMatcher.newBuilder().setName("__name__").setValue(metric))).build().toByteArray());
  }

  /** {@link #PROTOBUF_SNAPPY} and then {@code more} (name, value, ...). */
  public static String[] headers(String... more) {
    String[] all = new String[PROTOBUF_SNAPPY.length + more.length];
    System.arraycopy(PROTOBUF_SNAPPY, 0, all, 0, PROTOBUF_SNAPPY.length);
    System.arraycopy(more, 0, all, PROTOBUF_SNAPPY.length, more.length);
    return all;
  }

  /** POSTs {@link #oneSample} of {@code metric} to {@code baseUrl}/api/v1/write with {@link #headers}. */
  public static Http.Response write(String baseUrl, String metric, String... moreHeaders) {
    return Http.post(baseUrl + "/api/v1/write", oneSample(metric), headers(moreHeaders));
  }

  /** POSTs {@link #readOf} to {@code baseUrl}/api/v1/read with {@link #headers}. */
  public static Http.Response read(String baseUrl, String metric, long startMs, long endMs, String... moreHeaders) {
    return Http.post(baseUrl + "/api/v1/read", readOf(metric, startMs, endMs), headers(moreHeaders));
  }
}
