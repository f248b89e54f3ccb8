package io.promgate.read;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.IntFunction;

/**
 * Runs {@code n} asynchronous steps one after another without building a future chain: a chain of
 * {@code compose} calls built up front for 20,000 queries completes by recursion, one stack frame
 * set per link, and overflows the stack. Here steps that complete at once are looped over, and a
 * step that completes later resumes the loop from its callback, on a fresh stack.
 */
final class Sequence {
  private Sequence() {}

  static Future<Void> run(int n, IntFunction<Future<?>> step) {
    Promise<Void> done = Promise.promise();
    new Object() {
      int next;

      void resume() {
        while (next < n) {
          Future<?> f;
          try {
            f = step.apply(next++);
          } catch (RuntimeException e) {
            done.tryFail(e);
            return;
          }
          if (!f.isComplete()) {
            f.onComplete(ar -> {
              if (ar.failed()) {
                done.tryFail(ar.cause());
              } else {
                resume();
              }
            });
            return;
          }
          if (f.failed()) {
            done.tryFail(f.cause());
            return;
          }
        }
        done.tryComplete();
      }
    }.resume();
    return done.future();
  }
}
