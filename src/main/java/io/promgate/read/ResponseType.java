package io.promgate.read;

import java.util.List;

/**
 * The two remote-read response types (SPEC §3), by their {@code ReadRequest.ResponseType} number.
 * The server answers with the first type the client accepts that it supports; an empty list
 * means SAMPLES, as in Prometheus's {@code NegotiateResponseType}.
 */
enum ResponseType {
  /** One snappy block holding a {@code ReadResponse}; series in any order. */
  SAMPLES(0, "application/x-protobuf", "snappy"),
  /** Length- and CRC32C-framed {@code ChunkedReadResponse}s, series in label order, no snappy. */
  STREAMED_XOR_CHUNKS(1, "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse", null);

  final int number;
  final String contentType;
  final String contentEncoding;

  ResponseType(int number, String contentType, String contentEncoding) {
    this.number = number;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
  }

  static ResponseType negotiate(List<Integer> accepted) {
    if (accepted.isEmpty()) {
      return SAMPLES;
    }
    for (int n : accepted) {
      for (ResponseType t : values()) {
        if (t.number == n) {
          return t;
        }
      }
    }
    throw new InvalidReadException(
        InvalidReadException.Reason.UNSUPPORTED_RESPONSE_TYPE,
        "none of the accepted response types " + accepted + " is supported (0 SAMPLES, 1 STREAMED_XOR_CHUNKS)");
  }
}
