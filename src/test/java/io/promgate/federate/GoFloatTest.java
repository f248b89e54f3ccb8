package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.promgate.testing.Await;
import io.promgate.testing.RealPrometheus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go {@code strconv.FormatFloat(f, 'g', -1, 64)} as Prometheus's text encoder uses it. */
class GoFloatTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    // Prometheus writeFloat's special cases
    "NaN | NaN", "Infinity | +Inf", "-Infinity | -Inf", "0 | 0", "-0.0 | 0", "1 | 1", "-1 | -1",
    // %f below 1e6 and from 1e-4; %e outside, at least two exponent digits (seen from Prometheus 2.42)
    "100000 | 100000", "123456 | 123456", "999999 | 999999", "1000000 | 1e+06", "1234567 | 1.234567e+06",
    "123456789 | 1.23456789e+08", "1e20 | 1e+20", "1e21 | 1e+21", "1e100 | 1e+100", "1.7976931348623157e308 | 1.7976931348623157e+308",
    "0.0001 | 0.0001", "0.00012345 | 0.00012345", "0.00001 | 1e-05", "1.5e-7 | 1.5e-07", "1e-100 | 1e-100",
    "4.9e-324 | 5e-324", "2.2250738585072014e-308 | 2.2250738585072014e-308",
    // shortest digits, including where JDK 17's Double.toString is not
    "0.1 | 0.1", "0.3 | 0.3", "0.30000000000000004 | 0.30000000000000004", "0.3333333333333333 | 0.3333333333333333",
    "2e23 | 2e+23", "1e23 | 1e+23", "8.41e21 | 8.41e+21", "5.0e-324 | 5e-324", "9007199254740993 | 9.007199254740992e+15",
    "9007199254740992 | 9.007199254740992e+15", "1.0000000000000002 | 1.0000000000000002", "4503599627370496.5 | 4.503599627370496e+15",
    "123.456 | 123.456", "-123.456 | -123.456", "1.5 | 1.5", "1234.5 | 1234.5", "999999.9 | 999999.9",
    "0.002 | 0.002", "2.0E-3 | 0.002", "1.0E-5 | 1e-05", "100 | 100", "12345678.9 | 1.23456789e+07"
  })
  void format_knownValues_asGo(String in, String expected) {
    assertEquals(expected, GoFloat.format(Double.parseDouble(in)));
  }

  /** Against exact decimal arithmetic ({@link ExactGoFloat}) on 300k doubles of every shape. */
  @Test
  void format_randomDoubles_fastPathsEqualExactPath() {
    SplittableRandom rnd = new SplittableRandom(42);
    List<String> diffs = new ArrayList<>();
    for (int i = 0; i < Integer.getInteger("gofloat.samples", 300_000) && diffs.size() < 10; i++) {
      double v = sample(rnd, i);
      if (v == 0 || !Double.isFinite(v)) {
        continue;
      }
      String fast = GoFloat.format(v);
      String exact = ExactGoFloat.format(v);
      if (!fast.equals(exact)) {
        diffs.add(v + ": " + fast + " vs exact " + exact);
      }
      if (Double.parseDouble(fast) != v) {
        diffs.add(v + ": " + fast + " does not read back");
      }
    }
    assertEquals(List.of(), diffs);
  }

  /**
   * Random bits, decimals with few digits, integers, ratios (the shapes monitoring values take),
   * and the edges of the algorithm: powers of two (a narrower gap below), neighbours of powers of
   * ten, decimals of exactly 16 and 17 digits.
   */
  private static double sample(SplittableRandom rnd, int i) {
    return switch (i % 9) {
      case 0 -> Double.longBitsToDouble(rnd.nextLong());
      case 1 -> rnd.nextLong(1, 1L << 53) * Math.pow(10, rnd.nextInt(-30, 30));
      case 2 -> rnd.nextInt(1, 100_000) / Math.pow(10, rnd.nextInt(0, 12));
      case 3 -> (double) rnd.nextLong(-(1L << 62), 1L << 62);
      case 4 -> rnd.nextDouble() * Math.pow(10, rnd.nextInt(-8, 12));
      case 5 -> Math.scalb(1.0, rnd.nextInt(-1074, 1024));
      case 6 -> {
        double p = Double.parseDouble("1e" + rnd.nextInt(-320, 309));
        yield rnd.nextBoolean() ? Math.nextUp(p) : Math.nextDown(p);
      }
      case 7 -> Double.parseDouble(rnd.nextLong(1_000_000_000_000_000L, 10_000_000_000_000_000L) + "e" + rnd.nextInt(-40, 40));
      default -> (double) rnd.nextInt(1, 1000) / rnd.nextInt(1, 1000);
    };
  }

  /**
   * The same values through a real Prometheus: it scrapes them (exactly, from Java's round-trip
   * text) and writes them back in its /federate answer with Go's formatting.
   */
  @Test
  void format_sameAsRealPrometheusFederate() throws IOException {
    SplittableRandom rnd = new SplittableRandom(7);
    Map<String, Double> values = new LinkedHashMap<>();
    double[] fixed = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0, 1, -1, 4.9e-324,
        1e21, 1e-5, 123456789, 1e6, 999999, 0.1, 2e23, 8.41e21, Double.MAX_VALUE, Double.MIN_NORMAL};
    for (int i = 0; i < fixed.length; i++) {
      values.put("f" + i, fixed[i]);
    }
    for (int i = 0; i < 3000; i++) {
      double v = sample(rnd, i);
      if (Double.isFinite(v)) {
        values.put("r" + i, v);
      }
    }
    StringBuilder text = new StringBuilder();
    values.forEach((id, v) -> text.append("gofloat{id=\"").append(id).append("\"} ")
        .append(Double.isNaN(v) ? "NaN" : Double.isInfinite(v) ? (v > 0 ? "+Inf" : "-Inf") : Double.toString(v))
        .append('\n'));
    HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
    target.createContext("/metrics", ex -> {
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    target.start();
    try (RealPrometheus prometheus = RealPrometheus.start("""
        global: {scrape_interval: 1s}
        scrape_configs:
          - job_name: gofloat
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """.formatted(target.getAddress().getPort()))) {
      String[] federated = new String[1];
      Await.until(Duration.ofSeconds(20), "values scraped", () -> {
        federated[0] = prometheus.getText("/federate?match%5B%5D=gofloat");
        return federated[0].split("\n").length == values.size() + 1;
      });
      List<String> diffs = new ArrayList<>();
      for (String line : federated[0].split("\n")) {
        if (line.startsWith("#")) {
          continue;
        }
        String id = line.substring(line.indexOf("id=\"") + 4, line.indexOf('"', line.indexOf("id=\"") + 4));
        String[] parts = line.substring(line.indexOf('}') + 2).split(" ");
        String ours = GoFloat.format(values.get(id));
        if (!parts[0].equals(ours)) {
          diffs.add(id + " " + values.get(id) + ": Prometheus " + parts[0] + ", promgate " + ours);
        }
      }
      assertEquals(List.of(), diffs);
    } finally {
      target.stop(0);
    }
  }

  @Test
  void write_longestValue_fitsTheDocumentedBound() {
    byte[] out = new byte[24];
    assertEquals(24, GoFloat.write(-2.2250738585072014e-308, out, 0));
    assertEquals("-2.2250738585072014e-308", new String(out, StandardCharsets.US_ASCII));
  }
}
