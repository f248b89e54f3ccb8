package io.promgate.federate;

import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
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
 *   <li>each of those and {@code parseAndWrite} against its {@code ...Naive} twin in the same run:
 *       the answer decoded to a String, {@code split("\n")}, a {@code java.util.regex} per line
 *       and per label, {@code Double.parseDouble}; writing with a {@code StringBuilder}, {@code
 *       String.join} and {@code Double.toString} laid out as Go's {@code 'g'} through {@link
 *       BigDecimal}. {@link #setUp} checks that the naive parser yields the same families and
 *       series and the naive writer the same bytes, so each ratio compares equal work;
 *   <li>{@code formatGo} vs {@code formatExactOnly}: {@link GoFloat} (Schubfach digits,
 *       {@code model.ShortestDouble.writeGo}) against deciding each value by exact BigDecimal
 *       arithmetic ({@link ExactGoFloat}, the tests' reference) on the same 25,000 values;
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
  static final Map<String, String> EXTERNAL = Map.of("gateway", "gw-1");

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
    verifyNaive();
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
  public List<Family> parse25kNaive() {
    return naiveParse(answer);
  }

  @Benchmark
  public void write25k(Blackhole bh) {
    ExpositionWriter w = new ExpositionWriter(EXTERNAL, List.of(), (b, n) -> bh.consume(b));
    for (Family f : parsed) {
      w.family(f);
    }
    w.flush();
  }

  @Benchmark
  public byte[] write25kNaive() {
    return naiveWrite(parsed, EXTERNAL);
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
      n += v == 0 ? 1 : ExactGoFloat.format(v).length();
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

  @Benchmark
  public int parseAndWrite25kNaive() {
    return naiveWrite(naiveParse(answer), Map.of()).length;
  }

  // ---- the naive way

  private static final Pattern LINE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?[ \t]+(\\S+)(?:[ \t]+(-?\\d+))?[ \t]*");
  private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");

  /** Text format 0.0.4 the way most hand-written parsers do it: a String, split, regexes. */
  private List<Family> naiveParse(byte[] body) {
    List<Family> out = new ArrayList<>();
    Family family = null;
    for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      java.util.regex.Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("bad line: " + line);
      }
      String name = m.group(1);
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        java.util.regex.Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), unescape(l.group(2)));
        }
      }
      Labels set = Labels.of(labels);
      Matcher[][] selected = selectors.forFamily(name);
      if (selected == null || !Selectors.matches(selected, set)) {
        continue;
      }
      String v = m.group(3);
      double value = switch (v) {
        case "NaN" -> Double.NaN;
        case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(v);
      };
      boolean hasTimestamp = m.group(4) != null;
      long ts = hasTimestamp ? Long.parseLong(m.group(4)) : 0;
      if (family == null || !family.name.equals(name)) {
        family = new Family(name);
        out.add(family);
      }
      List<String> pairs = new ArrayList<>();
      labels.forEach((k, x) -> {
        pairs.add(k);
        pairs.add(x);
      });
      // the source's order is kept only when it is not already the canonical one
      String[] written = pairs.size() == 2 * set.size() && new ArrayList<>(labels.keySet()).equals(sortedNames(set))
          ? null
          : pairs.toArray(String[]::new);
      family.series.add(new Series(set, set, written, value, ts, hasTimestamp));
    }
    return out;
  }

  private static List<String> sortedNames(Labels l) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < l.size(); i++) {
      names.add(l.name(i));
    }
    return names;
  }

  private static String unescape(String v) {
    if (v.indexOf('\\') < 0) {
      return v;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '\\' && i + 1 < v.length()) {
        char x = v.charAt(++i);
        switch (x) {
          case 'n' -> sb.append('\n');
          case '\\', '"' -> sb.append(x);
          default -> sb.append(c).append(x);
        }
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** /federate's output with a StringBuilder: the same label rules as {@link ExpositionWriter}. */
  private static byte[] naiveWrite(List<Family> families, Map<String, String> external) {
    TreeMap<String, String> ext = new TreeMap<>(external);
    boolean instanceMarker = !ext.containsKey("instance");
    if (instanceMarker) {
      ext.put("instance", "");
    }
    StringBuilder sb = new StringBuilder();
    for (Family f : families) {
      sb.append("# TYPE ").append(f.name).append(" untyped\n");
      for (Series s : f.series) {
        List<String> parts = new ArrayList<>();
        boolean instanceWritten = false;
        if (s.written != null) {
          for (int i = 0; i < s.written.length; i += 2) {
            String n = s.written[i];
            String v = s.written[i + 1];
            if (v.isEmpty()) {
              if (!instanceMarker || !n.equals("instance") || instanceWritten) {
                continue;
              }
              instanceWritten = true;
            }
            parts.add(n + "=\"" + escape(v) + "\"");
          }
        } else {
          for (int i = 0; i < s.labels.size(); i++) {
            parts.add(s.labels.name(i) + "=\"" + escape(s.labels.value(i)) + "\"");
          }
        }
        for (Map.Entry<String, String> e : ext.entrySet()) {
          if (!s.labels.has(e.getKey()) && !(instanceWritten && e.getKey().equals("instance"))) {
            parts.add(e.getKey() + "=\"" + escape(e.getValue()) + "\"");
          }
        }
        sb.append(f.name).append('{').append(String.join(",", parts)).append("} ").append(goFloat(s.value));
        if (s.hasTimestamp) {
          sb.append(' ').append(s.timestampMs);
        }
        sb.append('\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /** Go's {@code FormatFloat(v, 'g', -1, 64)} from {@code Double.toString}'s digits. */
  static String goFloat(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return "0";
    }
    BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
    int exp = d.precision() - d.scale() - 1;
    if (exp >= -4 && exp < 6) {
      return d.toPlainString();
    }
    String digits = d.unscaledValue().abs().toString();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (v < 0 ? "-" : "") + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
  }

  /** Equal work: the naive parser finds the same series, the naive writer writes the same bytes. */
  private void verifyNaive() throws Exception {
    List<Family> naive = naiveParse(answer);
    check(naive.size() == parsed.size(), "parse: " + naive.size() + " families vs " + parsed.size());
    for (int f = 0; f < parsed.size(); f++) {
      Family a = parsed.get(f);
      Family b = naive.get(f);
      check(a.name.equals(b.name) && a.series.size() == b.series.size(), "parse: family " + a.name);
      for (int i = 0; i < a.series.size(); i++) {
        Series x = a.series.get(i);
        Series y = b.series.get(i);
        check(x.labels.equals(y.labels) && x.key.equals(y.key) && Arrays.equals(x.written, y.written)
                && Double.doubleToRawLongBits(x.value) == Double.doubleToRawLongBits(y.value)
                && x.timestampMs == y.timestampMs && x.hasTimestamp == y.hasTimestamp,
            "parse: series " + i + " of " + a.name);
      }
    }
    ByteArrayOutputStream ours = new ByteArrayOutputStream();
    ExpositionWriter w = new ExpositionWriter(EXTERNAL, List.of(), (b, n) -> ours.write(b, 0, n));
    parsed.forEach(w::family);
    w.flush();
    byte[] theirs = naiveWrite(parsed, EXTERNAL);
    check(Arrays.equals(ours.toByteArray(), theirs), "write: the naive writer's " + theirs.length
        + " bytes differ from ExpositionWriter's " + ours.size());
    ByteArrayOutputStream roundTrip = new ByteArrayOutputStream();
    ExpositionWriter rw = new ExpositionWriter(Map.of(), List.of(), (b, n) -> roundTrip.write(b, 0, n));
    ExpositionParser p = new ExpositionParser(selectors, List.of(), 0, 0, rw::family);
    p.feed(answer, 0, answer.length);
    p.end();
    rw.flush();
    check(Arrays.equals(roundTrip.toByteArray(), naiveWrite(naiveParse(answer), Map.of())),
        "parseAndWrite: the naive round trip differs");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("not equal work: " + what);
    }
  }
}
