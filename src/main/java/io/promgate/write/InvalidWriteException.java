package io.promgate.write;

import java.util.Locale;

/**
 * The one exception type of the remote-write codec: the request is malformed or over a limit.
 * Carries the HTTP status to answer and a {@link Reason} for the rejection metric; the message is
 * the one-line reason sent to the client. Stackless, because hostile input is expected input.
 */
public final class InvalidWriteException extends RuntimeException {
  /** Why a request was refused; the label value of {@code promgate_remote_write_rejected_requests_total}. */
  public enum Reason {
    CORRUPT_SNAPPY(400),
    CORRUPT_PROTOBUF(400),
    INVALID_LABELS(400),
    INVALID_SAMPLE(400),
    BODY_TOO_LARGE(413),
    DECOMPRESSED_TOO_LARGE(413),
    TOO_MANY_SERIES(413),
    TOO_MANY_SAMPLES(413),
    LIMIT_LABELS(400),
    UNSUPPORTED_ENCODING(415),
    UNSUPPORTED_CONTENT_TYPE(415),
    INVALID_TENANT(400),
    HA_ELECTION(503),
    BODY_TIMEOUT(408),
    MEMORY_BUDGET(503);

    final int status;

    Reason(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Reason reason;

  public InvalidWriteException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public int status() {
    return reason.status;
  }
}
