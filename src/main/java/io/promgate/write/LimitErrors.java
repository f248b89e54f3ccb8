package io.promgate.write;

import io.promgate.config.RemoteWriteConfig;
import io.promgate.write.InvalidWriteException.Reason;

/** The request-limit errors of the decoder, each worded once (the key named, as everywhere). */
final class LimitErrors {
  private LimitErrors() {}

  static InvalidWriteException tooManySeries(RemoteWriteConfig limits) {
    return new InvalidWriteException(
        Reason.TOO_MANY_SERIES,
        "request has more than " + limits.maxSeriesPerRequest() + " series (remote_write.max_series_per_request)");
  }

  static InvalidWriteException tooManyLabels(RemoteWriteConfig limits) {
    return new InvalidWriteException(
        Reason.LIMIT_LABELS,
        "series has more than " + limits.maxLabelsPerSeries() + " labels (remote_write.max_labels_per_series)");
  }

  static InvalidWriteException tooManySamples(RemoteWriteConfig limits) {
    return new InvalidWriteException(
        Reason.TOO_MANY_SAMPLES,
        "request has more than " + limits.maxSamplesPerRequest() + " samples (remote_write.max_samples_per_request)");
  }
}
