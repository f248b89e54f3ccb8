package io.promgate.ui;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Request and error counts of remote write, remote read and /federate over the last minutes, for
 * the overview's charts: a ring buffer of counter samples taken every {@link #INTERVAL_MS} (90
 * samples = 15 minutes). It reads the existing {@code promgate_*_requests_total{code}} counters
 * from the registry by name, so the request paths need no extra bookkeeping; an answer is an
 * error when its code is not 2xx ({@code code="other"} included).
 *
 * <p>{@link #sample} runs on one timer thread; readers take a consistent copy under the lock
 * (a few hundred longs).
 */
final class RateHistory {
  static final long INTERVAL_MS = 10_000;
  static final int SLOTS = 91; // 90 intervals = 15 minutes

  /** The endpoints charted, by their requests counter. */
  enum Endpoint {
    REMOTE_WRITE("Remote write", "promgate.remote_write.requests"),
    REMOTE_READ("Remote read", "promgate.remote_read.requests"),
    FEDERATE("Federate", "promgate.federate.requests");

    final String title;
    final String counter;

    Endpoint(String title, String counter) {
      this.title = title;
      this.counter = counter;
    }
  }

  /** Per-interval rates (per second), oldest first; {@code times} are the interval ends. */
  record Series(long[] times, double[] requests, double[] errors) {
    int size() {
      return times.length;
    }

    /** Mean rate over the last {@code n} intervals (fewer if fewer exist); 0 with none. */
    double recent(double[] rates, int n) {
      int k = Math.min(n, rates.length);
      double sum = 0;
      for (int i = rates.length - k; i < rates.length; i++) {
        sum += rates[i];
      }
      return k == 0 ? 0 : sum / k;
    }
  }

  private final MeterRegistry registry;
  private final long[] times = new long[SLOTS];
  private final long[][] requests = new long[Endpoint.values().length][SLOTS];
  private final long[][] errors = new long[Endpoint.values().length][SLOTS];
  private int next; // slot of the next sample
  private int count; // samples held, at most SLOTS

  RateHistory(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Takes one sample of every endpoint's counters at {@code nowMillis}. */
  synchronized void sample(long nowMillis) {
    times[next] = nowMillis;
    for (Endpoint e : Endpoint.values()) {
      long total = 0;
      long failed = 0;
      for (Counter c : registry.find(e.counter).counters()) {
        long n = (long) c.count();
        total += n;
        String code = c.getId().getTag("code");
        if (code == null || !code.startsWith("2")) {
          failed += n;
        }
      }
      requests[e.ordinal()][next] = total;
      errors[e.ordinal()][next] = failed;
    }
    next = (next + 1) % SLOTS;
    count = Math.min(count + 1, SLOTS);
  }

  /** The rates of {@code e} between consecutive samples (one fewer than the samples held). */
  synchronized Series series(Endpoint e) {
    int n = Math.max(0, count - 1);
    long[] t = new long[n];
    double[] req = new double[n];
    double[] err = new double[n];
    int first = (next - count + SLOTS) % SLOTS;
    for (int i = 0; i < n; i++) {
      int a = (first + i) % SLOTS;
      int b = (a + 1) % SLOTS;
      double seconds = Math.max(1, times[b] - times[a]) / 1000.0;
      t[i] = times[b];
      // A counter never decreases; guard anyway so a registry reset cannot draw a negative rate.
      req[i] = Math.max(0, requests[e.ordinal()][b] - requests[e.ordinal()][a]) / seconds;
      err[i] = Math.max(0, errors[e.ordinal()][b] - errors[e.ordinal()][a]) / seconds;
    }
    return new Series(t, req, err);
  }

  /** The latest sampled totals of {@code e}: {requests, errors}, or zeros before the first sample. */
  synchronized long[] totals(Endpoint e) {
    if (count == 0) {
      return new long[2];
    }
    int last = (next - 1 + SLOTS) % SLOTS;
    return new long[] {requests[e.ordinal()][last], errors[e.ordinal()][last]};
  }

  /**
   * An inline SVG sparkline of {@code values} (requests as a line, errors as a red line), scaled
   * to the larger maximum of the two. Attributes only, no style: the page's CSP forbids inline
   * styles.
   */
  static String sparkline(double[] requests, double[] errors, String label) {
    int w = 240;
    int h = 44;
    double max = 0;
    for (double v : requests) {
      max = Math.max(max, v);
    }
    for (double v : errors) {
      max = Math.max(max, v);
    }
    StringBuilder b = new StringBuilder(512);
    b.append("<svg class=\"spark\" viewBox=\"0 0 ").append(w).append(' ').append(h)
        .append("\" width=\"").append(w).append("\" height=\"").append(h)
        .append("\" role=\"img\" aria-label=\"").append(Html.esc(label)).append("\">")
        .append("<line x1=\"0\" y1=\"").append(h - 1).append("\" x2=\"").append(w).append("\" y2=\"").append(h - 1)
        .append("\" class=\"axis\"/>");
    polyline(b, requests, max, w, h, "req");
    polyline(b, errors, max, w, h, "err");
    return b.append("</svg>").toString();
  }

  private static void polyline(StringBuilder b, double[] v, double max, int w, int h, String cls) {
    if (v.length == 0) {
      return;
    }
    b.append("<polyline class=\"").append(cls).append("\" fill=\"none\" points=\"");
    // The newest sample sits at the right edge; a short history is drawn from the right.
    double step = (double) w / (SLOTS - 2);
    for (int i = 0; i < v.length; i++) {
      double x = w - (v.length - 1 - i) * step;
      double y = max == 0 ? h - 2 : (h - 2) - (v[i] / max) * (h - 6);
      b.append(Math.round(x * 10) / 10.0).append(',').append(Math.round(y * 10) / 10.0).append(' ');
    }
    b.append("\"/>");
  }
}
