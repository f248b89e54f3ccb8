package io.promgate.federate;

/** No upstream answered: {@code /federate} replies 503 with each upstream's reason. */
final class UpstreamsUnavailableException extends RuntimeException {
  UpstreamsUnavailableException(String message) {
    super(message, null, false, false);
  }
}
