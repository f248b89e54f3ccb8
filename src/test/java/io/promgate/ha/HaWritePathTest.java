package io.promgate.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.HaTrackerConfig;
import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.metrics.Metrics;
import io.promgate.prompb.Remote;
import io.promgate.prompb.v2.WriteV2;
import io.promgate.write.InvalidWriteException;
import io.promgate.write.RemoteWriteDecoder;
import io.promgate.write.WriteStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The tracker in the decoder: which series of a request are stored, and how. c1 has replica a
 * elected, c2 replica b. Label values with a space take the decoder's general path, plain ones its
 * fast path; both must give the same answer.
 */
class HaWritePathTest {
  private static final long T0 = 1_764_770_000_000L;
  private static final RemoteWriteConfig LIMITS = PromgateConfig.defaults().remoteWrite();
  private static final HaTrackerConfig KEEP = new HaTrackerConfig(true, "cluster", "__replica__", Duration.ofSeconds(30), false);
  private static final HaTrackerConfig DROP = new HaTrackerConfig(true, "cluster", "__replica__", Duration.ofSeconds(30), true);

  private final ManualTime time = new ManualTime(T0);
  private final MemoryHaStore store = new MemoryHaStore();

  private HaTracker tracker(HaTrackerConfig cfg) {
    store.proposals.add(new HaStore.Proposal("c1", 1, "a", HaTracker.NEVER, "n", T0));
    store.proposals.add(new HaStore.Proposal("c2", 1, "b", HaTracker.NEVER, "n", T0));
    HaTracker t = new HaTracker(() -> cfg, db -> store, time::now, time, new Metrics(new SimpleMeterRegistry()).ha);
    for (String c : new String[] {"c1", "c2"}) { // first contact loads the election
      byte[] b = (c + "a").getBytes(StandardCharsets.UTF_8);
      HaTracker.Batch batch = t.batch().database("db");
      assertEquals(HaTracker.RETRY, batch.decide(b, 0, 2, 2, 1, T0, T0, 1));
      batch.finish();
    }
    return t;
  }

  private static Remote.TimeSeries series(String... labelsThenValueAndTime) {
    Remote.TimeSeries.Builder b = Remote.TimeSeries.newBuilder();
    int i = 0;
    for (; i + 2 < labelsThenValueAndTime.length; i += 2) {
      b.addLabels(Remote.Label.newBuilder().setName(labelsThenValueAndTime[i]).setValue(labelsThenValueAndTime[i + 1]));
    }
    return b.addSamples(Remote.Sample.newBuilder().setValue(Double.parseDouble(labelsThenValueAndTime[i]))
        .setTimestamp(Long.parseLong(labelsThenValueAndTime[i + 1]))).build();
  }

  private static String decode(HaTracker t, HaTrackerConfig cfg, WriteStats stats, Remote.TimeSeries... series) {
    byte[] pb = Remote.WriteRequest.newBuilder().addAllTimeseries(List.of(series)).build().toByteArray();
    LineBuffer out = new LineBuffer(16);
    RemoteWriteDecoder d = new RemoteWriteDecoder();
    HaTracker.Batch batch = t == null ? null : t.batch().database("db");
    d.ha(batch, cfg);
    d.decode(pb, 0, pb.length, LIMITS, out, stats);
    if (batch != null) {
      batch.finish();
    }
    return out.toStringUtf8();
  }

  private static final long TS = T0 + 1000;

  @Test
  void decode_electedReplica_storedWithoutReplicaLabel_othersCountedNotStored() {
    for (String job : new String[] {"x", "x y"}) { // fast path, general path
      HaTracker t = tracker(KEEP);
      WriteStats stats = new WriteStats();
      String lines = decode(t, KEEP, stats,
          series("__name__", "up", "__replica__", "a", "cluster", "c1", "job", job, "1", "" + TS),
          series("__name__", "up", "__replica__", "b", "cluster", "c1", "job", job, "2", "" + TS),
          series("__name__", "up", "job", job, "3", "" + TS));
      String j = job.replace(" ", "\\ ");
      assertEquals("up,__name__=up,cluster=c1,job=" + j + " value=1 " + TS + "\n"
          + "up,__name__=up,job=" + j + " value=3 " + TS + "\n", lines, job);
      assertEquals(2, stats.samples);
      assertEquals(1, stats.haDeduplicated);
      assertFalse(stats.haRetry);
    }
  }

  @Test
  void decode_dropClusterLabel_storesElectedWithoutEitherLabel() {
    for (String job : new String[] {"x", "x y"}) {
      HaTracker t = tracker(DROP);
      WriteStats stats = new WriteStats();
      String lines = decode(t, DROP, stats,
          series("__name__", "up", "__replica__", "a", "cluster", "c1", "job", job, "1", "" + TS));
      assertEquals("up,__name__=up,job=" + job.replace(" ", "\\ ") + " value=1 " + TS + "\n", lines, job);
    }
  }

  @Test
  void decode_onlyOneOfTheLabels_passesUntouched() {
    for (HaTrackerConfig cfg : new HaTrackerConfig[] {KEEP, DROP}) {
      for (String job : new String[] {"x", "x y"}) {
        HaTracker t = tracker(cfg);
        WriteStats stats = new WriteStats();
        String lines = decode(t, cfg, stats,
            series("__name__", "up", "cluster", "c1", "job", job, "1", "" + TS),
            series("__name__", "up", "__replica__", "b", "job", job, "2", "" + TS));
        String j = job.replace(" ", "\\ ");
        assertEquals("up,__name__=up,cluster=c1,job=" + j + " value=1 " + TS + "\n"
            + "up,__name__=up,__replica__=b,job=" + j + " value=2 " + TS + "\n", lines, cfg + " " + job);
        assertEquals(0, stats.haDeduplicated);
      }
    }
  }

