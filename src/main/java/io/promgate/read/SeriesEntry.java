package io.promgate.read;

import io.promgate.model.Labels;
import java.util.Arrays;

/**
 * One series a query returns, as counted by InfluxDB in the first phase: its labels as the client
 * gets them, the stored form InfluxDB knows it by, how many samples it has in the range, and its
 * places in InfluxDB's order ({@code arrival}) and in label order ({@code rank}).
 */
final class SeriesEntry {
  final String measurement;
  /** Stored tag keys and values, alternating, non-empty values only, InfluxDB's order. */
  final String[] stored;
  final Labels labels;
  long samples;
  int arrival;
  int rank;
  int group;
  /**
   * With InfluxDB's storage service: this series' special samples (NaN, ±Inf, stale markers, the
   * {@code value_bits} field), fetched before its {@code value} points and merged into them by
   * time; alternating times and bits, in time order. Null when it has none.
   */
  long[] specials;
  int specialCount;
  int specialNext;
  /** Samples passed on so far, and the last one's time: a short series is read on from there. */
  long received;
  long lastTime = Long.MIN_VALUE;
  /** A read on from {@link #lastTime} brought nothing more: what came is all there is. */
  boolean complete;

  SeriesEntry(String measurement, String[] stored, Labels labels) {
    this.measurement = measurement;
    this.stored = stored;
    this.labels = labels;
  }

  /** Its measurement, then its stored tag keys and values alternating: how a storage predicate names it. */
  String[] measurementAndTags() {
    String[] s = new String[1 + stored.length];
    s[0] = measurement;
    System.arraycopy(stored, 0, s, 1, stored.length);
    return s;
  }

  void addSpecial(long t, long bits) {
    if (specials == null) {
      specials = new long[8];
    } else if (2 * specialCount == specials.length) {
      specials = Arrays.copyOf(specials, specials.length * 2);
    }
    specials[2 * specialCount] = t;
    specials[2 * specialCount + 1] = bits;
    specialCount++;
  }

  @Override
  public String toString() {
    return labels + "x" + samples;
  }
}
