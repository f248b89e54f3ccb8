package io.promgate.ha;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock that moves only when told, and the timers that fire as it moves. */
final class ManualTime implements HaTracker.Scheduler {
  private record Task(long due, long seq, Runnable run) {}

  private final List<Task> tasks = new ArrayList<>();
  private long now;
  private long seq;

  ManualTime(long startMs) {
    this.now = startMs;
  }

  long now() {
    return now;
  }

  @Override
  public void schedule(long delayMs, Runnable task) {
    tasks.add(new Task(now + delayMs, seq++, task));
  }

  /** Moves the clock by {@code ms}, running every timer that falls due on the way, in order. */
  void advance(long ms) {
    long until = now + ms;
    while (true) {
      Task next = tasks.stream().filter(t -> t.due <= until)
          .min(Comparator.comparingLong(Task::due).thenComparingLong(Task::seq)).orElse(null);
      if (next == null) {
        break;
      }
      tasks.remove(next);
      now = Math.max(now, next.due);
      next.run.run();
    }
    now = until;
  }
}
