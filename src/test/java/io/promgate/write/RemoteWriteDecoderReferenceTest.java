package io.promgate.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.prompb.Remote;
import io.promgate.prompb.v2.WriteV2;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The decoder against a reference written the plain way and independently of the production line
 * writers: the remote-write spec's checks one after the other on whole byte arrays, then the line
 * spelled out here from InfluxDB 1.6's line-protocol rules (escaping of measurement, tag keys and
 * tag values; floats as InfluxDB parses them) and promgate's documented storage conventions (the
 * {@code %pg:} marker for what line protocol cannot carry, {@code value_bits} for non-finite
 * samples). Random label sets — mostly valid, some mutated into each kind of error — and random
 * sample values (ordinary, integral, extreme, non-finite, arbitrary bit patterns) go through both
 * remote write 1.0 and 2.0, so the one-pass fast path ({@code __name__} first), the general path
 * and the 2.0 symbol caches must all agree with the reference on every line and on the exact
 * error message.
 */
class RemoteWriteDecoderReferenceTest {
  private static final RemoteWriteConfig LIMITS = limits();

  private static RemoteWriteConfig limits() {
    try {
      return PromgateConfig.parse("t", "remote_write: {max_label_name_length: 10, max_label_value_length: 12}").remoteWrite();
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  private static final String[] NAMES = {
    "A", "Zeta", "_x", "a", "aa", "ab", "b", "code", "cluster", "job", "time", "x_1", "__name__", "namespace", "instance_x",
  };
  private static final String[] BAD_NAMES = {"", "0bad", "a-b", "a:b", "ü", "name_too_long_"};
  private static final String[] METRICS = {"up", "a:b", "_m", "Up9", "my-metric", "0x", "", "ü", ":"};
  private static final byte[][] VALUES = {
    b(""), b("x"), b("a b"), b("k=v,x"), b("C:\\dir\\"), b("%pg:x"), b("line\nbreak"), b("ünï"),
    b("100%"), b("\\"), b("tab\there"), b("del\u007f"), b("value_too_long"), b("a\\,b"), b("/api/v1"),
    bytes(0xc3, 0x28), bytes(0xed, 0xa0, 0x80), bytes(0xc0, 0xaf), bytes('o', 'k', 0xe2, 0x82), bytes(0xf0, 0x9f, 0x98, 0x80),
  };

  private static long fastPathSeries;
  private static long fastPathSeriesV2;

  @Test
  void decode_randomLabelSets_matchReference() {
    SplittableRandom rnd = new SplittableRandom(7);
    int valid = 0;
    for (int iter = 0; iter < 20_000; iter++) {
      List<byte[][]> labels = randomLabels(rnd);
      double[] values = new double[1 + rnd.nextInt(3)];
      for (int i = 0; i < values.length; i++) {
        values[i] = randomValue(rnd);
      }
      String expected = reference(labels, values);
      valid += expected.startsWith("OK ") ? 1 : 0;
      String context = "labels " + describe(labels);
      assertEquals(expected, decodeV1(labels, values), context);
      assertEquals(expected, decodeV2(labels, values), context);
    }
    // The generator must exercise both outcomes in earnest, and the 1.0 fast path must have
    // taken most valid series (the rest have "time", an escaped value, or __name__ not first).
    Assertions.assertTrue(valid > 6_000 && valid < 16_000, "valid sets: " + valid);
    Assertions.assertTrue(fastPathSeries > valid / 3, "fast path took " + fastPathSeries + " of " + valid);
    // 2.0: two identical series per request, the second from the symbol cache
    Assertions.assertTrue(fastPathSeriesV2 > 2 * valid / 3,
        "2.0 fast path took " + fastPathSeriesV2 + " of " + 2 * valid);
  }

  private static List<byte[][]> randomLabels(SplittableRandom rnd) {
    List<String> names = new ArrayList<>();
    int n = rnd.nextInt(6);
    for (int i = 0; i < n; i++) {
      String name = NAMES[rnd.nextInt(NAMES.length)];
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    if (rnd.nextInt(10) != 0 && !names.contains("__name__")) {
      names.add("__name__");
    }
    Collections.sort(names); // String order is byte order for ASCII
    List<byte[][]> labels = new ArrayList<>();
    for (String name : names) {
      byte[] value = name.equals("__name__")
          ? b(rnd.nextInt(3) == 0 ? METRICS[rnd.nextInt(METRICS.length)] : "m" + rnd.nextInt(5))
          : rnd.nextInt(3) == 0 ? VALUES[rnd.nextInt(VALUES.length)] : b("v" + rnd.nextInt(100));
      labels.add(new byte[][] {b(name), value});
    }
    switch (rnd.nextInt(8)) {
      case 0 -> { // swap two labels
        if (labels.size() >= 2) {
          int i = rnd.nextInt(labels.size() - 1);
          Collections.swap(labels, i, i + 1 + rnd.nextInt(labels.size() - 1 - i));
        }
      }
      case 1 -> { // duplicate a label name next to itself
        if (!labels.isEmpty()) {
          int i = rnd.nextInt(labels.size());
          labels.add(i + 1, new byte[][] {labels.get(i)[0], b("dup")});
        }
      }
      case 3 -> { // any order: Prometheus's receiver sorts
        Collections.shuffle(labels, new Random(rnd.nextLong()));
      }
      case 4 -> { // a duplicate name anywhere, found once sorted
        if (!labels.isEmpty()) {
          labels.add(rnd.nextInt(labels.size() + 1), new byte[][] {labels.get(rnd.nextInt(labels.size()))[0], b("dup")});
        }
      }
      case 2 -> { // an invalid label name somewhere
        if (!labels.isEmpty()) {
          labels.get(rnd.nextInt(labels.size()))[0] = b(BAD_NAMES[rnd.nextInt(BAD_NAMES.length)]);
        }
      }
      default -> { }
    }
    return labels;
  }

  /**
   * "OK " + the lines, or "ERR " + the message, computed the plain way: labels checked in the
   * sender's order; at the first one out of order, sorted by name (stably, as Prometheus's
   * receiver sorts them) and checked again from the start.
   */
  private static String reference(List<byte[][]> labels, double[] values) {
    String result = reference(labels, values, false);
    if (result != null) {
      return result;
    }
    List<byte[][]> sorted = new ArrayList<>(labels);
    sorted.sort((x, y) -> Arrays.compareUnsigned(x[0], y[0]));
    return reference(sorted, values, true);
  }

  /** null: out of order (only when !sorted). */
  private static String reference(List<byte[][]> labels, double[] values, boolean sorted) {
    int nameIdx = -1;
    for (int i = 0; i < labels.size(); i++) {
      byte[] name = labels.get(i)[0];
      byte[] value = labels.get(i)[1];
      String in = " in series " + describe(labels);
      if (name.length == 0) {
        return "ERR empty label name" + in;
      }
      if (name.length > LIMITS.maxLabelNameLength()) {
        return "ERR label name longer than 10 bytes (remote_write.max_label_name_length)" + in;
      }
      if (value.length > LIMITS.maxLabelValueLength()) {
        return "ERR value of label \"" + s(name) + "\" longer than 12 bytes (remote_write.max_label_value_length)" + in;
      }
      if (!s(name).matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        return "ERR invalid label name \"" + s(name) + "\"" + in;
      }
      if (!utf8(value)) {
        return "ERR value of label \"" + s(name) + "\" is not valid UTF-8" + in;
      }
      if (i > 0) {
        int c = Arrays.compareUnsigned(labels.get(i - 1)[0], name);
        if (c == 0) {
          return "ERR duplicate label name \"" + s(name) + "\"" + in;
        }
        if (c > 0) {
          if (sorted) {
            throw new AssertionError("sorted labels out of order");
          }
          return null;
        }
      }
      if (s(name).equals("__name__")) {
        nameIdx = i;
      }
    }
    if (nameIdx < 0 || labels.get(nameIdx)[1].length == 0) {
      return "ERR series has no metric name (__name__) in series " + describe(labels);
    }
    String metric = s(labels.get(nameIdx)[1]);
    if (!metric.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
      return "ERR invalid metric name \"" + metric + "\" in series " + describe(labels);
    }
    StringBuilder key = new StringBuilder(measurement(metric));
    for (byte[][] l : labels) {
      if (l[1].length > 0) { // an empty label value is no label
        key.append(',').append(tagKey(s(l[0]))).append('=').append(tagValue(s(l[1])));
      }
    }
    StringBuilder lines = new StringBuilder("OK ");
    for (int i = 0; i < values.length; i++) {
      lines.append(key).append(' ').append(field(values[i])).append(' ').append(1000 + i).append('\n');
    }
    return lines.toString();
  }

  // Sample values: mostly what exporters send, then the edges of the float formats.
  private static final double[] EDGE_VALUES = {
    0.0, -0.0, 1, -1, 0.1, -2.5, 1 / 3.0, 100.5, 1e-6, 1.5e-6, 1e-7, 1e20, 1e21, 1.5e21, 1e22, 0x1p53, 0x1p53 + 2,
    -0x1p60, 123456789.125, Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE, 0x1p-1000,
    Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
    Double.longBitsToDouble(0x7ff0000000000002L), // Prometheus's staleness marker
    Double.longBitsToDouble(0xfff8000000000001L), // a NaN with sign and payload
  };

  private static double randomValue(SplittableRandom rnd) {
    return switch (rnd.nextInt(8)) {
      case 0, 1, 2 -> rnd.nextInt(1000);
      case 3, 4 -> rnd.nextDouble();
      case 5 -> (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(-30, 30));
      case 6 -> EDGE_VALUES[rnd.nextInt(EDGE_VALUES.length)];
      default -> Double.longBitsToDouble(rnd.nextLong()); // any bits: subnormals, NaN payloads, huge
    };
  }

  // InfluxDB 1.6 line protocol reference
  // (https://docs.influxdata.com/influxdb/v1.6/write_protocols/line_protocol_reference/):
  // measurements escape comma and space; tag keys, tag values and field keys escape comma, equals
  // sign and space, each with a backslash.

  private static String measurement(String m) {
    return m.replace(",", "\\,").replace(" ", "\\ ");
  }

  private static String escapeTag(String s) {
    return s.replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ");
  }

  /** InfluxDB refuses the tag key {@code time}: promgate stores that label under {@code %pg:time}. */
  private static String tagKey(String name) {
    return escapeTag(name.equals("time") ? "%pg:time" : name);
  }

  /**
   * A label value line protocol can carry is written escaped. It cannot carry a control character
   * (no escape exists for a newline), a backslash at the end or before a comma, equals sign, space
   * or backslash (InfluxDB reads it as an escape), and a value that starts with promgate's marker
   * would be misread as encoded: those are stored as {@code %pg:} and the value with {@code %}, the
   * backslash, comma, equals sign, space and control characters percent-encoded (upper-case hex).
   */
  private static String tagValue(String v) {
    boolean control = v.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    boolean misreadBackslash = v.endsWith("\\") || v.matches("(?s).*\\\\[,= \\\\].*");
    if (!control && !misreadBackslash && !v.startsWith("%pg:")) {
      return escapeTag(v);
    }
    StringBuilder out = new StringBuilder("%pg:");
    for (char c : v.toCharArray()) {
      if (c <= ' ' || c == 0x7f || c == '%' || c == '\\' || c == ',' || c == '=') {
        out.append(String.format("%%%02X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Line protocol has no NaN or infinity: a non-finite sample is stored as the integer field
   * {@code value_bits} holding its raw bits (the staleness marker's payload survives). A finite
   * one is the float field {@code value}.
   */
  private static String field(double v) {
    if (!Double.isFinite(v)) {
      return "value_bits=" + Double.doubleToRawLongBits(v) + "i";
    }
    return "value=" + lineProtocolFloat(v);
  }

  /**
   * A float as InfluxDB parses it (Go's strconv.ParseFloat, correctly rounded): an integral value
   * below 2^53 as an integer (a field number without {@code i} is a float), the sign of zero
   * kept; any other as the shortest decimal that reads back as exactly {@code v}, the closest to
   * {@code v} of those, laid out as JavaScript's Number#toString does (plain for decimal exponents
   * -7 < e < 21, else {@code d.ddde-8}) but with no {@code +} in a positive exponent.
   */
  private static String lineProtocolFloat(double v) {
    if (v == 0) {
      return Double.doubleToRawLongBits(v) == 0 ? "0" : "-0";
    }
    if (v == Math.rint(v) && Math.abs(v) < 0x1p53) {
      return Long.toString((long) v);
    }
    BigDecimal exact = new BigDecimal(v);
    BigDecimal shortest = null;
    for (int digits = 1; shortest == null; digits++) {
      BigDecimal closest = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      BigDecimal step = closest.ulp();
      for (BigDecimal d : new BigDecimal[] {closest, closest.subtract(step), closest.add(step)}) {
        boolean readsBack = Double.doubleToRawLongBits(Double.parseDouble(d.toString())) == Double.doubleToRawLongBits(v);
        if (readsBack && (shortest == null
            || d.subtract(exact).abs().compareTo(shortest.subtract(exact).abs()) < 0)) {
          shortest = d;
        }
      }
    }
    shortest = shortest.stripTrailingZeros();
    String d = shortest.unscaledValue().abs().toString();
    int k = d.length();
    int n = k - shortest.scale(); // v = 0.d × 10^n
    String sign = v < 0 ? "-" : "";
    if (k <= n && n <= 21) {
      return sign + d + "0".repeat(n - k);
    }
    if (0 < n && n <= 21) {
      return sign + d.substring(0, n) + "." + d.substring(n);
    }
    if (-6 < n && n <= 0) {
      return sign + "0." + "0".repeat(-n) + d;
    }
    return sign + (k == 1 ? d : d.charAt(0) + "." + d.substring(1)) + "e" + (n - 1);
  }

  // protobuf-java refuses to encode invalid UTF-8 into a string field, so labels and symbols are
  // encoded by hand (proto3 style: an empty string is left out); samples use the generated code.
  private static String decodeV1(List<byte[][]> labels, double[] values) {
    ByteArrayOutputStream ts = new ByteArrayOutputStream();
    for (byte[][] l : labels) {
      ByteArrayOutputStream label = new ByteArrayOutputStream();
      string(label, 1, l[0]);
      string(label, 2, l[1]);
      field(ts, 1, label.toByteArray()); // an empty Label{} is still a label
    }
    for (int i = 0; i < values.length; i++) {
      field(ts, 2, Remote.Sample.newBuilder().setValue(values[i]).setTimestamp(1000 + i).build().toByteArray());
    }
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    field(req, 1, ts.toByteArray());
    byte[] pb = req.toByteArray();
    LineBuffer out = new LineBuffer(16);
    RemoteWriteDecoder decoder = new RemoteWriteDecoder();
    try {
      decoder.decode(pb, 0, pb.length, LIMITS, out, new WriteStats());
      fastPathSeries += decoder.fastPathSeries();
      return "OK " + out.toStringUtf8();
    } catch (InvalidWriteException e) {
      return "ERR " + e.getMessage();
    }
  }

  private static String decodeV2(List<byte[][]> labels, double[] values) {
    // Symbols are interned by their bytes; a second, identical series shares them so that
    // anything cached per symbol for the request is used by more than one series.
    Map<ByteString, Integer> symbols = new LinkedHashMap<>();
    symbols.put(ByteString.EMPTY, 0);
    WriteV2.Request.Builder req = WriteV2.Request.newBuilder();
    for (int round = 0; round < 2; round++) {
      WriteV2.TimeSeries.Builder ts = WriteV2.TimeSeries.newBuilder();
      for (byte[][] l : labels) {
        ts.addLabelsRefs(symbols.computeIfAbsent(ByteString.copyFrom(l[0]), k -> symbols.size()));
        ts.addLabelsRefs(symbols.computeIfAbsent(ByteString.copyFrom(l[1]), k -> symbols.size()));
      }
      for (int i = 0; i < values.length; i++) {
        ts.addSamples(WriteV2.Sample.newBuilder().setValue(values[i]).setTimestamp(1000 + i));
      }
      req.addTimeseries(ts);
    }
    ByteArrayOutputStream pb = new ByteArrayOutputStream();
    for (ByteString symbol : symbols.keySet()) {
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      varint(one, 4 << 3 | 2);
      varint(one, symbol.size());
      one.writeBytes(symbol.toByteArray());
      pb.writeBytes(one.toByteArray()); // Request.symbols = 4, the empty one included
    }
    pb.writeBytes(req.build().toByteArray());
    byte[] bytes = pb.toByteArray();
    LineBuffer out = new LineBuffer(16);
    RemoteWriteDecoder decoder = new RemoteWriteDecoder();
    try {
      decoder.decodeV2(bytes, 0, bytes.length, LIMITS, out, new WriteStats(), null, 0);
      fastPathSeriesV2 += decoder.fastPathSeries();
      String twice = out.toStringUtf8();
      String once = twice.substring(0, twice.length() / 2);
      assertEquals(twice, once + once);
      return "OK " + once;
    } catch (InvalidWriteException e) {
      return "ERR " + e.getMessage();
    }
  }

  private static void string(ByteArrayOutputStream out, int number, byte[] value) {
    if (value.length > 0) {
      field(out, number, value);
    }
  }

  private static void field(ByteArrayOutputStream out, int number, byte[] value) {
    varint(out, number << 3 | 2);
    varint(out, value.length);
    out.writeBytes(value);
  }

  private static void varint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  private static String describe(List<byte[][]> labels) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < labels.size(); i++) {
      sb.append(i > 0 ? ", " : "").append(s(labels.get(i)[0])).append("=\"")
          .append(s(labels.get(i)[1]).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
    }
    return sb.append('}').toString();
  }

  private static boolean utf8(byte[] v) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static String s(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }
}
