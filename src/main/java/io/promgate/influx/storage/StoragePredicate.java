package io.promgate.influx.storage;

import io.promgate.influx.InfluxQuery;
import io.promgate.influx.TagValues;
import io.promgate.influx.storagepb.StoragePb;
import io.promgate.influx.storagepb.StoragePb.Node;
import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import java.util.ArrayList;
import java.util.List;

/**
 * The storage-service read ({@link StorageRpc}) for one remote-read selection, the counterpart of
 * {@link InfluxQuery} for that path: what can be said as a storage predicate is pushed down, always
 * as a <em>superset</em> of the exact Prometheus selection, which the reader applies again.
 *
 * <p>Only predicate shapes that InfluxDB 1.6.7 evaluates safely are ever sent. Its storage
 * service panics — and the panic takes the whole {@code influxd} down — when a predicate lets a
 * series through whose measurement the same predicate's field-key lookup does not list: a tag
 * {@code !=} that absent tags satisfy ({@code job != 'b'} on a measurement without {@code job}),
 * and the like ({@code StorageRpcTest#everyMatcherShape_pushedDownSafely_influxdStaysUp} sends every
 * matcher shape this class makes and checks influxd is still up after each). Every condition
 * sent here can only hold for a series that carries the tag, so the two lookups agree:
 *
 * <ul>
 *   <li>{@code __name__}: {@code =}, {@code !=}, {@code =~}, {@code !~} on {@code _measurement},
 *       regexes anchored as Prometheus 2.x anchors them;
 *   <li>{@code l="v"} with v non-empty: {@code l = 'v'} on the stored form ({@link TagValues});
 *   <li>{@code l=~"re"} where re does not match "": {@code l =~ ^(?:re)$ OR l =~ ^%pg:}, the
 *       marker alternative because a marker-encoded value must be decoded before it is matched;
 *   <li>everything else ({@code !=}, {@code !~}, matchers that "" satisfies): filtered by promgate.
 * </ul>
 */
public final class StoragePredicate {
  /** Which of promgate's two fields a read asks for. */
  public enum Fields {
    /** {@code value} and {@code value_bits}: for counting. */
    BOTH,
    /** The float samples. */
    VALUE,
    /** NaN, ±Inf and stale markers, stored as their bits. */
    VALUE_BITS
  }

  private final String database;
  private final List<Node> conditions;
  private final long startNs;
  private final long endNs;

  private StoragePredicate(String database, List<Node> conditions, long startNs, long endNs) {
    this.database = database;
    this.conditions = conditions;
    this.startNs = startNs;
    this.endNs = endNs;
  }

  /**
   * The selection {@code matchers} over {@code [startMs, endMs]} in {@code database} (and
   * {@code retentionPolicy}, "" for the default). Callers check {@link InfluxQuery#matchesNothing}
   * first: an empty selection needs no read at all.
   */
  public static StoragePredicate of(String database, String retentionPolicy, List<Matcher> matchers, long startMs, long endMs) {
    long start = Math.max(startMs, InfluxQuery.MIN_MS);
    long end = Math.min(endMs, InfluxQuery.MAX_MS);
    long endNs = end >= InfluxQuery.MAX_MS ? Long.MAX_VALUE - 1 : end * 1_000_000 + 999_999;
    List<Node> conditions = new ArrayList<>();
    for (Matcher m : matchers) {
      Node c = condition(m);
      if (c != null) {
        conditions.add(c);
      }
    }
    String db = retentionPolicy.isEmpty() ? database : database + "/" + retentionPolicy;
    return new StoragePredicate(db, conditions, start * 1_000_000, endNs);
  }

  /** The same selection from {@code startMs} on (a series read on after InfluxDB stopped it short). */
  public StoragePredicate from(long startMs) {
    return new StoragePredicate(database, conditions, Math.max(startNs, Math.max(startMs, InfluxQuery.MIN_MS) * 1_000_000), endNs);
  }

  /** The read of {@code fields}; with {@code count}, one count per series and field instead of points. */
  public StoragePb.ReadRequest request(Fields fields, boolean count) {
    return request(fields, count, null);
  }

