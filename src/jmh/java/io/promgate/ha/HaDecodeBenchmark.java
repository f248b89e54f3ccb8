package io.promgate.ha;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.HaTrackerConfig;
import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.metrics.Metrics;
import io.promgate.write.DecodeBenchmark;
import io.promgate.write.RemoteWriteDecoder;
import io.promgate.write.WriteStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HA tracker's cost on the decode hot path: {@link DecodeBenchmark}'s request (2,000 series,
 * each with {@code cluster=prod-eu-1} and {@code replica=a}) decoded with the tracker off, and on
 * (cluster_label: cluster, replica_label: replica) with replica a elected (every series asks the
 * tracker and is stored without {@code replica}) or replica b elected (every series deduplicated).
 * The whole request path per request: batch, decode, finish.
 *
 * <pre>./mvnw -B -Pjmh test-compile exec:exec -Djmh.args="HaDecodeBenchmark"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HaDecodeBenchmark {
  @Param({"off", "elected", "deduplicated"})
  public String tracker;

  private final RemoteWriteConfig limits = PromgateConfig.defaults().remoteWrite();
  private final HaTrackerConfig cfg = new HaTrackerConfig(true, "cluster", "replica", Duration.ofSeconds(30), false);
  private final RemoteWriteDecoder decoder = new RemoteWriteDecoder();
  private final WriteStats stats = new WriteStats();
  private HaTracker ha;
  private LineBuffer out;
  private byte[] protobuf;

  @Setup
  public void setUp() {
    protobuf = DecodeBenchmark.request(2000).toByteArray();
    out = new LineBuffer(protobuf.length * 3);
    if (!tracker.equals("off")) {
      MemoryHaStore store = new MemoryHaStore();
      String elected = tracker.equals("elected") ? "a" : "b";
      // far in the future: the request's samples are never a reason to fail over
      store.proposals.add(new HaStore.Proposal("prod-eu-1", 1, elected, HaTracker.NEVER, "n", Long.MAX_VALUE / 8));
      ManualTime time = new ManualTime(1_700_000_000_000L);
      ha = new HaTracker(() -> cfg, db -> store, time::now, time, new Metrics(new SimpleMeterRegistry()).ha);
      byte[] b = "prod-eu-1a".getBytes(StandardCharsets.UTF_8);
      HaTracker.Batch batch = ha.batch().database("db");
      batch.decide(b, 0, 9, 9, 1, 0, 0, 1); // loads the election
      batch.finish();
    }
  }

  @Benchmark
  public int decode() {
    out.clear();
    HaTracker.Batch batch = ha == null ? null : ha.batch().database("db");
    decoder.ha(batch, cfg);
    decoder.decode(protobuf, 0, protobuf.length, limits, out, stats);
    if (batch != null) {
      batch.finish();
    }
    return out.length();
  }
}
