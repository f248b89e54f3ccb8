package io.promgate.federate;

import io.vertx.core.Future;

/**
 * Where a {@code /federate} answer comes from: metric families, one at a time, in ascending name
 * order as far as the source can keep it. Pull-based so the handler asks for the next family only
 * when the client has taken the previous one (back-pressure), and so the source holds no more
 * than it must.
 */
interface FamilySource {
  /**
   * The next family with at least one series, or null at the end. Called again only after the
   * previous future completed. A failure before the first family becomes the answer's status.
   */
  Future<Family> next();

  /** The client went away or the answer failed: stop, free, cancel what is in flight. */
  void cancel();
}