  /**
   * As {@link #request(Fields, boolean)}, narrowed to the listed series: each entry of {@code
   * series} is a measurement followed by its stored tag keys and values, alternating.
   */
  public StoragePb.ReadRequest request(Fields fields, boolean count, List<String[]> series) {
    List<Node> all = new ArrayList<>(conditions);
    all.add(switch (fields) {
      case BOTH -> or(List.of(compare(Node.Comparison.EQUAL, "_field", "value"), compare(Node.Comparison.EQUAL, "_field", "value_bits")));
      case VALUE -> compare(Node.Comparison.EQUAL, "_field", "value");
      case VALUE_BITS -> compare(Node.Comparison.EQUAL, "_field", "value_bits");
    });
    if (series != null) {
      List<Node> any = new ArrayList<>(series.size());
      for (String[] s : series) {
        List<Node> each = new ArrayList<>();
        each.add(compare(Node.Comparison.EQUAL, "_measurement", s[0]));
        for (int i = 1; i + 1 < s.length; i += 2) {
          if (!s[i + 1].isEmpty() && !s[i].equals(Labels.METRIC_NAME)) {
            each.add(compare(Node.Comparison.EQUAL, s[i], s[i + 1]));
          }
        }
        any.add(and(each));
      }
      all.add(or(any));
    }
    StoragePb.ReadRequest.Builder b = StoragePb.ReadRequest.newBuilder()
        .setDatabase(database)
        .setTimestampRange(StoragePb.TimestampRange.newBuilder().setStart(startNs).setEnd(endNs))
        .setPredicate(StoragePb.Predicate.newBuilder().setRoot(and(all)))
        .setGroup(StoragePb.ReadRequest.Group.GROUP_ALL);
    if (count) {
      b.setAggregate(StoragePb.Aggregate.newBuilder().setType(StoragePb.Aggregate.Type.COUNT));
    }
    return b.build();
  }

  private static Node condition(Matcher m) {
    if (m.name().equals(Labels.METRIC_NAME)) {
      return switch (m.type()) {
        case EQ -> m.value().isEmpty() ? null : compare(Node.Comparison.EQUAL, "_measurement", m.value());
        case NEQ -> m.value().isEmpty() ? null : compare(Node.Comparison.NOT_EQUAL, "_measurement", m.value());
        case RE -> regex(Node.Comparison.REGEX, "_measurement", m.value());
        case NRE -> regex(Node.Comparison.NOT_REGEX, "_measurement", m.value());
      };
    }
    if (!Labels.isLabelName(m.name()) || m.matchesEmpty()) {
      return null; // absent tags satisfy it: not safe to push down (see the class comment)
    }
    String key = TagValues.storedKey(m.name());
    return switch (m.type()) {
      case EQ -> compare(Node.Comparison.EQUAL, key, TagValues.stored(m.value()));
      case RE -> or(List.of(regex(Node.Comparison.REGEX, key, m.value()), marker(key)));
      case NEQ, NRE -> null; // matchesEmpty() is true for these unless they exclude ""
    };
  }

  private static Node marker(String key) {
    return comparison(Node.Comparison.REGEX, key, Node.newBuilder().setRegexValue("^" + TagValues.MARKER));
  }

  private static Node regex(Node.Comparison op, String key, String re) {
    return comparison(op, key, Node.newBuilder().setRegexValue(Matcher.anchor(re)));
  }

  private static Node compare(Node.Comparison op, String key, String value) {
    return comparison(op, key, Node.newBuilder().setStringValue(value));
  }

  private static Node comparison(Node.Comparison op, String key, Node.Builder literal) {
    return Node.newBuilder()
        .setNodeType(Node.Type.COMPARISON_EXPRESSION)
        .setComparison(op)
        .addChildren(tagRef(key))
        .addChildren(literal.setNodeType(Node.Type.LITERAL))
        .build();
  }

  private static Node tagRef(String key) {
    return Node.newBuilder().setNodeType(Node.Type.TAG_REF).setTagRefValue(key).build();
  }

  private static Node and(List<Node> children) {
    return logical(Node.Logical.AND, children);
  }

  private static Node or(List<Node> children) {
    return logical(Node.Logical.OR, children);
  }

  private static Node logical(Node.Logical op, List<Node> children) {
    if (children.size() == 1) {
      return children.get(0);
    }
    return Node.newBuilder().setNodeType(Node.Type.LOGICAL_EXPRESSION).setLogical(op).addAllChildren(children).build();
  }
}
