package io.promgate.ha;

import io.promgate.influx.InfluxClient;
import io.promgate.influx.LineBuffer;
import io.promgate.influx.TagValues;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The election state in the measurement {@code %pg:ha} of the database the samples go to (a name no
 * Prometheus metric can have, like {@code %pg:metadata}), so that every promgate writing there
 * shares it without another service:
 *
 * <pre>
 * %pg:ha,kind=seen,cluster=c1,replica=a,node=3f2a last_sample=1764770000000i,last_received=1764770000100i &lt;now&gt;
 * %pg:ha,kind=elect,cluster=c1,term=2,node=3f2a replica="b",boundary=1764770000000i &lt;stamp&gt;
 * </pre>
 *
 * {@code node} (random per process) keeps the points of two promgates apart; {@code term} keeps
 * proposals of different terms apart. Tag values use {@link TagValues}' encoding, as series do.
 */
final class InfluxHaStore implements HaStore {
  static final String MEASUREMENT = "%pg:ha";
  /** Views of replicas older than this are ignored: such a replica counts as gone. */
  static final String SEEN_WINDOW = "1h";

  private final Supplier<InfluxClient> client;

  InfluxHaStore(Supplier<InfluxClient> client) {
    this.client = client;
  }

  @Override
  public Future<Void> write(List<Seen> seen, List<Proposal> proposals) {
    if (seen.isEmpty() && proposals.isEmpty()) {
      return Future.succeededFuture();
    }
    LineBuffer out = new LineBuffer(256);
    for (Seen s : seen) {
      out.put(bytes(MEASUREMENT + ",kind=seen,cluster="));
      tag(out, s.cluster());
      out.put(bytes(",node=" + s.node() + ",replica="));
      tag(out, s.replica());
      out.put(bytes(" last_sample=" + s.lastSampleMs() + "i,last_received=" + s.lastReceivedMs() + "i " + s.stampMs() + "\n"));
    }
    for (Proposal p : proposals) {
      out.put(bytes(MEASUREMENT + ",kind=elect,cluster="));
      tag(out, p.cluster());
      out.put(bytes(",node=" + p.node() + ",term=" + p.term() + " replica=\""
          + p.replica().replace("\\", "\\\\").replace("\"", "\\\"") + "\",boundary=" + p.boundaryMs() + "i "
          + p.stampMs() + "\n"));
    }
    InfluxClient c;
    try {
      c = client.get();
    } catch (RuntimeException e) { // e.g. tenancy.max_tenants reached: no client for the database
      return Future.failedFuture(e);
    }
    return c.write(Buffer.buffer(out.toStringUtf8()));
  }

  @Override
  public Future<Snapshot> read() {
    String q = "SELECT max(\"last_sample\"), max(\"last_received\") FROM \"" + MEASUREMENT + "\" WHERE \"kind\"='seen'"
        + " AND time > now() - " + SEEN_WINDOW + " GROUP BY \"cluster\",\"replica\";"
        + " SELECT \"replica\",\"boundary\" FROM \"" + MEASUREMENT + "\" WHERE \"kind\"='elect'"
        + " GROUP BY \"cluster\",\"term\",\"node\"";
    InfluxClient c;
    try {
      c = client.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return c.queryJson(q).map(InfluxHaStore::parse);
  }

  static Snapshot parse(JsonObject answer) {
    Map<String, Map<String, long[]>> seen = new HashMap<>();
    Map<String, List<Proposal>> proposals = new HashMap<>();
    JsonArray results = answer.getJsonArray("results", new JsonArray());
    for (int r = 0; r < results.size(); r++) {
      JsonObject result = results.getJsonObject(r);
      int statement = result.getInteger("statement_id", r);
      for (Object o : result.getJsonArray("series", new JsonArray())) {
        JsonObject series = (JsonObject) o;
        JsonObject tags = series.getJsonObject("tags", new JsonObject());
        String cluster = TagValues.decode(tags.getString("cluster", ""));
        for (Object row : series.getJsonArray("values", new JsonArray())) {
          JsonArray v = (JsonArray) row;
          if (statement == 0) {
            String replica = TagValues.decode(tags.getString("replica", ""));
            seen.computeIfAbsent(cluster, c -> new HashMap<>())
                .put(replica, new long[] {number(v, 1), number(v, 2)});
          } else if (v.getValue(1) != null) {
            proposals.computeIfAbsent(cluster, c -> new ArrayList<>()).add(new Proposal(cluster,
                Long.parseLong(tags.getString("term", "0")), v.getString(1), number(v, 2), tags.getString("node", ""),
                number(v, 0)));
          }
        }
      }
    }
    return new Snapshot(proposals, seen);
  }

  private static long number(JsonArray row, int i) {
    Object v = row.getValue(i);
    return v instanceof Number n ? n.longValue() : HaTracker.NEVER;
  }

  private static void tag(LineBuffer out, String value) {
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    TagValues.write(out, b, 0, b.length);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
