package io.promgate.shard;

/**
 * A file_sd file or http_sd answer that is not a valid list of Prometheus target groups. The
 * message says where ({@code [2].labels}) and what, in one line; the source keeps its last good
 * targets.
 */
final class SdFormatException extends Exception {
  SdFormatException(String message) {
    super(message);
  }
}
