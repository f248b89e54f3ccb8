package io.promgate.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.prompb.Remote;
import io.promgate.prompb.v2.WriteV2;
import io.promgate.write.InvalidWriteException.Reason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Remote write 2.0 decoding. Requests are built with the generated {@code io.prometheus.write.v2}
 * classes — an encoder independent of the hand-written decoder — and must store exactly what the
 * equivalent 1.0 request stores.
 */
class RemoteWriteV2DecoderTest {
  private static final RemoteWriteConfig LIMITS = PromgateConfig.defaults().remoteWrite();

  /** Interns strings the way a 2.0 sender does: symbols[0] == "". */
  static final class Symbols {
    final Map<String, Integer> index = new LinkedHashMap<>();

    Symbols() {
      ref("");
    }

    int ref(String s) {
      return index.computeIfAbsent(s, k -> index.size());
    }

    List<String> table() {
      return new ArrayList<>(index.keySet());
    }
  }

  static WriteV2.TimeSeries.Builder series(Symbols sym, String... labels) {
    WriteV2.TimeSeries.Builder b = WriteV2.TimeSeries.newBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      b.addLabelsRefs(sym.ref(labels[i])).addLabelsRefs(sym.ref(labels[i + 1]));
    }
    return b;
  }

  static String decodeV2(byte[] pb, WriteStats stats) {
    LineBuffer out = new LineBuffer(16);
    new RemoteWriteDecoder().decodeV2(pb, 0, pb.length, LIMITS, out, stats, null, 5000);
    return out.toStringUtf8();
  }

  static String decodeV1(byte[] pb) {
    LineBuffer out = new LineBuffer(16);
    new RemoteWriteDecoder().decode(pb, 0, pb.length, LIMITS, out, new WriteStats());
    return out.toStringUtf8();
  }

  @Test
  void decodeV2_sameDataAsV1_writesIdenticalLines() {
    String[][] seriesLabels = {
      {"__name__", "http_requests_total", "code", "200", "job", "api server", "path", "/a,b=c"},
      {"__name__", "up", "instance", "h:1", "job", "api server"},
      {"__name__", "temp", "multi", "line\nvalue", "time", "noon"},
    };
    double[] values = {1, 2.5, Double.longBitsToDouble(0x7ff0000000000002L), Double.NEGATIVE_INFINITY, -0.0, 1e300};
    Symbols sym = new Symbols();
    WriteV2.Request.Builder v2 = WriteV2.Request.newBuilder();
    Remote.WriteRequest.Builder v1 = Remote.WriteRequest.newBuilder();
    for (String[] labels : seriesLabels) {
      WriteV2.TimeSeries.Builder s2 = series(sym, labels);
      Remote.TimeSeries.Builder s1 = Remote.TimeSeries.newBuilder();
      for (int i = 0; i < labels.length; i += 2) {
        s1.addLabels(Remote.Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
      }
      for (int i = 0; i < values.length; i++) {
        s2.addSamples(WriteV2.Sample.newBuilder().setValue(values[i]).setTimestamp(1000 + i).setStartTimestamp(7));
        s1.addSamples(Remote.Sample.newBuilder().setValue(values[i]).setTimestamp(1000 + i));
      }
      v2.addTimeseries(s2);
      v1.addTimeseries(s1);
    }
    v2.addAllSymbols(sym.table());
    WriteStats stats = new WriteStats();
    String lines = decodeV2(v2.build().toByteArray(), stats);
    assertEquals(decodeV1(v1.build().toByteArray()), lines);
    assertEquals(18, stats.samples);
    assertEquals(6, stats.nonFiniteSamples);
  }

  @Test
  void decodeV2_unpackedLabelRefs_accepted() {
    // Field 1 as individual varints (wire type 0) instead of one packed field.
    Symbols sym = new Symbols();
    int n = sym.ref("__name__");
    int v = sym.ref("up");
    WriteV2.Request req = WriteV2.Request.newBuilder().addAllSymbols(sym.table())
        .addTimeseries(WriteV2.TimeSeries.newBuilder().addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(2)))
        .build();
    // Append to the series message: 0x08 n 0x08 v (TimeSeries.labels_refs unpacked), then re-frame.
    byte[] series = req.getTimeseries(0).toByteArray();
    byte[] unpacked = new byte[series.length + 4];
    unpacked[0] = 0x08;
    unpacked[1] = (byte) n;
    unpacked[2] = 0x08;
    unpacked[3] = (byte) v;
    System.arraycopy(series, 0, unpacked, 4, series.length);
    byte[] symbolsOnly = WriteV2.Request.newBuilder().addAllSymbols(sym.table()).build().toByteArray();
    byte[] pb = new byte[symbolsOnly.length + 2 + unpacked.length];
    System.arraycopy(symbolsOnly, 0, pb, 0, symbolsOnly.length);
    pb[symbolsOnly.length] = 0x2a; // field 5, LEN
    pb[symbolsOnly.length + 1] = (byte) unpacked.length;
    System.arraycopy(unpacked, 0, pb, symbolsOnly.length + 2, unpacked.length);
    assertEquals("up,__name__=up value=1 2\n", decodeV2(pb, new WriteStats()));
  }

  @Test
  void decodeV2_symbolsAfterSeries_stillResolved() {
    Symbols sym = new Symbols();
    WriteV2.TimeSeries ts = series(sym, "__name__", "m").addSamples(WriteV2.Sample.newBuilder().setValue(3).setTimestamp(4)).build();
    byte[] seriesFirst = WriteV2.Request.newBuilder().addTimeseries(ts).build().toByteArray();
    byte[] symbolsOnly = WriteV2.Request.newBuilder().addAllSymbols(sym.table()).build().toByteArray();
    byte[] pb = new byte[seriesFirst.length + symbolsOnly.length];
    System.arraycopy(seriesFirst, 0, pb, 0, seriesFirst.length);
    System.arraycopy(symbolsOnly, 0, pb, seriesFirst.length, symbolsOnly.length);
    assertEquals("m,__name__=m value=3 4\n", decodeV2(pb, new WriteStats()));
  }

  private static InvalidWriteException rejects(WriteV2.Request req) {
    byte[] pb = req.toByteArray();
    return assertThrows(InvalidWriteException.class, () -> decodeV2(pb, new WriteStats()));
  }

  @Test
  void decodeV2_oddLabelRefs_rejects() {
    var e = rejects(WriteV2.Request.newBuilder().addAllSymbols(List.of("", "__name__", "m"))
        .addTimeseries(WriteV2.TimeSeries.newBuilder().addLabelsRefs(1).addLabelsRefs(2).addLabelsRefs(1)).build());
    assertEquals(Reason.INVALID_LABELS, e.reason());
    assertEquals("labels_refs has an odd number of entries (3): refs come in name/value pairs", e.getMessage());
  }

  @Test
  void decodeV2_refOutOfRange_rejects() {
    var e = rejects(WriteV2.Request.newBuilder().addAllSymbols(List.of("", "__name__", "m"))
        .addTimeseries(WriteV2.TimeSeries.newBuilder().addLabelsRefs(1).addLabelsRefs(9)).build());
    assertEquals("labels_refs entry 9 is out of range: the request has 3 symbols", e.getMessage());
  }

  @Test
  void decodeV2_emptyLabelName_rejects() {
    var e = rejects(WriteV2.Request.newBuilder().addAllSymbols(List.of("", "__name__", "m", "v"))
        .addTimeseries(WriteV2.TimeSeries.newBuilder().addLabelsRefs(0).addLabelsRefs(3).addLabelsRefs(1).addLabelsRefs(2)
            .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(1)))
        .build());
    assertEquals("empty label name in series {=\"v\", __name__=\"m\"}", e.getMessage());
  }

  @Test
  void decodeV2_firstSymbolNotEmpty_rejects() {
    var e = rejects(WriteV2.Request.newBuilder().addAllSymbols(List.of("__name__", "m"))
        .addTimeseries(WriteV2.TimeSeries.newBuilder().addLabelsRefs(0).addLabelsRefs(1)).build());
    assertEquals("symbols[0] must be the empty string", e.getMessage());
  }

  @Test
  void decodeV2_unsortedLabels_sortedAsPrometheusStoresThem() {
    Symbols sym = new Symbols();
    WriteV2.Request req = WriteV2.Request.newBuilder()
        .addTimeseries(series(sym, "job", "j", "__name__", "m", "a", "x")
            .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(1)))
        .addAllSymbols(sym.table()).build();
    assertEquals("m,__name__=m,a=x,job=j value=1 1\n", decodeV2(req.toByteArray(), new WriteStats()));
  }

  @Test
  void decodeV2_unsortedLabelsWithMetadata_metadataUnderTheMetricName() {
    Symbols sym = new Symbols();
    WriteV2.Metadata md = WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_GAUGE).build();
    WriteV2.Request req = WriteV2.Request.newBuilder()
        .addTimeseries(series(sym, "zone", "z", "job", "j", "__name__", "g").setMetadata(md)
            .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(1)))
        .addAllSymbols(sym.table()).build();
    assertEquals("g,__name__=g,job=j,zone=z value=1 1\n"
        + "%pg:metadata,metric=g type=\"gauge\",help=\"\",unit=\"\" 5000\n", decodeV2(req.toByteArray(), new WriteStats()));
  }

  @Test
  void decodeV2_unsortedDuplicateLabels_rejectsNamingTheLabel() {
    Symbols sym = new Symbols();
    var e = rejects(WriteV2.Request.newBuilder()
        .addTimeseries(series(sym, "job", "j", "__name__", "m", "job", "k").addSamples(WriteV2.Sample.newBuilder().setTimestamp(1)))
        .addAllSymbols(sym.table()).build());
    assertEquals("duplicate label name \"job\" in series {__name__=\"m\", job=\"j\", job=\"k\"}", e.getMessage());
  }

  @Test
  void decodeV2_histogramsAndExemplars_countedNotStoredSamplesKept() {
    Symbols sym = new Symbols();
    WriteV2.Request req = WriteV2.Request.newBuilder()
        .addTimeseries(series(sym, "__name__", "h")
            .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(1))
            .addHistograms(WriteV2.Histogram.newBuilder().setCountInt(2).setTimestamp(1))
            .addExemplars(WriteV2.Exemplar.newBuilder().setValue(3).setTimestamp(1)))
        .addAllSymbols(sym.table()).build();
    WriteStats stats = new WriteStats();
    assertEquals("h,__name__=h value=1 1\n", decodeV2(req.toByteArray(), stats));
    assertEquals(1, stats.histograms);
    assertEquals(1, stats.exemplars);
  }

  @Test
  void decodeV2_metadata_writtenOncePerMetricAsMetadataPoint() {
    Symbols sym = new Symbols();
    WriteV2.Metadata md = WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_COUNTER)
        .setHelpRef(sym.ref("Requests \"served\".\nTotal.")).setUnitRef(sym.ref("requests")).build();
    WriteV2.Request req = WriteV2.Request.newBuilder()
        .addTimeseries(series(sym, "__name__", "req_total", "code", "200").setMetadata(md)
            .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(1)))
        .addTimeseries(series(sym, "__name__", "req_total", "code", "500").setMetadata(md)
            .addSamples(WriteV2.Sample.newBuilder().setValue(2).setTimestamp(1)))
        .addAllSymbols(sym.table()).build();
    WriteStats stats = new WriteStats();
    assertEquals(
        "req_total,__name__=req_total,code=200 value=1 1\n"
            + "%pg:metadata,metric=req_total type=\"counter\",help=\"Requests \\\"served\\\".\nTotal.\",unit=\"requests\" 5000\n"
            + "req_total,__name__=req_total,code=500 value=2 1\n",
        decodeV2(req.toByteArray(), stats));
    assertEquals(1, stats.metadataKeys.size());
  }

  @Test
  void decodeV2_metadataAlreadyStored_notWrittenAgain() {
    Symbols sym = new Symbols();
    WriteV2.Metadata md = WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_GAUGE).build();
    byte[] pb = WriteV2.Request.newBuilder()
        .addTimeseries(series(sym, "__name__", "g").setMetadata(md).addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(1)))
        .addAllSymbols(sym.table()).build().toByteArray();
    MetadataLines cache = new MetadataLines();
    WriteStats stats = new WriteStats();
    LineBuffer out = new LineBuffer(16);
    new RemoteWriteDecoder().decodeV2(pb, 0, pb.length, LIMITS, out, stats, cache, 5000);
    cache.confirm(stats.metadataKeys, 5000);
    out.clear();
    new RemoteWriteDecoder().decodeV2(pb, 0, pb.length, LIMITS, out, stats, cache, 6000);
    assertEquals("g,__name__=g value=1 1\n", out.toStringUtf8());
  }

  @Test
  void decodeV1_metadata_writtenAsMetadataPoint() {
    byte[] pb = Remote.WriteRequest.newBuilder()
        .addMetadata(Remote.MetricMetadata.newBuilder().setMetricFamilyName("up").setHelp("1 if up")
            .setType(Remote.MetricMetadata.MetricType.GAUGE))
        .build().toByteArray();
    LineBuffer out = new LineBuffer(16);
    WriteStats stats = new WriteStats();
    new RemoteWriteDecoder().decode(pb, 0, pb.length, LIMITS, out, stats, null, 42);
    assertEquals("%pg:metadata,metric=up type=\"gauge\",help=\"1 if up\",unit=\"\" 42\n", out.toStringUtf8());
  }
}
