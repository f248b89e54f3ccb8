package io.promgate.write;

import java.util.ArrayList;
import java.util.List;

/** What one remote-write request carried; filled by the decoder, reused per request. */
public final class WriteStats {
  public int series;
  public int samples;
  public int nonFiniteSamples;
  public int histograms;
  public int exemplars;
  public int metadata;
  /** Samples of series that write_relabel_configs dropped (or left without a valid name). */
  public int droppedByRelabel;
  /** Samples of non-elected HA replicas (remote_write.ha_tracker): acknowledged, not stored. */
  public int haDeduplicated;
  /** Some HA cluster of the request is being elected: answer 503 so the sender retries. */
  public boolean haRetry;
  /** Metadata entries written into this request's lines, to be remembered once InfluxDB acked them. */
  public final List<String> metadataKeys = new ArrayList<>();

  public void clear() {
    series = samples = nonFiniteSamples = histograms = exemplars = metadata = droppedByRelabel = haDeduplicated = 0;
    haRetry = false;
    metadataKeys.clear();
  }
}
