package io.promgate.federate;

import io.promgate.influx.InfluxClient;
import io.promgate.influx.InfluxQl;
import io.promgate.influx.TagValues;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /federate} from InfluxDB: per series, the latest sample in {@code [now -
 * lookback_delta, now]}, as Prometheus's federate takes it from its TSDB (SPEC §5).
 *
 * <p>Schema (see the write path): measurement = metric name, every label a tag (values that line
 * protocol cannot carry stored {@code %pg:}-encoded, the label {@code time} as tag key {@code
 * %pg:time}), finite samples in the float field {@code value}, non-finite ones as raw IEEE bits in
 * the integer field {@code value_bits}. So the latest sample is the later of {@code last(value)}
 * and {@code last(value_bits)}; if that is the stale marker the series is omitted, exactly as
 * Prometheus omits a series whose latest sample is stale.
 *
 * <p>Flow: {@code SHOW MEASUREMENTS} (sorted by name), keep the names some selector's name
 * matchers accept, then ask {@link #BATCH} measurements per request with two statements each,
 * {@link #IN_FLIGHT} requests at a time, and hand families over in name order. Memory is bounded
 * by {@code BATCH × IN_FLIGHT} families. Pushed down to InfluxDB: the time range, the measurement,
 * and equality matchers whose value is stored verbatim; every selector is then applied exactly
 * here.
 */
final class StorageSource implements FamilySource {
  static final int BATCH = 8;
  static final int IN_FLIGHT = 2;
  private static final long STALE_NAN_BITS = 0x7ff0000000000002L;

  private final InfluxClient influx;
  private final Selectors selectors;
  private final long minMs;
  private final long maxMs;
  private final ArrayDeque<String> pendingNames = new ArrayDeque<>();
  private final ArrayDeque<Future<List<Family>>> inFlight = new ArrayDeque<>();
  private final ArrayDeque<Family> ready = new ArrayDeque<>();
  private Future<Void> listed;
  private boolean cancelled;

  StorageSource(InfluxClient influx, Selectors selectors, long nowMs, long lookbackMs) {
    this.influx = influx;
    this.selectors = selectors;
    this.maxMs = nowMs;
    this.minMs = nowMs - lookbackMs;
  }

  @Override
  public Future<Family> next() {
    if (listed == null) {
      listed = influx.queryJson("SHOW MEASUREMENTS").map(answer -> {
        for (JsonArray row : rows(answer, 0)) {
          String name = row.getString(0);
          if (selectors.forFamily(name) != null) {
            pendingNames.add(name);
          }
        }
        return null;
      });
    }
    return listed.compose(v -> nextFamily());
  }

  private Future<Family> nextFamily() {
    if (cancelled) {
      return Future.succeededFuture();
    }
    if (!ready.isEmpty()) {
      return Future.succeededFuture(ready.poll());
    }
    fill();
    Future<List<Family>> head = inFlight.poll();
    if (head == null) {
      return Future.succeededFuture();
    }
    fill();
    return head.compose(families -> {
      ready.addAll(families);
      return nextFamily();
    });
  }

  private void fill() {
    while (inFlight.size() < IN_FLIGHT && !pendingNames.isEmpty()) {
      List<String> batch = new ArrayList<>(BATCH);
      while (batch.size() < BATCH && !pendingNames.isEmpty()) {
        batch.add(pendingNames.poll());
      }
      inFlight.add(query(batch));
    }
  }

  private Future<List<Family>> query(List<String> measurements) {
    StringBuilder q = new StringBuilder();
    for (String m : measurements) {
      String where = where(m);
      for (String field : new String[] {"value", "value_bits"}) {
        q.append("SELECT last(").append(InfluxQl.quoteIdentifier(field)).append(") FROM ")
            .append(InfluxQl.quoteIdentifier(m)).append(where).append(" GROUP BY *;");
      }
    }
    return influx.queryJson(q.toString()).map(answer -> {
      List<Family> out = new ArrayList<>(measurements.size());
      for (int i = 0; i < measurements.size(); i++) {
        Family f = family(measurements.get(i), answer, 2 * i);
        if (!f.series.isEmpty()) {
          out.add(f);
        }
      }
      return out;
    });
  }

  /** {@code WHERE time >= ..ms AND time <= ..ms [AND (push-down)]}. */
  private String where(String measurement) {
    StringBuilder w = new StringBuilder(" WHERE time >= ").append(minMs).append("ms AND time <= ")
        .append(maxMs).append("ms");
    Matcher[][] sets = selectors.forFamily(measurement);
    List<String> alternatives = new ArrayList<>();
    for (Matcher[] set : sets) {
      List<String> eqs = new ArrayList<>();
      for (Matcher m : set) {
        if (m.type() == Matcher.Type.EQ && storedVerbatim(m.name()) && storedVerbatim(m.value())) {
          eqs.add(InfluxQl.quoteIdentifier(m.name()) + " = " + InfluxQl.quoteString(m.value()));
        }
      }
      if (eqs.isEmpty()) {
        return w.toString(); // this selector may take any series of the family
      }
      alternatives.add("(" + String.join(" AND ", eqs) + ")");
    }
    return w.append(" AND (").append(String.join(" OR ", alternatives)).append(')').toString();
  }

  /**
   * Whether InfluxDB holds this label name or value as it is, so an equality can be pushed down:
   * not the {@code time} key, nothing {@link TagValues} would encode or a line-protocol
   * backslash could alter. Anything else is matched only here.
   */
  static boolean storedVerbatim(String s) {
    if (s.equals("time") || s.startsWith(TagValues.MARKER)) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < ' ' || c == 0x7f || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private Family family(String name, JsonObject answer, int statement) {
    Matcher[][] sets = selectors.forFamily(name);
    Map<Labels, Series> latest = new HashMap<>();
    for (int field = 0; field < 2; field++) {
      JsonArray series = seriesOf(answer, statement + field);
      for (int i = 0; i < series.size(); i++) {
        JsonObject s = series.getJsonObject(i);
        JsonArray values = s.getJsonArray("values");
        if (values == null || values.isEmpty()) {
          continue;
        }
        JsonArray row = values.getJsonArray(0);
        Object v = row.getValue(1);
        if (v == null) {
          continue;
        }
        long t = row.getLong(0);
        double value = field == 0 ? ((Number) v).doubleValue() : Double.longBitsToDouble(((Number) v).longValue());
        Labels labels = labels(s.getJsonObject("tags"));
        Series prev = latest.get(labels);
        // value_bits (field 1) wins a tie: it is asked second, and holds the stale marker.
        if (prev == null || t >= prev.timestampMs) {
          latest.put(labels, new Series(labels, labels, null, value, t, true));
        }
      }
    }
    List<Series> out = new ArrayList<>(latest.size());
    for (Series s : latest.values()) {
      if (Double.doubleToRawLongBits(s.value) == STALE_NAN_BITS) {
        continue;
      }
      if (Selectors.matches(sets, s.labels)) {
        out.add(s);
      }
    }
    out.sort((a, b) -> a.labels.compareTo(b.labels));
    return new Family(name, out);
  }

  private static Labels labels(JsonObject tags) {
    Labels.Builder b = new Labels.Builder(tags == null ? 4 : tags.size());
    if (tags != null) {
      for (Map.Entry<String, Object> e : tags) {
        String name = TagValues.decodeKey(e.getKey());
        if (name.equals(Labels.METRIC_NAME) || e.getValue() == null) {
          continue;
        }
        b.set(name, TagValues.decode(String.valueOf(e.getValue())));
      }
    }
    return b.build();
  }

  private static JsonArray seriesOf(JsonObject answer, int statement) {
    JsonArray results = answer.getJsonArray("results");
    if (results == null || statement >= results.size()) {
      return new JsonArray();
    }
    JsonArray series = results.getJsonObject(statement).getJsonArray("series");
    return series == null ? new JsonArray() : series;
  }

  private static List<JsonArray> rows(JsonObject answer, int statement) {
    List<JsonArray> out = new ArrayList<>();
    JsonArray series = seriesOf(answer, statement);
    for (int i = 0; i < series.size(); i++) {
      JsonArray values = series.getJsonObject(i).getJsonArray("values");
      for (int j = 0; values != null && j < values.size(); j++) {
        out.add(values.getJsonArray(j));
      }
    }
    return out;
  }

  @Override
  public void cancel() {
    cancelled = true;
    pendingNames.clear();
  }
}
