package io.promgate.influx;

import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The InfluxQL for one remote-read selection (label matchers and an inclusive millisecond time
 * range) over promgate's schema: measurement = metric name, labels as tags, float field {@code
 * value} or, for NaN/±Inf/stale samples, integer field {@code value_bits} (see {@code
 * RemoteWriteDecoder}).
 *
 * <p>What InfluxQL can express is pushed down so that InfluxDB reads as little as possible, and it
 * is always a <em>superset</em> of the exact Prometheus selection: the reader applies every matcher
 * again with Prometheus semantics ({@link Matcher}) to the labels it gets back, so a push-down may
 * widen but never narrow. Per matcher:
 *
 * <ul>
 *   <li>{@code __name__}: an {@code =} becomes {@code FROM "name"}, the first {@code =~} becomes
 *       {@code FROM /^(?:re)$/}; {@code !=} and {@code !~} cannot be said in a FROM clause, so
 *       such selections first list the measurements ({@link #showMeasurements}) and name the
 *       matching ones ({@link #fromList});
 *   <li>{@code l="v"} / {@code l!="v"}: {@code "l" = 'v'} / {@code "l" != 'v'} on the stored form
 *       ({@link TagValues#stored}), exact — InfluxDB, like Prometheus, compares an absent tag as
 *       "" (SPEC §8);
 *   <li>{@code l=~"re"} / {@code l!~"re"}: {@code "l" =~ /^(?:re)$/} / {@code !~}, both anchored
 *       the way Prometheus 2.x anchors them, so InfluxQL's Go RE2 agrees with RE2/J; OR'ed with
 *       {@code "l" =~ /^%pg:/} because a value stored marker-encoded must be decoded before it
 *       can be matched (superset);
 *   <li>a label name that is not a valid Prometheus name cannot be a stored tag: not pushed.
 * </ul>
 *
 * The time range becomes nanosecond bounds, widened to whole milliseconds and clamped to what
 * InfluxDB can store.
 */
public final class InfluxQuery {
  /** InfluxDB's int64 nanosecond range in ms (both extremes are reserved by InfluxDB). */
  public static final long MIN_MS = -9_223_372_036_854L;
  public static final long MAX_MS = 9_223_372_036_854L;
  private static final long MAX_NS = Long.MAX_VALUE - 1;
  private static final String FIELDS = "\"value\"::field, \"value_bits\"::field";
  private static final String COUNTS = "count(\"value\"::field), count(\"value_bits\"::field)";

  private final String from;
  private final String where;
  private final String measurementRegex;
  private final boolean listMeasurements;
  private final boolean matchesNothing;

  private InfluxQuery(String from, String where, String measurementRegex, boolean listMeasurements, boolean matchesNothing) {
    this.from = from;
    this.where = where;
    this.measurementRegex = measurementRegex;
    this.listMeasurements = listMeasurements;
    this.matchesNothing = matchesNothing;
  }

  public static InfluxQuery of(List<Matcher> matchers, long startMs, long endMs) {
    long start = Math.max(startMs, MIN_MS);
    long end = Math.min(endMs, MAX_MS);
    boolean nothing = matchers.isEmpty() || end < start;
    String name = null;
    String nameRegex = null;
    boolean negativeName = false;
    List<String> conditions = new ArrayList<>();
    // end * 1e6 + 999999 would overflow at MAX_MS itself
    long endNs = end >= MAX_MS ? MAX_NS : end * 1_000_000 + 999_999;
    conditions.add("time >= " + start * 1_000_000 + " AND time <= " + endNs);
    for (Matcher m : matchers) {
      if (m.name().equals(Labels.METRIC_NAME)) {
        switch (m.type()) {
          case EQ -> {
            if (name != null && !name.equals(m.value())) {
              nothing = true;
            }
            name = m.value();
          }
          case RE -> nameRegex = nameRegex == null ? m.value() : nameRegex;
          case NEQ, NRE -> negativeName = true;
        }
      } else if (Labels.isLabelName(m.name())) {
        conditions.add(condition(m));
      }
    }
    if (name != null) {
      // Every series has a name: {__name__=""} selects nothing; other name matchers decide now.
      for (Matcher m : matchers) {
        if (m.name().equals(Labels.METRIC_NAME) && !m.matches(name)) {
          nothing = true;
        }
      }
      nothing |= name.isEmpty();
    }
    String from;
    String regex = nameRegex == null ? null : anchored(nameRegex);
    if (name != null) {
      from = InfluxQl.quoteIdentifier(name);
    } else {
      from = regex == null ? "/.*/" : regex;
    }
    return new InfluxQuery(from, String.join(" AND ", conditions), regex, name == null && negativeName, nothing);
  }

  /** True when no series can match (no matchers, an empty time range, contradictory names). */
  public boolean matchesNothing() {
    return matchesNothing;
  }

  /** True when the measurements must be listed and filtered first ({@code __name__!=}/{@code !~}). */
  public boolean needsMeasurementList() {
    return listMeasurements;
  }

  /** The FROM clause for this selection: one name, an anchored regex or {@code /.*}{@code /}. */
  public String from() {
    return from;
  }

  /** {@code SHOW MEASUREMENTS}, narrowed by the first {@code __name__=~} if there is one. */
  public String showMeasurements() {
    return measurementRegex == null ? "SHOW MEASUREMENTS" : "SHOW MEASUREMENTS WITH MEASUREMENT =~ " + measurementRegex;
  }

  /** Per series in range: how many samples ({@code value} and {@code value_bits} points). */
  public String count(String from) {
    return "SELECT " + COUNTS + " FROM " + from + " WHERE " + where + " GROUP BY *";
  }

  /** The samples, series by series, each in time order; {@code extra} (may be null) is AND'ed. */
  public String select(String from, String extra) {
    return "SELECT " + FIELDS + " FROM " + from + " WHERE " + where + (extra == null ? "" : " AND (" + extra + ")")
        + " GROUP BY *";
  }

  /** As {@link #select}, but {@code value} alone: for a range counted to have no {@code value_bits}. */
  public String selectValues(String from, String extra) {
    return "SELECT \"value\"::field FROM " + from + " WHERE " + where + (extra == null ? "" : " AND (" + extra + ")")
        + " GROUP BY *";
  }

  /** A FROM clause naming {@code measurements}. */
  public static String fromList(Collection<String> measurements) {
    StringBuilder sb = new StringBuilder();
    for (String m : measurements) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(InfluxQl.quoteIdentifier(m));
    }
    return sb.toString();
  }

  /**
   * A condition true for the series with these stored tags (and for series that have further
   * tags): {@code "k1" = 'v1' AND "k2" = 'v2'}, empty values skipped, {@code __name__} too (it is
   * the measurement); null when nothing is left to say.
   */
  public static String seriesCondition(String[] tagKeys, String[] tagValues, int n) {
    StringBuilder sb = new StringBuilder().append('(');
    for (int i = 0; i < n; i++) {
      if (tagValues[i].isEmpty() || tagKeys[i].equals(Labels.METRIC_NAME)) {
        continue;
      }
      if (sb.length() > 1) {
        sb.append(" AND ");
      }
      sb.append(InfluxQl.quoteIdentifier(tagKeys[i])).append(" = ").append(InfluxQl.quoteString(tagValues[i]));
    }
    return sb.length() == 1 ? null : sb.append(')').toString();
  }

  private static String condition(Matcher m) {
    String key = InfluxQl.quoteIdentifier(TagValues.storedKey(m.name()));
    return switch (m.type()) {
      case EQ -> key + " = " + InfluxQl.quoteString(TagValues.stored(m.value()));
      case NEQ -> key + " != " + InfluxQl.quoteString(TagValues.stored(m.value()));
      case RE -> "(" + key + " =~ " + anchored(m.value()) + " OR " + key + " =~ /^%pg:/)";
      case NRE -> "(" + key + " !~ " + anchored(m.value()) + " OR " + key + " =~ /^%pg:/)";
    };
  }

  /**
   * {@code /^(?:re)$/} as an InfluxQL regex literal. InfluxQL's scanner ends the literal at an
   * unescaped {@code /} and turns {@code \/} into {@code /}, passing every other escape through
   * to Go's regexp; so a bare {@code /} is escaped, an escaped one kept as it is (RE2 reads {@code
   * \/} and {@code /} alike) and control characters, which the scanner refuses, are written as
   * RE2 {@code \x{..}} escapes, valid inside and outside character classes.
   */
  static String anchored(String re) {
    String full = Matcher.anchor(re);
    StringBuilder sb = new StringBuilder(full.length() + 8).append('/');
    for (int i = 0; i < full.length(); i++) {
      char c = full.charAt(i);
      if (c == '\\' && i + 1 < full.length()) {
        char next = full.charAt(i + 1);
        if (next < 0x20 || next == 0x7f) {
          sb.append(hex(next)); // RE2 refuses this escape anyway; never reaches here compiled
        } else {
          sb.append('\\').append(next);
        }
        i++;
      } else if (c == '/') {
        sb.append("\\/");
      } else if (c < 0x20 || c == 0x7f) {
        sb.append(hex(c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('/').toString();
  }

  private static String hex(char c) {
    return String.format("\\x{%02X}", (int) c);
  }

}
