package io.promgate.read;

import io.promgate.model.Labels;

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

  SeriesEntry(String measurement, String[] stored, Labels labels) {
    this.measurement = measurement;
    this.stored = stored;
    this.labels = labels;
  }

  @Override
  public String toString() {
    return labels + "x" + samples;
  }
}
