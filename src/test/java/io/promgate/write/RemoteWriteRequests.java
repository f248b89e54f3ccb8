package io.promgate.write;

import io.promgate.prompb.Remote;
import io.promgate.testing.Http;

/** Builds and sends remote-write 1.0 requests the way Prometheus does (snappy block + protobuf). */
final class RemoteWriteRequests {
  static final String[] HEADERS = {
    "Content-Type", "application/x-protobuf",
    "Content-Encoding", "snappy",
    "X-Prometheus-Remote-Write-Version", "0.1.0",
  };

  private RemoteWriteRequests() {}

  static Remote.TimeSeries.Builder series(String... labels) {
    Remote.TimeSeries.Builder b = Remote.TimeSeries.newBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      b.addLabels(Remote.Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
    }
    return b;
  }

  static Remote.TimeSeries.Builder sample(Remote.TimeSeries.Builder s, double v, long ts) {
    return s.addSamples(Remote.Sample.newBuilder().setValue(v).setTimestamp(ts));
  }

  static byte[] snappy(byte[] pb) {
    return SnappyBlocks.compress(pb, 0, pb.length);
  }

  static Http.Response post(String url, Remote.WriteRequest req) {
    return Http.post(url, snappy(req.toByteArray()), HEADERS);
  }

  static Http.Response postRaw(String url, byte[] body, String... headers) {
    return Http.post(url, body, headers);
  }
}
