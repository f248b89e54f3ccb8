package io.promgate.write;

import static io.promgate.testing.RemoteRequests.snappy;

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




  static Http.Response post(String url, Remote.WriteRequest req) {
    return Http.post(url, snappy(req.toByteArray()), HEADERS);
  }

  static Http.Response postRaw(String url, byte[] body, String... headers) {
    return Http.post(url, body, headers);
  }
}
