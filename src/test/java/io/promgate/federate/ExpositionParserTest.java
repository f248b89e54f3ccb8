package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.model.Labels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ExpositionParserTest {
  private static final long NOW = 1_700_000_000_000L;

  private static List<Family> parse(String text, String... match) throws ExpositionException {
    return parse(text, List.of(), 0, match);
  }

  private static List<Family> parse(String text, List<String> dedup, long limit, String... match)
      throws ExpositionException {
    List<Family> out = new ArrayList<>();
    ExpositionParser p = new ExpositionParser(selectors(match), dedup, limit, NOW, out::add);
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    p.feed(b, 0, b.length);
    p.end();
    return out;
  }

  static Selectors selectors(String... match) {
    try {
      return Selectors.parse(match.length == 0 ? List.of("{__name__=~\".+\"}") : List.of(match));
    } catch (SelectorParseException e) {
      throw new AssertionError(e);
    }
  }

  private static String render(List<Family> families) {
    StringBuilder sb = new StringBuilder();
    for (Family f : families) {
      sb.append("# ").append(f.name).append('\n');
      for (Series s : f.series) {
        sb.append(String.join(",", written(s))).append(' ').append(GoFloat.format(s.value)).append(' ')
            .append(s.hasTimestamp ? String.valueOf(s.timestampMs) : "-").append('\n');
      }
    }
    return sb.toString();
  }

  /** The labels in written order: as received, or (null: received sorted, none empty) the label set. */
  private static String[] written(Series s) {
    if (s.written != null) {
      return s.written;
    }
    String[] nv = new String[2 * s.labels.size()];
    for (int i = 0; i < s.labels.size(); i++) {
      nv[2 * i] = s.labels.name(i);
      nv[2 * i + 1] = s.labels.value(i);
    }
    return nv;
  }

  @Test
  void parse_federateAnswer_familiesInOrderWithLabelsAsWritten() throws ExpositionException {
    String text = """
        # TYPE a untyped
        a{instance="h:1",job="j",shard="0"} 1 1700000000001
        a{job="j",instance="",shard="0"} 2.5 1700000000002
        # TYPE b untyped
        b{x="1"} NaN 1700000000003
        b{x="2"} +Inf 1700000000004
        b{x="3"} -Inf -5
        """;
    assertEquals("""
        # a
        instance,h:1,job,j,shard,0 1 1700000000001
        job,j,instance,,shard,0 2.5 1700000000002
        # b
        x,1 NaN 1700000000003
        x,2 +Inf 1700000000004
        x,3 -Inf -5
        """, render(parse(text)));
    Series second = parse(text).get(0).series.get(1);
    assertEquals(Labels.of("job", "j", "shard", "0"), second.labels, "empty values are absent");
    assertEquals(null, parse(text).get(0).series.get(0).written, "sorted and non-empty: the label set says it all");
    assertArrayEquals(new String[] {"job", "j", "instance", "", "shard", "0"}, second.written);
  }

  @Test
  void feed_anyChunking_sameFamilies() throws ExpositionException {
    String text = "# HELP x doc é\nx{a=\"v\\\"é\\n\"} 1 5\nx{a=\"w\"} 2\ny 3 7\n\nz{b=\"1\",} 4\n";
    String whole = render(parse(text));
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    for (int chunk = 1; chunk <= b.length; chunk++) {
      List<Family> out = new ArrayList<>();
      ExpositionParser p = new ExpositionParser(selectors(), List.of(), 0, NOW, out::add);
      for (int i = 0; i < b.length; i += chunk) {
        p.feed(b, i, Math.min(chunk, b.length - i));
      }
      p.end();
      assertEquals(whole, render(out), "chunk size " + chunk);
    }
    assertEquals("""
        # x
        a,v"é
         1 5
        a,w 2 -
        # y
         3 7
        # z
        b,1 4 -
        """, whole);
  }

  @Test
  void parse_noTimestamp_standsForNowButIsNotWritten() throws ExpositionException {
    Series s = parse("m 1\n").get(0).series.get(0);
    assertFalse(s.hasTimestamp);
    assertEquals(NOW, s.timestampMs);
  }

  @Test
  void parse_lastLineWithoutNewline_isParsed() throws ExpositionException {
    assertEquals("# m\n 1 2\n", render(parse("m 1 2")));
  }

  @Test
  void parse_whitespaceAndComments_skipped() throws ExpositionException {
    assertEquals("# m\na,b 1 2\n", render(parse("\n   \n# comment\n\t# TYPE m counter\n  m \t{ a = \"b\" } \t1\t2  \n")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "1 | 1", "-0 | -0.0", "+1.5 | 1.5", "1e3 | 1000.0", "1E-3 | 0.001", ".5 | 0.5", "5. | 5.0", "0x1p-2 | 0.25",
    "NaN | NaN", "nan | NaN", "Inf | Infinity", "+inf | Infinity", "-Inf | -Infinity", "infinity | Infinity",
    "0.30000000000000004 | 0.30000000000000004", "123456789012345678901234567890 | 1.2345678901234568E29",
    "1e-400 | 0.0", "4.9e-324 | 4.9E-324", "9007199254740993 | 9.007199254740992E15"
  })
  void parseValue_goSyntax_exactDouble(String text, String expected) throws ExpositionException {
    ExpositionParser p = new ExpositionParser(selectors(), List.of(), 0, NOW, f -> {});
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    assertEquals(Double.doubleToRawLongBits(Double.parseDouble(expected)),
        Double.doubleToRawLongBits(p.parseValue(b, 0, b.length)), text);
  }

  @Test
  void parseValue_decimalsAgainstJavaParser_bitExact() throws ExpositionException {
    ExpositionParser p = new ExpositionParser(selectors(), List.of(), 0, NOW, f -> {});
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < 200_000; i++) {
      double v = Double.longBitsToDouble(rnd.nextLong());
      if (!Double.isFinite(v)) {
        continue;
      }
      for (String text : new String[] {Double.toString(v), GoFloat.format(v), String.valueOf(rnd.nextLong()),
          rnd.nextInt(1000) + "." + rnd.nextInt(1000) + "e" + rnd.nextInt(-30, 30)}) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)),
            Double.doubleToRawLongBits(p.parseValue(b, 0, b.length)), text);
      }
    }
  }

  @Test
  void parse_labelEscapes_unknownKeptAsWritten() throws ExpositionException {
    Series s = parse("m{a=\"x\\\\y\",b=\"q\\\"\",c=\"l\\nm\",d=\"t\\tu\"} 1\n").get(0).series.get(0);
    assertArrayEquals(new String[] {"a", "x\\y", "b", "q\"", "c", "l\nm", "d", "t\\tu"}, written(s));
  }

  @Test
  void parse_selectors_filterFamiliesAndSeries() throws ExpositionException {
    String text = "a{job=\"x\"} 1\na{job=\"y\"} 2\nb{job=\"x\"} 3\nnode_cpu{job=\"z\"} 4\n";
    assertEquals("# a\njob,x 1 -\n# b\njob,x 3 -\n", render(parse(text, "{job=\"x\"}")));
    assertEquals("# node_cpu\njob,z 4 -\n# a\njob,y 2 -\n".lines().sorted().toList(),
        render(parse(text, "{__name__=~\"node.*\"}", "a{job!=\"x\"}")).lines().sorted().toList());
    assertEquals("", render(parse(text, "{}")));
    assertEquals("", render(parse(text, "{job=\"none\"}")));
  }

  @Test
  void parse_dedupLabels_leftOutOfKeyOnly() throws ExpositionException {
    Series s = parse("m{job=\"j\",replica=\"a\"} 1\n", List.of("replica"), 0).get(0).series.get(0);
    assertEquals(Labels.of("job", "j", "replica", "a"), s.labels);
    assertEquals(Labels.of("job", "j"), s.key);
    Series plain = parse("m{job=\"j\"} 1\n", List.of("replica"), 0).get(0).series.get(0);
    assertSame(plain.labels, plain.key);
  }

  @Test
  void parse_repeatedStrings_shareOneInstance() throws ExpositionException {
    List<Family> f = parse("a{job=\"node\"} 1\nb{job=\"node\"} 2\n");
    assertSame(f.get(0).series.get(0).labels.value(0), f.get(1).series.get(0).labels.value(0));
  }

  @Test
  void parse_unsortedAnswer_counted() throws ExpositionException {
    ExpositionParser p = new ExpositionParser(selectors(), List.of(), 0, NOW, f -> {});
    byte[] b = "b 1\na 1\nc 1\nc 2\na 1\n".getBytes(StandardCharsets.US_ASCII);
    p.feed(b, 0, b.length);
    p.end();
    assertEquals(2, p.unsortedFamilies());
    assertEquals(5, p.series());
  }

  /** One malformed line each, and the message that names what is wrong with it. */
  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("1m 1", "line 1: invalid metric name"),
        Arguments.of("m", "line 1: missing value"),
        Arguments.of("m{a=\"b\"}", "line 1: missing value"),
        Arguments.of("m{a=\"b\"}1", "line 1: expected a space before the value"),
        Arguments.of("m{1a=\"b\"} 1", "line 1: invalid label name"),
        Arguments.of("m{a \"b\"} 1", "line 1: expected '=' after label name a"),
        Arguments.of("m{a=b} 1", "line 1: expected '\"' to start the value of label a"),
        Arguments.of("m{a=\"b} 1", "line 1: unterminated label value"),
        Arguments.of("m{a=\"b\\", "line 1: unterminated label value"),
        Arguments.of("m{a=\"b\" c=\"d\"} 1", "line 1: expected ',' or '}' after the value of label a"),
        Arguments.of("m{a=\"b\"", "line 1: expected ',' or '}' after the value of label a"),
        Arguments.of("m{__name__=\"x\"} 1", "line 1: label __name__ inside braces"),
        Arguments.of("m{a=\"1\",a=\"2\"} 1", "line 1: duplicate label name"),
        Arguments.of("m 1x", "line 1: invalid value"),
        Arguments.of("m 1.0d", "line 1: invalid value"),
        Arguments.of("m Infinityx", "line 1: invalid value"),
        Arguments.of("m 0x1", "line 1: invalid value"),
        Arguments.of("m 1e", "line 1: invalid value"),
        Arguments.of("m -", "line 1: invalid value"),
        Arguments.of("m 1_000", "line 1: invalid value"),
        Arguments.of("m 1e400", "line 1: value out of range"),
        Arguments.of("m -0x1p2000", "line 1: value out of range"),
        Arguments.of("m 1 12a", "line 1: invalid timestamp"),
        Arguments.of("m 1 -", "line 1: invalid timestamp"),
        Arguments.of("m 1 99999999999999999999", "line 1: invalid timestamp"),
        Arguments.of("m 1 9223372036854775808", "line 1: timestamp out of range"),
        Arguments.of("m 1 2 3", "line 1: unexpected text after the timestamp"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void parse_malformedLine_rejectedWithLineNumber(String line, String message) {
    ExpositionException e = assertThrows(ExpositionException.class, () -> parse(line + "\n"));
    assertEquals(message, e.getMessage());
  }

  @Test
  void parse_errorOnLaterLine_namesIt() {
    ExpositionException e = assertThrows(ExpositionException.class, () -> parse("a 1\n# c\n\nb{ 1\n"));
    assertEquals("line 4: invalid label name", e.getMessage());
  }

  @Test
  void parse_malformedLineInUnselectedFamily_notParsed() throws ExpositionException {
    assertEquals("# b\n 1 -\n", render(parse("a{{{ garbage\nb 1\n", "b")));
  }

  @Test
  void feed_lineOverLimit_rejectedBeforeBuffering() {
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) 'a');
    ExpositionParser p = new ExpositionParser(selectors(), List.of(), 0, NOW, f -> {});
    ExpositionException e = assertThrows(ExpositionException.class, () -> {
      for (int i = 0; i <= ExpositionParser.MAX_LINE_BYTES / chunk.length; i++) {
        p.feed(chunk, 0, chunk.length);
      }
    });
    assertEquals("line 1: longer than 1048576 bytes", e.getMessage());
    byte[] one = new byte[ExpositionParser.MAX_LINE_BYTES + 2];
    Arrays.fill(one, (byte) 'a');
    one[one.length - 1] = '\n';
    ExpositionParser q = new ExpositionParser(selectors(), List.of(), 0, NOW, f -> {});
    assertEquals("line 1: longer than 1048576 bytes",
        assertThrows(ExpositionException.class, () -> q.feed(one, 0, one.length)).getMessage());
  }

  @Test
  void parse_tooManyLabels_rejected() {
    StringBuilder sb = new StringBuilder("m{");
    for (int i = 0; i <= ExpositionParser.MAX_LABELS; i++) {
      sb.append("l").append(i).append("=\"v\",");
    }
    sb.append("} 1\n");
    assertEquals("line 1: more than 512 labels",
        assertThrows(ExpositionException.class, () -> parse(sb.toString())).getMessage());
  }

  @Test
  void parse_sampleLimit_countsSelectedSeriesOnly() throws ExpositionException {
    assertEquals(2, parse("a 1\na{x=\"1\"} 1\nb 1\n", List.of(), 2, "a").get(0).series.size());
    ExpositionException e =
        assertThrows(ExpositionException.class, () -> parse("a 1\na{x=\"1\"} 1\na{x=\"2\"} 1\n", List.of(), 2));
    assertEquals("more than sample_limit=2 series", e.getMessage());
    assertTrue(parse("", List.of(), 1).isEmpty());
  }
}