  @Test
  void decode_severalClustersInOneRequest_eachByItsOwnElection() {
    HaTracker t = tracker(KEEP);
    WriteStats stats = new WriteStats();
    String lines = decode(t, KEEP, stats,
        series("__name__", "up", "__replica__", "a", "cluster", "c1", "1", "" + TS),
        series("__name__", "up", "__replica__", "a", "cluster", "c2", "2", "" + TS),
        series("__name__", "up", "__replica__", "b", "cluster", "c1", "3", "" + TS),
        series("__name__", "up", "__replica__", "b", "cluster", "c2", "4", "" + TS));
    assertEquals("up,__name__=up,cluster=c1 value=1 " + TS + "\n" + "up,__name__=up,cluster=c2 value=4 " + TS + "\n",
        lines);
    assertEquals(2, stats.haDeduplicated);
    HaStatus status = t.status();
    assertEquals(List.of("c1", "c2"), status.clusters().stream().map(HaStatus.ClusterStatus::cluster).toList());
    assertEquals(1, status.clusters().get(0).deduplicatedSamples());
    assertEquals(TS, status.clusters().get(0).replicas().get(1).lastSampleTimeMs(), "b's newest sample");
  }

  @Test
  void decode_clusterBeingElected_asksForRetryAndStoresNothingOfIt() {
    HaTracker t = tracker(KEEP);
    WriteStats stats = new WriteStats();
    String lines = decode(t, KEEP, stats,
        series("__name__", "up", "__replica__", "a", "cluster", "c3", "1", "" + TS),
        series("__name__", "up", "job", "x", "1", "" + TS));
    assertTrue(stats.haRetry);
    assertEquals("up,__name__=up,job=x value=1 " + TS + "\n", lines);
  }

  @Test
  void decode_invalidUtf8ReplicaValue_rejectedAsWithoutTracker() {
    HaTracker t = tracker(KEEP);
    byte[] pb = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "up", "__replica__", "a~", "cluster", "c1", "1", "" + TS)).build().toByteArray();
    for (int i = 0; i + 1 < pb.length; i++) {
      if (pb[i] == 'a' && pb[i + 1] == '~') {
        pb[i + 1] = (byte) 0xff; // not UTF-8 (protobuf-java would not encode it)
      }
    }
    RemoteWriteDecoder d = new RemoteWriteDecoder();
    d.ha(t.batch().database("db"), KEEP);
    InvalidWriteException e = Assertions.assertThrows(
        InvalidWriteException.class,
        () -> d.decode(pb, 0, pb.length, LIMITS, new LineBuffer(16), new WriteStats()));
    assertEquals("value of label \"__replica__\" is not valid UTF-8 in series {__name__=\"up\", __replica__=\"a\uFFFD\","
        + " cluster=\"c1\"}", e.getMessage());
  }

  @Test
  void decode_trackerOff_keepsBothLabels() {
    WriteStats stats = new WriteStats();
    String lines = decode(null, KEEP, stats,
        series("__name__", "up", "__replica__", "b", "cluster", "c1", "1", "" + TS));
    assertEquals("up,__name__=up,__replica__=b,cluster=c1 value=1 " + TS + "\n", lines);
  }

  @Test
  void decodeV2_deduplicatedSeries_neitherSamplesNorMetadataStored() {
    HaTracker t = tracker(KEEP);
    Map<String, Integer> sym = new LinkedHashMap<>();
    sym.put("", 0);
    Function<String, Integer> ref = s -> sym.computeIfAbsent(s, k -> sym.size());
    WriteV2.Request.Builder req = WriteV2.Request.newBuilder();
    for (String replica : new String[] {"b", "a"}) {
      WriteV2.TimeSeries.Builder s = WriteV2.TimeSeries.newBuilder();
      for (String l : new String[] {"__name__", "up_" + replica, "__replica__", replica, "cluster", "c1"}) {
        s.addLabelsRefs(ref.apply(l));
      }
      s.addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(TS));
      s.setMetadata(WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_GAUGE)
          .setHelpRef(ref.apply("help " + replica)));
      req.addTimeseries(s);
    }
    req.addAllSymbols(new ArrayList<>(sym.keySet()));
    byte[] pb = req.build().toByteArray();
    LineBuffer out = new LineBuffer(16);
    RemoteWriteDecoder d = new RemoteWriteDecoder();
    HaTracker.Batch batch = t.batch().database("db");
    d.ha(batch, KEEP);
    WriteStats stats = new WriteStats();
    d.decodeV2(pb, 0, pb.length, LIMITS, out, stats, null, 5000);
    batch.finish();
    String lines = out.toStringUtf8();
    assertTrue(lines.contains("up_a,__name__=up_a,cluster=c1 value=1 " + TS + "\n"), lines);
    assertTrue(lines.contains("help a"), lines);
    assertFalse(lines.contains("up_b"), lines);
    assertFalse(lines.contains("help b"), lines);
    assertEquals(1, stats.haDeduplicated);
  }
}
