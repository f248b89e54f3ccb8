package io.promgate.read;

import static io.promgate.read.ReadRequests.m;
import static io.promgate.read.ReadRequests.post;
import static io.promgate.read.ReadRequests.query;
import static io.promgate.read.ReadRequests.request;
import static io.promgate.read.ReadRequests.write;
import static io.promgate.testing.RemoteRequests.sample;
import static io.promgate.testing.RemoteRequests.series;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.model.Labels;
import io.promgate.prompb.Remote;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RemoteRequests;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /api/v1/read} against a real InfluxDB, data written through promgate's own remote write
 * (and InfluxDB's {@code /api/v1/prom/write}): both response types, compared with each other and
 * with what was written, sample by sample and bit by bit.
 */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class RemoteReadEndpointTest {
  static final long T0 = 1_700_000_000_000L;
  static final long STEP = 15_000L;
  static final long STALE = 0x7ff0000000000002L;
  private static final AtomicInteger METRICS = new AtomicInteger();

  @TestHTTPResource("/api/v1/write")
  URL writeUrl;

  @TestHTTPResource("/api/v1/read")
  URL readUrl;

  @TestHTTPResource("/")
  URL root;

  private final RealInfluxDb influx = RealInfluxDb.shared();

  static String metric(String prefix) {
    return prefix + "_" + METRICS.incrementAndGet();
  }

  static long b(double v) {
    return Double.doubleToRawLongBits(v);
  }

  /** What was written, in the decoded shape: labels → samples. */
  static final class Expected {
    final Map<String, List<StreamedChunks.Sample>> series = new TreeMap<>();

    Remote.TimeSeries.Builder add(String[] labels, long[] ts, long[] bits) {
      Labels sorted = Labels.of(labels); // remote write wants labels sorted by name
      Remote.TimeSeries.Builder s = Remote.TimeSeries.newBuilder();
      sorted.forEach((n, v) -> s.addLabels(Remote.Label.newBuilder().setName(n).setValue(v)));
      List<StreamedChunks.Sample> list = new ArrayList<>();
      for (int i = 0; i < ts.length; i++) {
        sample(s, Double.longBitsToDouble(bits[i]), ts[i]);
        list.add(new StreamedChunks.Sample(ts[i], bits[i]));
      }
      series.put(Labels.of(labels).toString(), list);
      return s;
    }

    Map<String, List<StreamedChunks.Sample>> only(String... labelSets) {
      Map<String, List<StreamedChunks.Sample>> out = new TreeMap<>();
      for (String l : labelSets) {
        out.put(l, series.get(l));
      }
      return out;
    }
  }

  /**
   * Reads the queries as SAMPLES and as STREAMED_XOR_CHUNKS, checks both agree, that streamed
   * series come in Prometheus's label order, and returns the answer per query, sorted by labels.
   */
  Map<Integer, Map<String, List<StreamedChunks.Sample>>> read(Remote.Query... queries) {
    var samples = ReadRequests.samples(post(readUrl.toString(), request(false, queries)));
    var chunks = ReadRequests.chunks(post(readUrl.toString(), request(true, queries)));
    for (int q = 0; q < queries.length; q++) {
      List<String> streamedOrder = new ArrayList<>(chunks.getOrDefault(q, Map.of()).keySet());
      List<String> labelOrder = new ArrayList<>(streamedOrder);
      labelOrder.sort((x, y) -> parse(x).compareTo(parse(y)));
      assertEquals(labelOrder, streamedOrder, "streamed series must come in label order");
    }
    Map<Integer, Map<String, List<StreamedChunks.Sample>>> s = ReadRequests.sorted(samples);
    Map<Integer, Map<String, List<StreamedChunks.Sample>>> c = new TreeMap<>();
    for (int q = 0; q < queries.length; q++) {
      c.put(q, new TreeMap<>(chunks.getOrDefault(q, Map.of())));
    }
    assertEquals(queries.length, s.size(), "one result per query");
    assertEquals(s, c, "SAMPLES and STREAMED_XOR_CHUNKS disagree");
    return s;
  }

  /** Parses the {@code {a="b", ...}} rendering back (test values have no quotes or commas). */
  static Labels parse(String s) {
    Labels.Builder b = new Labels.Builder();
    String body = s.substring(1, s.length() - 1);
    if (body.isEmpty()) {
      return b.build();
    }
    for (String pair : body.split(", (?=[A-Za-z_][A-Za-z0-9_]*=\")")) {
      int eq = pair.indexOf('=');
      b.set(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
    }
    return b.build();
  }

  static long[] times(int n) {
    long[] ts = new long[n];
    for (int i = 0; i < n; i++) {
      ts[i] = T0 + STEP * i;
    }
    return ts;
  }

  // ---- matchers, Prometheus semantics

  @Test
  void read_everyMatcherType_selectsExactlyWhatPrometheusWould() {
    String name = metric("rr_match");
    String other = metric("rr_match_other");
    Expected w = new Expected();
    long[] ts = times(3);
    long[] v = {b(1), b(2), b(3)};
    String[] a = {"__name__", name, "env", "prod", "job", "api"};
    String[] ab = {"__name__", name, "env", "prod", "job", "apiserver"};
    String[] c = {"__name__", name, "job", "cache"};
    String[] d = {"__name__", other, "env", "dev", "job", "api"};
    write(writeUrl.toString(), w.add(a, ts, v), w.add(ab, ts, v), w.add(c, ts, v), w.add(d, ts, v));
    String la = Labels.of(a).toString();
    String lab = Labels.of(ab).toString();
    String lc = Labels.of(c).toString();
    String ld = Labels.of(d).toString();
    long end = T0 + STEP * 2;

    var r = read(
        query(T0, end, m("__name__", "=", name)),
        query(T0, end, m("__name__", "=", name), m("job", "=~", "api")), // anchored: not apiserver
        query(T0, end, m("__name__", "=", name), m("job", "!~", "api.*")),
        query(T0, end, m("__name__", "=", name), m("env", "=", "")), // absent label
        query(T0, end, m("__name__", "=", name), m("env", "!=", "")),
        query(T0, end, m("__name__", "=", name), m("env", "=~", "prod|")), // matches absent too
        query(T0, end, m("__name__", "=", name), m("job", "!=", "cache")),
        query(T0, end, m("__name__", "=~", "rr_match_.*"), m("job", "=", "api")),
        query(T0, end, m("__name__", "!=", name), m("job", "=", "api")),
        query(T0, end, m("__name__", "!~", "rr_match_[0-9]+"), m("job", "=~", "api|cache")),
        query(T0, end, m("__name__", "=~", "RR_MATCH.*")), // case-sensitive
        query(T0, end, m("__name__", "=~", "(?i)RR_MATCH_" + name.substring(9) + "|" + other)),
        query(T0, end, m("__name__", "=", name), m("__name__", "=~", ".*_other.*")), // contradiction
        query(T0, end, m("__name__", "=", "")),
        query(T0, end));
    assertEquals(w.only(la, lab, lc), r.get(0));
    assertEquals(w.only(la), r.get(1));
    assertEquals(w.only(lc), r.get(2));
    assertEquals(w.only(lc), r.get(3));
    assertEquals(w.only(la, lab), r.get(4));
    assertEquals(w.only(la, lab, lc), r.get(5));
    assertEquals(w.only(la, lab), r.get(6));
    assertTrue(r.get(7).keySet().containsAll(List.of(la, ld)) && !r.get(7).containsKey(lab), r.get(7).keySet().toString());
    assertTrue(r.get(8).containsKey(ld) && !r.get(8).containsKey(la), r.get(8).keySet().toString());
    assertTrue(r.get(9).containsKey(ld) && !r.get(9).containsKey(la) && !r.get(9).containsKey(lc), r.get(9).keySet().toString());
    assertEquals(Map.of(), r.get(10));
    assertEquals(w.only(la, lab, lc, ld), r.get(11));
    assertEquals(Map.of(), r.get(12));
    assertEquals(Map.of(), r.get(13));
    assertEquals(Map.of(), r.get(14), "no matchers select nothing, as in Prometheus's TSDB");
  }

  @Test
  void read_regexSyntax_isRe2AnchoredWithSlashesAndEscapes() {
    String name = metric("rr_re");
    Expected w = new Expected();
    String[] slash = {"__name__", name, "path", "/api/v1/read"};
    String[] dot = {"__name__", name, "path", "a.b"};
    String[] axb = {"__name__", name, "path", "axb"};
    write(writeUrl.toString(), w.add(slash, new long[] {T0}, new long[] {b(1)}), w.add(dot, new long[] {T0}, new long[] {b(2)}),
        w.add(axb, new long[] {T0}, new long[] {b(3)}));
    var r = read(
        query(T0, T0, m("__name__", "=", name), m("path", "=~", "/api/.*")),
        query(T0, T0, m("__name__", "=", name), m("path", "=~", "\\/api\\/v1\\/read")),
        query(T0, T0, m("__name__", "=", name), m("path", "=~", "a\\.b")),
        query(T0, T0, m("__name__", "=", name), m("path", "!~", "a.b")),
        query(T0, T0, m("__name__", "=", name), m("path", "=~", "\\Qa.b\\E|[[:alpha:]]{3}")));
    assertEquals(w.only(Labels.of(slash).toString()), r.get(0));
    assertEquals(w.only(Labels.of(slash).toString()), r.get(1));
    assertEquals(w.only(Labels.of(dot).toString()), r.get(2));
    assertEquals(w.only(Labels.of(slash).toString()), r.get(3));
    assertEquals(w.only(Labels.of(dot).toString(), Labels.of(axb).toString()), r.get(4));
  }

  @Test
  void read_labelValuesLineProtocolCannotCarry_comeBackAndMatchExactly() {
    String name = metric("rr_enc");
    Expected w = new Expected();
    String[] nl = {"__name__", name, "v", "line1\nline2"};
    String[] bs = {"__name__", name, "v", "ends\\"};
    String[] pg = {"__name__", name, "v", "%pg:literal"};
    String[] time = {"__name__", name, "time", "label named time", "v", "plain, = spaced"};
    write(writeUrl.toString(), w.add(nl, new long[] {T0}, new long[] {b(1)}), w.add(bs, new long[] {T0}, new long[] {b(2)}),
        w.add(pg, new long[] {T0}, new long[] {b(3)}), w.add(time, new long[] {T0}, new long[] {b(4)}));
    var r = read(
        query(T0, T0, m("__name__", "=", name)),
        query(T0, T0, m("__name__", "=", name), m("v", "=", "line1\nline2")),
        query(T0, T0, m("__name__", "=", name), m("v", "=~", "line1.line2|ends.*")),
        query(T0, T0, m("__name__", "=", name), m("v", "!~", "line.*|%pg:.*")),
        query(T0, T0, m("__name__", "=", name), m("time", "=", "label named time")),
        query(T0, T0, m("__name__", "=", name), m("v", "=", "%pg:literal")));
    assertEquals(w.series, r.get(0));
    assertEquals(w.only(Labels.of(nl).toString()), r.get(1));
    // RE2 (Prometheus 2.x): '.' does not match a newline
    assertEquals(w.only(Labels.of(bs).toString()), r.get(2));
    // ... so "line1\nline2" is not matched by line.* and stays; the encoded-looking literal goes
    assertEquals(w.only(Labels.of(bs).toString(), Labels.of(time).toString(), Labels.of(nl).toString()), r.get(3));
    assertEquals(w.only(Labels.of(time).toString()), r.get(4));
    assertEquals(w.only(Labels.of(pg).toString()), r.get(5));
  }

  // ---- time range and values

  @Test
  void read_timeRange_isInclusiveToTheMillisecond() {
    String name = metric("rr_range");
    long[] ts = {T0 - 1, T0, T0 + 1, T0 + 999, T0 + 1000, T0 + 1001};
    long[] v = {b(1), b(2), b(3), b(4), b(5), b(6)};
    Expected w = new Expected();
    String[] l = {"__name__", name};
    write(writeUrl.toString(), w.add(l, ts, v));
    var r = read(query(T0, T0 + 1000, m("__name__", "=", name)), query(T0 + 1, T0 + 1, m("__name__", "=", name)),
        query(T0 + 2, T0 + 998, m("__name__", "=", name)), query(Long.MIN_VALUE, Long.MAX_VALUE, m("__name__", "=", name)),
        query(-1, T0, m("__name__", "=", name)));
    assertEquals(w.series.get(Labels.of(l).toString()).subList(1, 5), r.get(0).get(Labels.of(l).toString()));
    assertEquals(w.series.get(Labels.of(l).toString()).subList(2, 3), r.get(1).get(Labels.of(l).toString()));
    assertEquals(Map.of(), r.get(2));
    // beyond what InfluxDB can store: clamped, everything there is
    assertEquals(w.series, r.get(3));
    assertEquals(w.series.get(Labels.of(l).toString()).subList(0, 2), r.get(4).get(Labels.of(l).toString()));
  }

  @Test
  void read_specialValues_comeBackBitExact() {
    String name = metric("rr_special");
    long[] v = {b(1.5), STALE, b(Double.NaN), 0x7ff8000000000001L, 0xfff8000000000000L, b(Double.POSITIVE_INFINITY),
        b(Double.NEGATIVE_INFINITY), b(-0.0), b(0.0), b(Double.MIN_VALUE), b(-Double.MAX_VALUE), b(1e21), b(1e-5),
        b(123456789012345678.0), b(0.1), STALE};
    Expected w = new Expected();
    String[] l = {"__name__", name, "job", "special"};
    write(writeUrl.toString(), w.add(l, times(v.length), v));
    var r = read(query(T0, T0 + STEP * v.length, m("__name__", "=", name)));
    assertEquals(w.series, r.get(0));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 120, 121, 241, 1500})
  void read_chunkBoundaries_samplesAndChunksAgreeWithTheWrittenData(int n) {
    String name = metric("rr_n" + n);
    SplittableRandom rnd = new SplittableRandom(n);
    long[] ts = new long[n];
    long[] v = new long[n];
    long t = T0;
    double x = 100;
    for (int i = 0; i < n; i++) {
      t += i % 50 == 49 ? 1 + rnd.nextInt(100_000_000) : STEP + rnd.nextInt(-20, 20); // every dod width
      ts[i] = t;
      x = switch (i % 6) {
        case 0 -> x;
        case 1 -> x + 1;
        case 2 -> rnd.nextDouble() * 1e9;
        case 3 -> i % 12 == 3 ? Double.longBitsToDouble(STALE) : Double.NaN;
        case 4 -> -x;
        default -> x * 1.5;
      };
      if (Double.isNaN(x) && i % 6 != 3) {
        x = 1;
      }
      v[i] = b(x);
      if (i % 6 == 3) {
        x = 7; // keep the walk finite after a NaN
      }
    }
    Expected w = new Expected();
    String[] l = {"__name__", name, "instance", "host:9100"};
    // one write request may carry up to max_samples_per_request; all fit
    write(writeUrl.toString(), w.add(l, ts, v));
    var r = read(query(T0, ts[n - 1], m("__name__", "=", name)));
    assertEquals(w.series, r.get(0));
    byte[] body = post(readUrl.toString(), request(true, query(T0, ts[n - 1], m("__name__", "=", name)))).bytes();
    int chunks = 0;
    for (StreamedChunks.Frame f : StreamedChunks.frames(body)) {
      chunks += f.chunks().size();
    }
    assertEquals((n + 119) / 120, chunks);
  }

  @Test
  void read_seriesWithoutSamplesInTheRange_absentFromBothAnswers() {
    String name = metric("rr_zero");
    Expected w = new Expected();
    write(writeUrl.toString(), w.add(new String[] {"__name__", name, "k", "outside"}, new long[] {T0 - 1, T0 + 100}, new long[] {b(1), b(2)}),
        w.add(new String[] {"__name__", name, "k", "inside"}, new long[] {T0 + 50}, new long[] {b(3)}));
    var r = read(query(T0, T0 + 99, m("__name__", "=", name)), query(T0 + 1, T0 + 49, m("__name__", "=", name)));
    assertEquals(w.only(Labels.of("__name__", name, "k", "inside").toString()), r.get(0));
    assertEquals(Map.of(), r.get(1));
  }

  // ---- order

  @Test
  void read_streamedSeries_inLabelOrderWhereInfluxDbOrdersDifferently() {
    String name = metric("rr_order");
    Expected w = new Expected();
    long[] ts = times(2);
    long[] v = {b(1), b(2)};
    // InfluxDB orders by tag values with absent = "" and the stored key %pg:time first;
    // Prometheus by label name then value of the labels present.
    String[][] sets = {
      {"__name__", name, "code", "200", "instance", "b"},
      {"__name__", name, "instance", "a", "job", "x"},
      {"__name__", name, "instance", "a"},
      {"__name__", name, "A", "upper", "instance", "z"},
      {"__name__", name, "instance", "c", "time", "t"},
      {"__name__", name, "instance", "c", "zone", "z"},
      {"__name__", name, "instance", "line\nfeed"},
      {"__name__", name, "instance", "𝄞"},
      {"__name__", name, "instance", "\uFFFD"},
    };
    List<Remote.TimeSeries.Builder> all = new ArrayList<>();
    for (String[] s : sets) {
      all.add(w.add(s, ts, v));
    }
    write(writeUrl.toString(), all.toArray(new Remote.TimeSeries.Builder[0]));
    var r = read(query(T0, T0 + STEP, m("__name__", "=", name)));
    assertEquals(w.series, r.get(0));
  }

  @Test
  void read_orderNeedingMoreThanTheSortBuffer_isSplitIntoGroupsAndStaysExact() {
    // sort_buffer_samples is 1000 in the test config; 12 series of 300 samples arriving in reverse
    // label order need 3300 buffered, so the planner splits them into groups. Two sets, one for
    // each way of reading InfluxDB, as they order series differently.
    String name = metric("rr_groups");
    Expected w = new Expected();
    long[] ts = times(300);
    List<Remote.TimeSeries.Builder> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      long[] v = new long[300];
      long[] u = new long[300];
      for (int j = 0; j < v.length; j++) {
        v[j] = b(i * 1000 + j);
        u[j] = b(-i * 1000 - j);
      }
      // InfluxQL: label "a<i>" present only on series i: Prometheus puts a00 first, InfluxQL's
      // GROUP BY * (absent tags as "") puts it last
      all.add(w.add(new String[] {"__name__", name, String.format("a%02d", i), "x"}, ts, v));
      // storage service (series-key order): the label "time" is stored as the tag "%pg:time",
      // which sorts before every other tag, so the "time" series come before the "b" series
      // that Prometheus puts first (b < time)
      all.add(w.add(new String[] {"__name__", name, i % 2 == 0 ? "b" : "time", String.format("k%02d", i)}, ts, u));
    }
    write(writeUrl.toString(), all.toArray(new Remote.TimeSeries.Builder[0]));
    double before = influxReads();
    var r = read(query(T0, ts[ts.length - 1], m("__name__", "=", name)));
    assertEquals(w.series, r.get(0));
    double reads = influxReads() - before;
    // SAMPLES: count + 1 select; chunks: count + at least 4 group selects (12 x 300 / 1000)
    assertTrue(reads >= 2 + 5, reads + " InfluxDB reads");
  }

  // ---- several queries, interop

  @Test
  void read_severalQueries_oneResultEachInOrder() {
    String x = metric("rr_multi");
    String y = metric("rr_multi");
    Expected w = new Expected();
    write(writeUrl.toString(), w.add(new String[] {"__name__", x}, times(5), new long[] {b(1), b(2), b(3), b(4), b(5)}),
        w.add(new String[] {"__name__", y}, times(2), new long[] {b(6), b(7)}));
    var r = read(query(T0, T0 + STEP * 4, m("__name__", "=", y)), query(T0, T0, m("__name__", "=", "nothing_here")),
        query(T0 + STEP, T0 + STEP * 4, m("__name__", "=", x)));
    assertEquals(3, r.size());
    assertEquals(w.only("{__name__=\"" + y + "\"}"), r.get(0));
    assertEquals(Map.of(), r.get(1));
    assertEquals(w.series.get("{__name__=\"" + x + "\"}").subList(1, 5), r.get(2).get("{__name__=\"" + x + "\"}"));
  }

  @Test
  void read_dataWrittenByInfluxDbsOwnPromWrite_readIdenticallyAndLikeItsOwnRead() {
    String name = metric("rr_interop");
    Expected w = new Expected();
    long[] ts = times(130);
    long[] v = new long[ts.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = b(i % 3 == 0 ? i : i * 0.25 - 7);
    }
    String[] l1 = {"__name__", name, "instance", "a:1", "job", "interop"};
    String[] l2 = {"__name__", name, "instance", "b:1", "job", "interop", "zone", "eu"};
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder().addTimeseries(w.add(l1, ts, v)).addTimeseries(w.add(l2, ts, v)).build();
    String db = PromgateWithInfluxDb.database();
    Http.Response written = Http.post(influx.promWriteUrl(db), RemoteRequests.snappy(req.toByteArray()), ReadRequests.WRITE_HEADERS);
    assertEquals(204, written.status(), written.body());

    Remote.Query q = query(T0, ts[ts.length - 1], m("__name__", "=", name), m("job", "=~", "inter.*"));
    var r = read(q);
    assertEquals(w.series, r.get(0));
    // InfluxDB's own reader of the same data returns the same series and samples
    var own = ReadRequests.samples(post(influx.promReadUrl(db), request(false, q)));
    assertEquals(w.series, ReadRequests.sorted(own).get(0));
  }

  // ---- limits and bad requests

  @Test
  void read_overTheSampleLimit_400NamingTheLimitBeforeAnyData() {
    String name = metric("rr_limit");
    long[] ts = new long[20_000];
    long[] v = new long[ts.length];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = T0 + i;
      v[i] = b(i);
    }
    Expected w = new Expected();
    for (int s = 0; s < 11; s++) {
      write(writeUrl.toString(), w.add(new String[] {"__name__", name, "s", "s" + s}, ts, v));
    }
    for (boolean streamed : new boolean[] {false, true}) {
      Http.Response r = post(readUrl.toString(), request(streamed, query(T0, T0 + ts.length, m("__name__", "=", name))));
      assertEquals(400, r.status());
      assertEquals("query 0 selects more than 200000 samples (remote_read.max_samples_per_query)\n", r.body());
    }
    // 10 of the 11 series fit
    var ok = read(query(T0, T0 + ts.length, m("__name__", "=", name), m("s", "!=", "s3")));
    assertEquals(10, ok.get(0).size());
  }

  @Test
  void read_overTheSeriesLimit_400NamingTheLimit() {
    String name = metric("rr_series_limit");
    List<Remote.TimeSeries.Builder> all = new ArrayList<>();
    for (int s = 0; s < 2001; s++) {
      all.add(sample(series("__name__", name, "s", "s" + s), 1, T0));
    }
    write(writeUrl.toString(), all.toArray(new Remote.TimeSeries.Builder[0]));
    Http.Response r = post(readUrl.toString(), request(true, query(T0, T0, m("__name__", "=", name))));
    assertEquals(400, r.status());
    assertEquals("query 0 selects more than 2000 series (remote_read.max_series_per_query)\n", r.body());
  }

  static Remote.ReadRequest one(Remote.LabelMatcher... ms) {
    return request(false, query(T0, T0, ms));
  }

  void assertBad(byte[] body, int status, String reason) {
    Http.Response r = Http.post(readUrl.toString(), body, ReadRequests.READ_HEADERS);
    assertEquals(status, r.status(), r.body());
    assertEquals(reason + "\n", r.body());
  }

  @Test
  void read_corruptSnappy_400() {
    assertBad(new byte[] {0x05, 0x00, 0x01}, 400, "corrupt snappy block: data invalid or truncated (FAILED_TO_UNCOMPRESS(5))");
    assertBad(new byte[] {(byte) 0x80, (byte) 0x80}, 400, "corrupt snappy block: malformed length preamble");
  }

  @Test
  void read_snappyDeclaringMoreThanTheLimit_413BeforeAllocating() {
    // preamble 0xFFFFFFFF0F: 4 GiB - 1 declared
    assertBad(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x00}, 413,
        "snappy block declares more than 4194304 decompressed bytes (remote_read.max_request_bytes)");
  }

  @Test
  void read_corruptProtobuf_400() {
    // field 1 (queries), length 5, but only 1 byte follows
    assertBad(RemoteRequests.snappy(new byte[] {0x0a, 0x05, 0x00}), 400,
        "corrupt protobuf ReadRequest: While parsing a protocol message, the input ended unexpectedly in the middle of a field.  This could mean either that the input has been truncated or that an embedded message misreported its own length.");
  }

  @Test
  void read_invalidRegex_400() {
    assertBad(RemoteRequests.snappy(one(m("__name__", "=~", "a(b")).toByteArray()), 400,
        "query 0: invalid regular expression \"a(b\" in matcher for label \"__name__\": missing closing )");
  }

  @Test
  void read_endBeforeStart_400() {
    assertBad(RemoteRequests.snappy(request(false, query(T0, T0 - 1, m("__name__", "=", "x"))).toByteArray()), 400,
        "query 0: end_timestamp_ms 1699999999999 is before start_timestamp_ms 1700000000000");
  }

  @Test
  void read_unknownMatcherType_400() {
    Remote.LabelMatcher bad = Remote.LabelMatcher.newBuilder().setTypeValue(7).setName("x").setValue("y").build();
    assertBad(RemoteRequests.snappy(one(bad).toByteArray()), 400, "query 0: unknown matcher type 7 for label \"x\"");
  }

  @Test
  void read_noSupportedResponseType_400() {
    Remote.ReadRequest req = Remote.ReadRequest.newBuilder().addQueries(query(T0, T0, m("__name__", "=", "x")))
        .addAcceptedResponseTypesValue(5).build();
    assertBad(RemoteRequests.snappy(req.toByteArray()), 400,
        "none of the accepted response types [5] is supported (0 SAMPLES, 1 STREAMED_XOR_CHUNKS)");
  }

  @Test
  void read_firstSupportedResponseTypeWins() {
    Remote.ReadRequest req = Remote.ReadRequest.newBuilder().addQueries(query(T0, T0, m("__name__", "=", "x")))
        .addAcceptedResponseTypesValue(9).addAcceptedResponseTypesValue(1).addAcceptedResponseTypesValue(0).build();
    Http.Response r = post(readUrl.toString(), req);
    assertEquals(200, r.status(), r.body());
    assertEquals("application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse", r.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void read_get_405() {
    Http.Response r = Http.get(readUrl.toString());
    assertEquals(405, r.status());
    assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void read_metrics_exposedAndCounting() {
    read(query(T0, T0, m("__name__", "=", "rr_metrics_probe")));
    String metrics = Http.get(root + "metrics").body();
    for (String name : List.of("promgate_remote_read_requests_total{code=\"200\"}", "promgate_remote_read_queries_total",
        "promgate_remote_read_series_total", "promgate_remote_read_samples_total",
        "promgate_remote_read_limit_hits_total{limit=\"samples\"}", "promgate_remote_read_request_duration_seconds_bucket",
        "promgate_remote_read_sort_buffered_samples_total", "promgate_remote_read_requests_in_flight")) {
      assertTrue(metrics.contains(name), "missing " + name);
    }
    assertTrue(metricValue("promgate_remote_read_requests_total{code=\"200\"}") >= 2);
  }

  @Test
  void outage_influxDbDown_503ThenReadsAgain() {
    if (!influx.canStopAndStart()) {
      return;
    }
    String name = metric("rr_outage");
    Expected w = new Expected();
    write(writeUrl.toString(), w.add(new String[] {"__name__", name}, times(1), new long[] {b(1)}));
    influx.stop();
    try {
      Http.Response r = post(readUrl.toString(), request(false, query(T0, T0, m("__name__", "=", name))));
      assertEquals(503, r.status(), r.body());
      assertTrue(r.body().startsWith("InfluxDB unreachable at "), r.body());
      assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
    } finally {
      influx.start();
    }
    assertEquals(w.series, read(query(T0, T0, m("__name__", "=", name))).get(0));
  }

  /** InfluxQL statements and storage-service reads: the test config uses the storage service when it can. */
  double influxReads() {
    return metricValue("promgate_remote_read_influxdb_queries_total")
        + metricValue("promgate_remote_read_influxdb_storage_reads_total");
  }

  double metricValue(String series) {
    String metrics = Http.get(root + "metrics").body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no " + series + " in /metrics");
  }

  static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
