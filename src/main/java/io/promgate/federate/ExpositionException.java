package io.promgate.federate;

/**
 * An upstream's answer is not valid Prometheus text format 0.0.4, or exceeds a bound. The one
 * exception type of {@link ExpositionParser}; the upstream is then counted as failed (reason
 * {@code parse}) and the families it completed before the bad line are still served.
 */
final class ExpositionException extends Exception {
  ExpositionException(String message) {
    super(message, null, false, false);
  }
}
