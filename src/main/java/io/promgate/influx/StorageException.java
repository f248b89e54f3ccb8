package io.promgate.influx;

/**
 * InfluxDB did not store a write. {@link Kind} decides what the remote-write sender is told:
 * {@code UNAVAILABLE} becomes 503 so Prometheus keeps the samples and retries; {@code REJECTED}
 * (InfluxDB refused the data itself, e.g. a field type conflict) becomes 400, because retrying
 * the same bytes cannot succeed.
 */
public final class StorageException extends RuntimeException {
  public enum Kind {
    /** Unreachable, timed out, 5xx, missing database, refused credentials: retry later. */
    UNAVAILABLE,
    /** InfluxDB answered 4xx about the data: retrying will not help. */
    REJECTED
  }

  private final Kind kind;

  public StorageException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status a client is answered with: 400 when rejected, else 503 (retry). */
  public int status() {
    return kind == Kind.REJECTED ? 400 : 503;
  }
}
