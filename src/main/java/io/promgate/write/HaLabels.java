package io.promgate.write;

import static io.promgate.write.LabelBytes.WORD;

import io.promgate.config.HaTrackerConfig;
import io.promgate.ha.HaTracker;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * remote_write.ha_tracker, when on for the request being decoded ({@link #batch} null: off, and no
 * cost): the cluster and replica label names as bytes, and as the zero-padded words the fast path
 * compares (length -1 when over 16 bytes: the fast path never takes such a label).
 */
final class HaLabels {
  HaTracker.Batch batch;
  private HaTrackerConfig config;
  byte[] cluster;
  byte[] replica;
  long cluster1, cluster2, replica1, replica2;
  int clusterLen, replicaLen;
  boolean dropCluster;

  void set(HaTracker.Batch batch, HaTrackerConfig cfg) {
    this.batch = batch;
    if (batch == null || cfg == config) {
      return;
    }
    config = cfg;
    cluster = cfg.clusterLabel().getBytes(StandardCharsets.UTF_8);
    replica = cfg.replicaLabel().getBytes(StandardCharsets.UTF_8);
    byte[] c = Arrays.copyOf(cluster, 16);
    byte[] r = Arrays.copyOf(replica, 16);
    cluster1 = (long) WORD.get(c, 0);
    cluster2 = (long) WORD.get(c, 8);
    replica1 = (long) WORD.get(r, 0);
    replica2 = (long) WORD.get(r, 8);
    clusterLen = cluster.length <= 16 ? cluster.length : -1;
    replicaLen = replica.length <= 16 ? replica.length : -1;
    dropCluster = cfg.dropClusterLabel();
  }

  /** Counts an HA series that is not stored; true when {@code verdict} says so. */
  static boolean notStored(int verdict, int nSamples, WriteStats stats) {
    if (verdict == HaTracker.STORE) {
      return false;
    }
    stats.haDeduplicated += verdict == HaTracker.DEDUPLICATE ? nSamples : 0;
    stats.haRetry |= verdict == HaTracker.RETRY;
    return true;
  }
}
