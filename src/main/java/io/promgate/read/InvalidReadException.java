package io.promgate.read;

/**
 * The one exception type of the remote-read codec and its limits: the request is malformed, or
 * what it asks for is over a {@code remote_read} limit. Carries the 4xx status and the one-line
 * reason sent to the client; stackless, because hostile input is expected input.
 */
final class InvalidReadException extends RuntimeException {
  /** Why; the label of {@code promgate_remote_read_limit_hits_total} for the limits. */
  enum Reason {
    CORRUPT_REQUEST(400),
    INVALID_QUERY(400),
    UNSUPPORTED_RESPONSE_TYPE(400),
    BODY_TOO_LARGE(413),
    TOO_MANY_SAMPLES(400, "samples"),
    TOO_MANY_SERIES(400, "series"),
    RESPONSE_TOO_LARGE(400, "response_size"),
    INVALID_TENANT(400),
    TOO_MANY_QUERIES(400, "queries"),
    TOO_MANY_MATCHERS(400, "matchers");

    final int status;
    /** The {@code limit} label of {@code promgate_remote_read_limit_hits_total}; null: not a limit. */
    final String limit;

    Reason(int status) {
      this(status, null);
    }

    Reason(int status, String limit) {
      this.status = status;
      this.limit = limit;
    }
  }

  private final Reason reason;

  InvalidReadException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }

  int status() {
    return reason.status;
  }
}
