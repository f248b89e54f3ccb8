package io.promgate.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Polling for tests against real servers, which apply writes, scrapes and reloads asynchronously: a
 * fixed sleep is either flaky or slow, a poll is neither.
 */
public final class Await {

  private static final long POLL_MILLIS = 100;

  private Await() {}

  /**
   * Returns as soon as {@code condition} holds; fails with {@code what} after {@code timeout}. A
   * condition that throws counts as not yet holding (the server may still be starting), and the
   * last exception is attached to the failure.
   */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + what, last);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
