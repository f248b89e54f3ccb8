package io.promgate.write;

import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.prompb.Remote;
import io.promgate.prompb.v2.WriteV2;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.infra.Blackhole;
import org.xerial.snappy.Snappy;

/**
 * Remote-write request → InfluxDB line protocol, the ingest hot path, against the naive way to do
 * it in the same run: protobuf-java's generated {@code parseFrom} into message objects, then a
 * StringBuilder per request with {@code String.valueOf(double)} and {@code String.replace}
 * escaping (what the Prometheus example adapter and most adapters do).
 *
 * <p>The request is Prometheus-like: {@code samplesPerRequest} series of ~10 labels with one sample
 * each (a scrape's worth of samples per series per send), half integral values, half fractional.
 * Divide ops/s by nothing and multiply by samplesPerRequest for samples/s; divide
 * {@code gc.alloc.rate.norm} by samplesPerRequest for bytes allocated per sample.
 *
 * <p>{@code naive} is kept as the straightforward implementation, and it does less than promgate:
 * protobuf-java checks UTF-8 (proto3 strings), but nothing checks label names, their order or
 * duplicates, or the metric name; only space, comma and equals are escaped (a newline or a
 * trailing backslash breaks the line), {@code time} is written as a tag key InfluxDB refuses,
 * NaN and ±Inf come out as {@code NaN}/{@code Infinity} (not line protocol), and no limit is
 * enforced.
 *
 * <pre>./mvnw -B -Pjmh test-compile exec:exec -Djmh.args="DecodeBenchmark -prof gc"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeBenchmark {
  @Param({"2000"})
  int samplesPerRequest;

  private final RemoteWriteConfig limits = PromgateConfig.defaults().remoteWrite();
  private final RemoteWriteDecoder decoder = new RemoteWriteDecoder();
  private final WriteStats stats = new WriteStats();
  private LineBuffer out;
  private byte[] protobuf;
  private byte[] compressed;
  private byte[] decompressScratch;
  private byte[] protobufV2;

  @Setup
  public void setUp() {
    protobuf = request(samplesPerRequest).toByteArray();
    compressed = SnappyBlocks.compress(protobuf, 0, protobuf.length);
    out = new LineBuffer(protobuf.length * 3);
    decompressScratch = new byte[protobuf.length];
    protobufV2 = toV2(request(samplesPerRequest)).toByteArray();
  }

  /** The same request as remote write 2.0: labels interned into one symbol table. */
  static WriteV2.Request toV2(Remote.WriteRequest v1) {
    Map<String, Integer> symbols = new LinkedHashMap<>();
    symbols.put("", 0);
    var req = WriteV2.Request.newBuilder();
    for (Remote.TimeSeries ts : v1.getTimeseriesList()) {
      var s = WriteV2.TimeSeries.newBuilder();
      for (Remote.Label l : ts.getLabelsList()) {
        s.addLabelsRefs(symbols.computeIfAbsent(l.getName(), k -> symbols.size()));
        s.addLabelsRefs(symbols.computeIfAbsent(l.getValue(), k -> symbols.size()));
      }
      for (Remote.Sample x : ts.getSamplesList()) {
        s.addSamples(WriteV2.Sample.newBuilder().setValue(x.getValue()).setTimestamp(x.getTimestamp()));
      }
      req.addTimeseries(s);
    }
    return req.addAllSymbols(symbols.keySet()).build();
  }

  /** Decode only (no snappy), remote write 1.0: compare with {@link #decodeV2}. */
  @Benchmark
  public int decodeV1(Blackhole bh) {
    out.clear();
    decoder.decode(protobuf, 0, protobuf.length, limits, out, stats);
    bh.consume(out.array());
    return out.length();
  }

  /** Decode only (no snappy), remote write 2.0, same series and samples. */
  @Benchmark
  public int decodeV2(Blackhole bh) {
    out.clear();
    decoder.decodeV2(protobufV2, 0, protobufV2.length, limits, out, stats, null, 0);
    bh.consume(out.array());
    return out.length();
  }

  public static Remote.WriteRequest request(int n) {
    SplittableRandom rnd = new SplittableRandom(1);
    Remote.WriteRequest.Builder req = Remote.WriteRequest.newBuilder();
    long ts = 1_700_000_000_000L;
    for (int i = 0; i < n; i++) {
      Remote.TimeSeries.Builder s = Remote.TimeSeries.newBuilder();
      String[] labels = {
        "__name__", "http_requests_total_" + (i % 50),
        "cluster", "prod-eu-1",
        "code", String.valueOf(200 + (i % 5)),
        "handler", "/api/v1/query_range",
        "instance", "10.0." + (i % 250) + "." + (i % 7) + ":9100",
        "job", "kubernetes-pods",
        "method", i % 2 == 0 ? "GET" : "POST",
        "namespace", "monitoring",
        "pod", "app-" + Integer.toHexString(i * 7919),
        "replica", "a",
      };
      for (int l = 0; l < labels.length; l += 2) {
        s.addLabels(Remote.Label.newBuilder().setName(labels[l]).setValue(labels[l + 1]));
      }
      double v = i % 2 == 0 ? rnd.nextInt(1_000_000) : rnd.nextDouble() * 1000;
      s.addSamples(Remote.Sample.newBuilder().setValue(v).setTimestamp(ts + rnd.nextInt(15_000)));
      req.addTimeseries(s);
    }
    return req.build();
  }

  /** promgate: bounded snappy into a reused array, then the byte-level decoder into a reused buffer. */
  @Benchmark
  public int promgate(Blackhole bh) {
    int n = SnappyBlock.declaredLength(compressed, 0, compressed.length, limits.maxDecompressedBytes());
    SnappyBlock.decompressInto(compressed, 0, compressed.length, decompressScratch);
    out.clear();
    decoder.decode(decompressScratch, 0, n, limits, out, stats);
    bh.consume(out.array());
    return out.length();
  }

  /** The same work the naive way. */
  @Benchmark
  public int naive(Blackhole bh) throws Exception {
    byte[] pb = Snappy.uncompress(compressed);
    Remote.WriteRequest req = Remote.WriteRequest.parseFrom(pb);
    StringBuilder sb = new StringBuilder();
    for (Remote.TimeSeries ts : req.getTimeseriesList()) {
      String name = "";
      for (Remote.Label l : ts.getLabelsList()) {
        if (l.getName().equals("__name__")) {
          name = l.getValue();
        }
      }
      for (Remote.Sample s : ts.getSamplesList()) {
        sb.append(name);
        for (Remote.Label l : ts.getLabelsList()) {
          sb.append(',').append(l.getName()).append('=')
              .append(l.getValue().replace(" ", "\\ ").replace(",", "\\,").replace("=", "\\="));
        }
        sb.append(" value=").append(String.valueOf(s.getValue())).append(' ').append(s.getTimestamp()).append('\n');
      }
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    bh.consume(bytes);
    return bytes.length;
  }

  /** Snappy alone, for scale: how much of the path is decompression. */
  @Benchmark
  public int snappyOnly() {
    return SnappyBlock.decompressInto(compressed, 0, compressed.length, decompressScratch);
  }
}
