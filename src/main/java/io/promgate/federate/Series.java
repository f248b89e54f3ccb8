package io.promgate.federate;

import io.promgate.model.Labels;

/**
 * One series of a metric family, ready to be written: its latest sample and its labels.
 *
 * <p>{@code labels} is the canonical set without {@code __name__} (sorted, no empty values): it is
 * what selectors match and, minus the dedup labels, what {@link #key} merges on. {@code
 * written} holds the labels in the order the source gave them as alternating names and values,
 * empty values included, or is null to write {@code labels} in name order (storage source). An
 * upstream Prometheus writes its series labels sorted and then its external labels, with
 * {@code instance=""} among them when the series has none; keeping that order (and that empty
 * {@code instance}) is what makes a one-upstream answer byte-identical to the upstream's own.
 */
final class Series {
  final Labels labels;
  final Labels key;
  final String[] written;
  final double value;
  final long timestampMs;
  final boolean hasTimestamp;

  Series(Labels labels, Labels key, String[] written, double value, long timestampMs, boolean hasTimestamp) {
    this.labels = labels;
    this.key = key;
    this.written = written;
    this.value = value;
    this.timestampMs = timestampMs;
    this.hasTimestamp = hasTimestamp;
  }
}
