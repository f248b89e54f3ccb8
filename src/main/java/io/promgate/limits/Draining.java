package io.promgate.limits;

import io.promgate.web.PlainText;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Graceful shutdown, the part Quarkus does not do: from SIGTERM on, every new request is answered
 * 503 + {@code Retry-After} + {@code Connection: close} (its body read first, so the answer is not
 * lost to a reset), {@code /-/ready} included so load balancers stop sending; {@code /-/healthy}
 * stays 200. Requests already in flight carry on; Quarkus's graceful shutdown
 * ({@code quarkus.shutdown.timeout}, set by {@code --web.shutdown-timeout}) waits for them up to
 * that bound before the process exits. Without this, Quarkus keeps serving new requests on
 * keep-alive connections during the wait and cuts whatever is in flight when the bound passes.
 */
@ApplicationScoped
public class Draining {
  private static volatile boolean draining;
  private static volatile long lastRefused;

  /** True from SIGTERM (the JVM's shutdown) on. */
  public static boolean draining() {
    return draining;
  }

  /**
   * Runs once the requests in flight are done, just before the listener closes: requests arriving
   * now would be cut by the close, so wait until none has arrived for 500 ms (at most 2 s); senders
   * that were told 503 + Retry-After: 1 are backing off meanwhile.
   */
  void quiet(@Observes ShutdownEvent ev) throws InterruptedException {
    long start = System.nanoTime();
    while (draining && System.nanoTime() - lastRefused < 500_000_000L && System.nanoTime() - start < 2_000_000_000L) {
      Thread.sleep(50);
    }
  }

  void register(@Observes Router router) {
    // Runs alongside Quarkus's own shutdown hook, which then waits for requests in flight.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> draining = true, "promgate-draining"));
    router.route().order(-1000).handler(rc -> {
      if (!draining || rc.request().path().equals("/-/healthy")) {
        rc.next();
        return;
      }
      lastRefused = System.nanoTime();
      var req = rc.request();
      Runnable answer = () -> {
        if (!rc.response().ended() && !rc.response().closed()) {
          rc.response().putHeader("Retry-After", "1").putHeader("Connection", "close");
          PlainText.reply(rc, 503, "promgate is shutting down, retry later\n");
        }
      };
      if (req.isEnded()) {
        answer.run();
      } else {
        req.handler(b -> { }).exceptionHandler(t -> { }).endHandler(v -> answer.run());
        req.resume();
      }
    });
  }
}
