package io.promgate.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.promgate.influx.InfluxClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Enforces {@code storage.influxdb.timeout} on InfluxQL queries inside InfluxDB. When promgate gives
 * up on a query (its HTTP timeout, or the client went away) InfluxDB keeps running it — one remote
 * read with thousands of {@code !=} matchers kept influxd at 100% CPU for 86 s. Every half timeout
 * this lists InfluxDB's running queries ({@code SHOW QUERIES}) and ends with {@code KILL QUERY}
 * those on promgate's databases that have run longer than the timeout (plus a second of grace).
 *
 * <p>It kills any such query on those databases, whoever sent it: promgate's databases are
 * promgate's. {@code KILL QUERY} needs admin rights when InfluxDB has authentication on; without
 * them nothing is killed and this is logged once.
 */
public final class QueryReaper {
  private static final Logger LOG = Logger.getLogger(QueryReaper.class);

  private final Supplier<InfluxClient> client;
  private final Predicate<String> ours;
  private final Counter killed;
  private boolean warned;
  private boolean running;

  private QueryReaper(Supplier<InfluxClient> client, Predicate<String> ours, MeterRegistry registry) {
    this.client = client;
    this.ours = ours;
    this.killed = Counter.builder("promgate.influxdb.queries_killed")
        .description("InfluxQL queries ended with KILL QUERY for running past storage.influxdb.timeout.")
        .register(registry);
  }

  /**
   * Starts reaping on a timer; {@code ours} says which databases are promgate's (the main one and
   * the tenants').
   */
  public static QueryReaper start(Vertx vertx, Supplier<InfluxClient> client, Predicate<String> ours,
      MeterRegistry registry) {
    QueryReaper r = new QueryReaper(client, ours, registry);
    vertx.setPeriodic(1000, id -> r.tick(vertx));
    return r;
  }

  public double killed() {
    return killed.count();
  }

  private long lastRun;

  private void tick(Vertx vertx) {
    InfluxClient c = client.get();
    long timeoutMs = c.config().timeout().toMillis();
    long now = System.currentTimeMillis();
    if (running || now - lastRun < Math.max(1000, timeoutMs / 2)) {
      return;
    }
    running = true;
    lastRun = now;
    c.queryJson("SHOW QUERIES").onComplete(ar -> {
      running = false;
      if (ar.failed()) {
        complain(ar.cause());
        return;
      }
      JsonArray results = ar.result().getJsonArray("results", new JsonArray());
      JsonObject first = results.isEmpty() ? new JsonObject() : results.getJsonObject(0);
      JsonArray series = first.getJsonArray("series", new JsonArray());
      for (int s = 0; s < series.size(); s++) {
        JsonObject one = series.getJsonObject(s);
        JsonArray cols = one.getJsonArray("columns", new JsonArray());
        int qid = cols.getList().indexOf("qid");
        int db = cols.getList().indexOf("database");
        int dur = cols.getList().indexOf("duration");
        int status = cols.getList().indexOf("status");
        if (qid < 0 || db < 0 || dur < 0) {
          continue;
        }
        JsonArray values = one.getJsonArray("values", new JsonArray());
        for (int i = 0; i < values.size(); i++) {
          JsonArray row = values.getJsonArray(i);
          long ms = goDurationMs(String.valueOf(row.getValue(dur)));
          boolean already = status >= 0 && "killed".equals(row.getValue(status));
          if (!already && ours.test(String.valueOf(row.getValue(db))) && ms > timeoutMs + 1000) {
            Object id = row.getValue(qid);
            c.execute("KILL QUERY " + id).onComplete(k -> {
              if (k.succeeded()) {
                killed.increment();
                LOG.warnf("killed InfluxDB query %s on %s after %d ms (storage.influxdb.timeout=%dms)", id,
                    row.getValue(db), ms, timeoutMs);
              } else {
                complain(k.cause());
              }
            });
          }
        }
      }
    });
  }

  private void complain(Throwable t) {
    if (!warned) {
      warned = true;
      LOG.warnf("cannot enforce storage.influxdb.timeout on InfluxDB queries (SHOW QUERIES / KILL QUERY): %s",
          t.getMessage());
    }
  }

  /** Go's time.Duration text ({@code 1h2m3.5s}, {@code 250ms}, {@code 12µs}) in ms; -1 when unreadable. */
  static long goDurationMs(String s) {
    double total = 0;
    int i = 0;
    if (s.equals("0") || s.equals("0s")) {
      return 0;
    }
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        return -1;
      }
      double n;
      try {
        n = Double.parseDouble(s.substring(start, i));
      } catch (NumberFormatException e) {
        return -1;
      }
      int u = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(u, i);
      double ms = switch (unit) {
        case "h" -> 3_600_000;
        case "m" -> 60_000;
        case "s" -> 1000;
        case "ms" -> 1;
        case "us", "µs", "μs" -> 0.001;
        case "ns" -> 0.000001;
        default -> Double.NaN;
      };
      if (Double.isNaN(ms)) {
        return -1;
      }
      total += n * ms;
    }
    return (long) total;
  }
}
