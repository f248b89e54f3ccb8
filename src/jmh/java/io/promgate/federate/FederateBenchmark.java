package io.promgate.federate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The /federate text hot paths on one shard's answer: 25,000 series in 100 families of 250, ~5
 * labels each, values a monitoring-like mix (a third integers, a third few-digit decimals, a third
 * 16-17 digit ratios), as Prometheus 2.42 writes them.
 *
 * <ul>
 *   <li>{@code parse}: the upstream answer through {@link ExpositionParser} (selectors applied);
 *   <li>{@code write}: the parsed families back out through {@link ExpositionWriter};
 *   <li>{@code formatGo} vs {@code formatExactOnly}: {@link GoFloat}'s fast paths against its exact
 *       BigDecimal path alone on the same 25,000 values, i.e. what the fast paths buy;
 *       {@code formatJavaToString} is the JDK's (wrong-format) {@code Double.toString} for scale.
 * </ul>
 *
 * Divide ops/s by nothing and multiply by 25,000 for series/s.
 *
 * <pre>./mvnw -B -Pjmh test-compile exec:exec -Djmh.args="FederateBenchmark -prof gc"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FederateBenchmark {
  static final int FAMILIES = 100;
  static final int PER_FAMILY = 250;

  private byte[] answer;
  private double[] values;
  private Selectors selectors;
  private List<Family> parsed;
  private final byte[] scratch = new byte[32];

  @Setup
  public void setUp() throws Exception {
    SplittableRandom rnd = new SplittableRandom(11);
    values = new double[FAMILIES * PER_FAMILY];
    StringBuilder sb = new StringBuilder();
    int i = 0;
    for (int f = 0; f < FAMILIES; f++) {
      String name = String.format("bench_metric_%03d", f);
      sb.append("# TYPE ").append(name).append(" untyped\n");
      for (int s = 0; s < PER_FAMILY; s++, i++) {
        double v = switch (i % 3) {
          case 0 -> (double) rnd.nextLong(0, 1L << 40);
          case 1 -> rnd.nextInt(0, 100_000) / 100.0;
          default -> rnd.nextDouble() * rnd.nextInt(1, 1000);
        };
        values[i] = v;
        sb.append(name).append("{code=\"").append(200 + s % 5).append("\",instance=\"10.0.").append(s % 50)
            .append('.').append(s).append(":9100\",job=\"node\",node=\"n0-").append(s).append("\",path=\"/api/v")
            .append(s % 7).append("\",shard=\"0\"} ").append(GoFloat.format(v)).append(" 1700000000000\n");
      }
    }
    answer = sb.toString().getBytes(StandardCharsets.UTF_8);
    selectors = Selectors.parse(List.of("{__name__=~\"bench_.*\"}"));
    parsed = parse();
  }

  private List<Family> parse() throws ExpositionException {
    List<Family> out = new ArrayList<>(FAMILIES);
    ExpositionParser p = new ExpositionParser(selectors, List.of(), 0, 0, out::add);
    p.feed(answer, 0, answer.length);
    p.end();
    return out;
  }

  @Benchmark
  public List<Family> parse25k() throws ExpositionException {
    return parse();
  }

  @Benchmark
  public void write25k(Blackhole bh) {
    ExpositionWriter w = new ExpositionWriter(Map.of("gateway", "gw-1"), List.of(), (b, n) -> bh.consume(b));
    for (Family f : parsed) {
      w.family(f);
    }
    w.flush();
  }

  @Benchmark
  public int formatGo25k() {
    int n = 0;
    for (double v : values) {
      n += GoFloat.write(v, scratch, 0);
    }
    return n;
  }

  @Benchmark
  public int formatExactOnly25k() {
    int n = 0;
    for (double v : values) {
      n += v == 0 ? 1 : GoFloat.formatExact(v).length();
    }
    return n;
  }

  @Benchmark
  public int formatJavaToString25k() {
    int n = 0;
    for (double v : values) {
      n += Double.toString(v).length();
    }
    return n;
  }

  /** The whole upstream-to-client text path for one shard: parse, then write. */
  @Benchmark
  public int parseAndWrite25k() throws ExpositionException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(answer.length + 1024);
    ExpositionWriter w = new ExpositionWriter(Map.of(), List.of(), (b, n) -> out.write(b, 0, n));
    ExpositionParser p = new ExpositionParser(selectors, List.of(), 0, 0, w::family);
    p.feed(answer, 0, answer.length);
    p.end();
    w.flush();
    return out.size();
  }
}
