package io.promgate.read;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The encoders' bytes, gathered into 64 KiB buffers and written to the HTTP response as each
 * fills: the response is sent as it is produced (chunked transfer encoding). Back-pressure is the
 * caller's: the InfluxDB answer feeding the encoders pauses while {@link
 * HttpServerResponse#writeQueueFull()}.
 */
final class ResponseOutput implements ByteSink {
  private static final int FLUSH_AT = 64 * 1024;

  private final HttpServerResponse response;
  private Buffer buffer = Buffer.buffer(FLUSH_AT + 4096);
  private long bytes;

  ResponseOutput(HttpServerResponse response) {
    this.response = response;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    buffer.appendBytes(b, off, len);
    bytes += len;
    if (buffer.length() >= FLUSH_AT) {
      response.write(buffer);
      buffer = Buffer.buffer(FLUSH_AT + 4096);
    }
  }

  long bytes() {
    return bytes;
  }

  void end() {
    response.end(buffer);
  }
}
