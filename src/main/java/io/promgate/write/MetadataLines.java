package io.promgate.write;

import io.promgate.influx.LineBuffer;
import io.promgate.influx.TagValues;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Metric metadata (type, help, unit) from remote write, kept in InfluxDB where a reader gets it
 * back: one point per metric in the measurement {@code %pg:metadata} — a name no Prometheus 2.x
 * metric can have — with tag {@code metric} and string fields {@code type}, {@code help},
 * {@code unit}, timestamped when written:
 *
 * <pre>SELECT last("type"), last("help"), last("unit") FROM "%pg:metadata" GROUP BY "metric"</pre>
 *
 * <p>Remote write 1.0 sends all metadata every minute and 2.0 sends it with every series, so the
 * same facts arrive over and over. A bounded cache remembers what InfluxDB has acknowledged and
 * skips repeats for an hour (then writes them again, so a new database or retention policy fills
 * up). Entries enter the cache only after the write carrying them succeeded.
 */
public final class MetadataLines {
  public static final String MEASUREMENT = TagValues.MARKER + "metadata";
  private static final byte[] PREFIX = (MEASUREMENT + ",metric=").getBytes(StandardCharsets.US_ASCII);
  static final String[] TYPES = {
    "unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"
  };
  private static final long REFRESH_MS = 3_600_000;
  private static final int MAX_ENTRIES = 200_000;

  private final ConcurrentHashMap<String, Long> written = new ConcurrentHashMap<>();

  /** Prometheus's name for a metadata type enum value (the same numbers in 1.0 and 2.0). */
  static String typeName(int type) {
    return type >= 0 && type < TYPES.length ? TYPES[type] : "unknown";
  }

  static String key(String metric, String type, String help, String unit) {
    return metric + '\0' + type + '\0' + help + '\0' + unit;
  }

  boolean isFresh(String key, long nowMs) {
    Long at = written.get(key);
    return at != null && nowMs - at < REFRESH_MS;
  }

  /** Called once InfluxDB acknowledged the write that carried these entries. */
  public void confirm(List<String> keys, long nowMs) {
    if (written.size() + keys.size() > MAX_ENTRIES) {
      written.clear(); // crude but bounded: the cost is one extra write per metric
    }
    for (String k : keys) {
      written.put(k, nowMs);
    }
  }

  /** Appends the metadata point for {@code metric}. */
  static void write(LineBuffer out, String metric, String type, String help, String unit, long nowMs) {
    out.put(PREFIX);
    byte[] m = metric.getBytes(StandardCharsets.UTF_8);
    TagValues.write(out, m, 0, m.length);
    out.putAscii(" type=");
    stringField(out, type);
    out.putAscii(",help=");
    stringField(out, help);
    out.putAscii(",unit=");
    stringField(out, unit);
    out.put((byte) ' ').putLong(nowMs).put((byte) '\n');
  }

  /** A line-protocol string field: quoted, with {@code "} and {@code \} escaped (newlines are fine). */
  private static void stringField(LineBuffer out, String s) {
    out.put((byte) '"');
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      if (b == '"' || b == '\\') {
        out.put((byte) '\\');
      }
      out.put(b);
    }
    out.put((byte) '"');
  }
}
