package io.promgate.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.prompb.Remote;
import io.promgate.write.InvalidWriteException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class RemoteWriteDecoderTest {
  private static final RemoteWriteConfig LIMITS = PromgateConfig.defaults().remoteWrite();

  static Remote.TimeSeries series(String... labelsAndThenSamples) {
    Remote.TimeSeries.Builder b = Remote.TimeSeries.newBuilder();
    int i = 0;
    for (; i + 1 < labelsAndThenSamples.length && !labelsAndThenSamples[i].equals("|"); i += 2) {
      b.addLabels(Remote.Label.newBuilder().setName(labelsAndThenSamples[i]).setValue(labelsAndThenSamples[i + 1]));
    }
    for (i++; i + 1 < labelsAndThenSamples.length; i += 2) {
      b.addSamples(Remote.Sample.newBuilder()
          .setValue(Double.parseDouble(labelsAndThenSamples[i]))
          .setTimestamp(Long.parseLong(labelsAndThenSamples[i + 1])));
    }
    return b.build();
  }

  static String decode(Remote.WriteRequest req, WriteStats stats) {
    byte[] pb = req.toByteArray();
    LineBuffer out = new LineBuffer(16);
    new RemoteWriteDecoder().decode(pb, 0, pb.length, LIMITS, out, stats);
    return out.toStringUtf8();
  }

  @Test
  void decode_seriesWithSamples_writesOneLinePerSampleWithSortedTags() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "up", "instance", "a:9090", "job", "x y", "|", "1", "1000", "0.5", "2000"))
        .build();
    WriteStats stats = new WriteStats();
    assertEquals(
        "up,__name__=up,instance=a:9090,job=x\\ y value=1 1000\n"
            + "up,__name__=up,instance=a:9090,job=x\\ y value=0.5 2000\n",
        decode(req, stats));
    assertEquals(1, stats.series);
    assertEquals(2, stats.samples);
  }

  @Test
  void decode_nonFiniteValues_storedAsRawBits() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(Remote.TimeSeries.newBuilder()
            .addLabels(Remote.Label.newBuilder().setName("__name__").setValue("m"))
            .addSamples(Remote.Sample.newBuilder().setValue(Double.longBitsToDouble(0x7ff0000000000002L)).setTimestamp(1))
            .addSamples(Remote.Sample.newBuilder().setValue(Double.POSITIVE_INFINITY).setTimestamp(2))
            .addSamples(Remote.Sample.newBuilder().setValue(-0.0).setTimestamp(3)))
        .build();
    WriteStats stats = new WriteStats();
    assertEquals(
        "m,__name__=m value_bits=9218868437227405314i 1\n"
            + "m,__name__=m value_bits=9218868437227405312i 2\n"
            + "m,__name__=m value=-0 3\n",
        decode(req, stats));
    assertEquals(2, stats.nonFiniteSamples);
  }

  @Test
  void decode_unsortedLabels_sortedAsPrometheusStoresThem() {
    // Prometheus's receiver sorts a series' labels (codec.go, labelProtosToLabels): any order is
    // the same series, stored with its tags in name order.
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("job", "a", "__name__", "up", "instance", "i", "|", "1", "1"))
        .addTimeseries(series("__name__", "up", "instance", "i", "job", "a", "|", "2", "2"))
        .build();
    assertEquals("up,__name__=up,instance=i,job=a value=1 1\n"
        + "up,__name__=up,instance=i,job=a value=2 2\n", decode(req, new WriteStats()));
  }

  @Test
  void decode_unsortedDuplicateLabels_rejectsNamingTheLabel() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("job", "a", "__name__", "up", "job", "b", "|", "1", "1"))
        .build();
    InvalidWriteException e = assertThrows(InvalidWriteException.class, () -> decode(req, new WriteStats()));
    assertEquals(Reason.INVALID_LABELS, e.reason());
    assertEquals("duplicate label name \"job\" in series {__name__=\"up\", job=\"a\", job=\"b\"}", e.getMessage());
  }

  @Test
  void decode_unsortedEmptyLabelName_rejects() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("job", "a", "__name__", "up", "", "b", "|", "1", "1"))
        .build();
    InvalidWriteException e = assertThrows(InvalidWriteException.class, () -> decode(req, new WriteStats()));
    assertEquals("empty label name in series {=\"b\", __name__=\"up\", job=\"a\"}", e.getMessage());
  }

  private static InvalidWriteException rejects(byte[] pb) {
    return assertThrows(InvalidWriteException.class,
        () -> new RemoteWriteDecoder().decode(pb, 0, pb.length, LIMITS, new LineBuffer(16), new WriteStats()));
  }

  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  @Test
  void decode_emptyRequest_writesNothing() {
    WriteStats stats = new WriteStats();
    assertEquals("", decode(Remote.WriteRequest.getDefaultInstance(), stats));
    assertEquals(0, stats.series);
  }

  @Test
  void decode_metadataOnlyRequest_writesOnlyTheMetadataPoint() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addMetadata(Remote.MetricMetadata.newBuilder().setMetricFamilyName("up").setHelp("h")
            .setType(Remote.MetricMetadata.MetricType.GAUGE))
        .build();
    WriteStats stats = new WriteStats();
    assertEquals("%pg:metadata,metric=up type=\"gauge\",help=\"h\",unit=\"\" 0\n", decode(req, stats));
    assertEquals(1, stats.metadata);
    assertEquals(0, stats.samples);
  }

  @Test
  void decode_seriesWithoutSamples_writesNothing() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder().addTimeseries(series("__name__", "up", "|")).build();
    assertEquals("", decode(req, new WriteStats()));
  }

  @Test
  void decode_emptyLabelValue_omitsTag() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "up", "empty", "", "job", "j", "|", "2", "5"))
        .build();
    assertEquals("up,__name__=up,job=j value=2 5\n", decode(req, new WriteStats()));
  }

  @Test
  void decode_histogramsAndExemplars_countedNotStored() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "h", "|", "1", "1").toBuilder()
            .addHistograms(Remote.Histogram.newBuilder().setCountInt(3).setTimestamp(1))
            .addExemplars(Remote.Exemplar.newBuilder().setValue(1).setTimestamp(1)))
        .build();
    WriteStats stats = new WriteStats();
    assertEquals("h,__name__=h value=1 1\n", decode(req, stats));
    assertEquals(1, stats.histograms);
    assertEquals(1, stats.exemplars);
  }

  @Test
  void decode_unknownFields_skipped() {
    // Field 15 (varint 7) at WriteRequest level and field 9 (fixed32) inside a Sample are unknown: skipped.
    Remote.WriteRequest base = Remote.WriteRequest.newBuilder().addTimeseries(series("__name__", "m", "|", "1", "1")).build();
    byte[] known = base.toByteArray();
    byte[] pb = new byte[known.length + 2];
    System.arraycopy(known, 0, pb, 0, known.length);
    pb[known.length] = (byte) (15 << 3);
    pb[known.length + 1] = 7;
    LineBuffer out = new LineBuffer(16);
    new RemoteWriteDecoder().decode(pb, 0, pb.length, LIMITS, out, new WriteStats());
    assertEquals("m,__name__=m value=1 1\n", out.toStringUtf8());
  }

  @Test
  void decode_fieldsInAnyOrder_sameLinesAsTheUsualOrder() {
    // The decoder has fast paths for labels-then-samples, Label{name, value} and Sample{value,
    // timestamp}; proto3 allows any field order, repeated fields (last wins) and unknown fields.
    String longValue = "v".repeat(200); // a two-byte length
    String expected = "m,__name__=m,a=" + longValue + ",b=x value=1.5 7\nm,__name__=m,a=" + longValue + ",b=x value=0 8\n";
    byte[] nameLabel = cat(bytes(0x0a, 0x08), "__name__".getBytes(), bytes(0x12, 0x01, 'm'));
    byte[] aLabel = cat(bytes(0x0a, 0x01, 'a', 0x12, 0xc8, 0x01), longValue.getBytes());
    byte[] bLabelReversed = bytes(0x12, 0x01, 'x', 0x0a, 0x01, 'b'); // value before name
    byte[] sample1 = cat(bytes(0x09), le(Double.doubleToRawLongBits(1.5)), bytes(0x10, 0x07));
    byte[] sample1Reversed = cat(bytes(0x10, 0x07, 0x09), le(Double.doubleToRawLongBits(1.5)));
    byte[] sample2NoValue = bytes(0x10, 0x08); // value 0 is the default, left out
    byte[] sample2Repeated = cat(bytes(0x09), le(Double.doubleToRawLongBits(9)), bytes(0x10, 0x01, 0x09), le(0), bytes(0x10, 0x08));
    byte[] unknown = bytes(0x78, 0x05); // field 15, varint 5
    byte[][] orders = {
      series(field(1, nameLabel), field(1, aLabel), field(1, bLabelReversed), field(2, sample1), field(2, sample2NoValue)),
      series(field(2, sample1), field(1, nameLabel), field(2, sample2NoValue), field(1, aLabel), field(1, bLabelReversed)),
      series(field(1, nameLabel), unknown, field(1, aLabel), field(2, sample1Reversed), unknown, field(1, bLabelReversed),
          field(2, sample2Repeated)),
      series(field(1, cat(nameLabel, unknown)), field(1, aLabel), field(1, bLabelReversed), field(2, cat(sample1, unknown)),
          field(2, sample2NoValue)),
    };
    for (byte[] pb : orders) {
      LineBuffer out = new LineBuffer(16);
      new RemoteWriteDecoder().decode(pb, 0, pb.length, LIMITS, out, new WriteStats());
      assertEquals(expected, out.toStringUtf8());
    }
  }

  private static byte[] series(byte[]... fields) {
    byte[] ts = cat(fields);
    return cat(bytes(0x0a), varint(ts.length), ts);
  }

  private static byte[] field(int number, byte[] message) {
    return cat(bytes(number << 3 | 2), varint(message.length), message);
  }

  private static byte[] varint(int v) {
    return v < 128 ? bytes(v) : bytes(v & 0x7f | 0x80, v >>> 7);
  }

  private static byte[] le(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
    return b;
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void decode_garbage_rejectsAsCorruptProtobuf() {
    // 0x0F: field 1 with wire type 7, which does not exist.
    var e = rejects(bytes(0x0f, 0x01, 0x02));
    assertEquals(Reason.CORRUPT_PROTOBUF, e.reason());
  }

  @Test
  void decode_lengthPastEnd_rejects() {
    // 0x0A = field 1 (timeseries), LEN; 0x10 = 16 bytes declared, only 2 follow.
    var e = rejects(bytes(0x0a, 0x10, 0x0a, 0x00));
    assertEquals("corrupt protobuf: length 16 runs past the end of the message", e.getMessage());
  }

  @Test
  void decode_unterminatedVarint_rejects() {
    // 0x0A = timeseries, then a length varint whose continuation bit never clears.
    var e = rejects(bytes(0x0a, 0xff, 0xff));
    assertEquals("corrupt protobuf: truncated varint", e.getMessage());
  }

  @Test
  void decode_timeseriesWithWrongWireType_rejects() {
    // 0x08 = field 1 as a varint: a TimeSeries must be length-delimited.
    var e = rejects(bytes(0x08, 0x01));
    assertEquals("corrupt protobuf: WriteRequest.timeseries has wire type 0", e.getMessage());
  }

  @Test
  void decode_sampleValueAsVarint_rejects() {
    // TimeSeries{ labels{name:"__name__" value:"m"}, samples{ 0x08 0x01 } }: Sample.value must be fixed64.
    byte[] label = bytes(0x0a, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 0x01, 'm');
    byte[] ts = new byte[2 + label.length + 4];
    ts[0] = 0x0a;
    ts[1] = (byte) label.length;
    System.arraycopy(label, 0, ts, 2, label.length);
    ts[2 + label.length] = 0x12;
    ts[3 + label.length] = 0x02;
    ts[4 + label.length] = 0x08;
    ts[5 + label.length] = 0x01;
    byte[] req = new byte[2 + ts.length];
    req[0] = 0x0a;
    req[1] = (byte) ts.length;
    System.arraycopy(ts, 0, req, 2, ts.length);
    var e = rejects(req);
    assertEquals("corrupt protobuf: Sample field 1 has wire type 0", e.getMessage());
  }

  @Test
  void decode_duplicateLabel_rejects() {
    var e = rejects(Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "up", "a", "1", "a", "2", "|", "1", "1")).build().toByteArray());
    assertEquals("duplicate label name \"a\" in series {__name__=\"up\", a=\"1\", a=\"2\"}", e.getMessage());
  }

  @Test
  void decode_invalidLabelName_rejects() {
    var e = rejects(Remote.WriteRequest.newBuilder()
        .addTimeseries(series("0bad", "x", "__name__", "up", "|", "1", "1")).build().toByteArray());
    assertEquals(Reason.INVALID_LABELS, e.reason());
    assertEquals("invalid label name \"0bad\" in series {0bad=\"x\", __name__=\"up\"}", e.getMessage());
  }

  @Test
  void decode_emptyLabelName_rejects() {
    var e = rejects(Remote.WriteRequest.newBuilder()
        .addTimeseries(series("", "x", "__name__", "up", "|", "1", "1")).build().toByteArray());
    assertEquals("empty label name in series {=\"x\", __name__=\"up\"}", e.getMessage());
  }

  @Test
  void decode_missingMetricName_rejects() {
    var e = rejects(Remote.WriteRequest.newBuilder().addTimeseries(series("job", "x", "|", "1", "1")).build().toByteArray());
    assertEquals("series has no metric name (__name__) in series {job=\"x\"}", e.getMessage());
  }

  @Test
  void decode_invalidMetricName_rejects() {
    var e = rejects(Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "my-metric", "|", "1", "1")).build().toByteArray());
    assertEquals("invalid metric name \"my-metric\" in series {__name__=\"my-metric\"}", e.getMessage());
  }

  @Test
  void decode_invalidUtf8Value_rejects() {
    // Label{name:"__name__" value:"up"} then Label{name:"a" value: 0xC3 0x28 (invalid 2-byte sequence)}.
    byte[] l1 = bytes(0x0a, 0x0e, 0x0a, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 0x02, 'u', 'p');
    byte[] l2 = bytes(0x0a, 0x07, 0x0a, 0x01, 'a', 0x12, 0x02, 0xc3, 0x28);
    byte[] s = bytes(0x12, 0x00);
    byte[] ts = new byte[l1.length + l2.length + s.length];
    System.arraycopy(l1, 0, ts, 0, l1.length);
    System.arraycopy(l2, 0, ts, l1.length, l2.length);
    System.arraycopy(s, 0, ts, l1.length + l2.length, s.length);
    byte[] req = new byte[2 + ts.length];
    req[0] = 0x0a;
    req[1] = (byte) ts.length;
    System.arraycopy(ts, 0, req, 2, ts.length);
    var e = rejects(req);
    assertEquals(Reason.INVALID_LABELS, e.reason());
    Assertions.assertTrue(e.getMessage().startsWith("value of label \"a\" is not valid UTF-8"), e.getMessage());
  }

  @Test
  void decode_timestampOutsideInfluxRange_rejects() {
    var e = rejects(Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "m", "|", "1", String.valueOf(Long.MAX_VALUE))).build().toByteArray());
    assertEquals(Reason.INVALID_SAMPLE, e.reason());
  }

  @Test
  void decode_tooManyLabels_rejectsWithLimitName() throws Exception {
    RemoteWriteConfig small = PromgateConfig.parse("t", "remote_write: {max_labels_per_series: 2}").remoteWrite();
    byte[] pb = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "m", "a", "1", "b", "2", "|", "1", "1")).build().toByteArray();
    var e = assertThrows(InvalidWriteException.class,
        () -> new RemoteWriteDecoder().decode(pb, 0, pb.length, small, new LineBuffer(16), new WriteStats()));
    assertEquals("series has more than 2 labels (remote_write.max_labels_per_series)", e.getMessage());
  }

  @Test
  void decode_tooManySamples_rejectsWith413() throws Exception {
    RemoteWriteConfig small = PromgateConfig.parse("t", "remote_write: {max_samples_per_request: 2}").remoteWrite();
    byte[] pb = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "m", "|", "1", "1", "2", "2", "3", "3")).build().toByteArray();
    var e = assertThrows(InvalidWriteException.class,
        () -> new RemoteWriteDecoder().decode(pb, 0, pb.length, small, new LineBuffer(16), new WriteStats()));
    assertEquals(413, e.status());
    assertEquals("request has more than 2 samples (remote_write.max_samples_per_request)", e.getMessage());
  }

  @Test
  void decode_afterRejection_decoderStillWorks() {
    RemoteWriteDecoder d = new RemoteWriteDecoder();
    byte[] bad = bytes(0x0a, 0x10);
    assertThrows(InvalidWriteException.class, () -> d.decode(bad, 0, bad.length, LIMITS, new LineBuffer(16), new WriteStats()));
    byte[] good = Remote.WriteRequest.newBuilder().addTimeseries(series("__name__", "m", "|", "1", "1")).build().toByteArray();
    LineBuffer out = new LineBuffer(16);
    d.decode(good, 0, good.length, LIMITS, out, new WriteStats());
    assertEquals("m,__name__=m value=1 1\n", out.toStringUtf8());
  }

  @Test
  void decode_writeRelabelConfigs_dropAndRewriteBeforeStorage() throws Exception {
    RemoteWriteConfig relabel = PromgateConfig.parse("t", """
        remote_write:
          write_relabel_configs:
            - source_labels: [__name__]
              regex: go_.*
              action: drop
            - source_labels: [instance]
              regex: '([^:]+):.*'
              target_label: host
            - regex: instance
              action: labeldrop
        """).remoteWrite();
    byte[] pb = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("__name__", "go_goroutines", "instance", "a:1", "|", "5", "1", "6", "2"))
        .addTimeseries(series("__name__", "up", "instance", "b:9090", "job", "j", "|", "1", "3"))
        .build().toByteArray();
    LineBuffer out = new LineBuffer(16);
    WriteStats stats = new WriteStats();
    new RemoteWriteDecoder().decode(pb, 0, pb.length, relabel, out, stats);
    assertEquals("up,__name__=up,host=b,job=j value=1 3\n", out.toStringUtf8());
    assertEquals(1, stats.samples);
    assertEquals(2, stats.droppedByRelabel);
  }

  @Test
  void isLabelName_everyByteAtEveryPosition_matchesTheGrammar() {
    for (int len = 1; len <= 20; len++) {
      for (int pos = 0; pos < len; pos++) {
        for (int c = 0; c < 256; c++) {
          for (int slack : new int[] {0, 3, 16}) { // at, near and far from the end of the array
            byte[] b = new byte[1 + len + slack];
            Arrays.fill(b, (byte) 'a');
            b[1 + pos] = (byte) c;
            String name = new String(b, 1, len, StandardCharsets.ISO_8859_1);
            assertEquals(name.matches("[a-zA-Z_][a-zA-Z0-9_]*"), LabelBytes.isLabelName(b, 1, len), name);
            assertEquals(name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*"), LabelBytes.isMetricName(b, 1, len), name);
          }
        }
      }
    }
  }

  @Test
  void decode_everyByteAtEveryPositionOfALabelName_rejectsExactlyTheInvalidNames() {
    // The one-pass writer checks names of up to 8 bytes as one word; this drives every byte value
    // through each position of such names (and of 9- and 10-byte names, checked the other way).
    for (int len = 1; len <= 10; len++) {
      for (int pos = 0; pos < len; pos++) {
        for (int c = 0; c < 256; c++) {
          byte[] name = new byte[len];
          Arrays.fill(name, (byte) 'z');
          name[pos] = (byte) c;
          // By hand: protobuf-java refuses to encode a name that is not UTF-8.
          // TimeSeries{ Label{"__name__", "m"}, Label{name, "v"}, Sample{1.0, 1} }
          ByteArrayOutputStream ts = new ByteArrayOutputStream();
          ts.writeBytes(bytes(0x0a, 0x0d, 0x0a, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 0x01, 'm'));
          ts.writeBytes(bytes(0x0a, 5 + len, 0x0a, len));
          ts.writeBytes(name);
          ts.writeBytes(bytes(0x12, 0x01, 'v'));
          ts.writeBytes(bytes(0x12, 0x0b, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x01));
          byte[] pb = new byte[2 + ts.size()];
          pb[0] = 0x0a;
          pb[1] = (byte) ts.size();
          System.arraycopy(ts.toByteArray(), 0, pb, 2, ts.size());
          String s = new String(name, StandardCharsets.ISO_8859_1);
          boolean valid = s.matches("[a-zA-Z_][a-zA-Z0-9_]*");
          String result;
          try {
            LineBuffer out = new LineBuffer(16);
            new RemoteWriteDecoder().decode(pb, 0, pb.length, LIMITS, out, new WriteStats());
            result = out.toStringUtf8();
          } catch (InvalidWriteException e) {
            result = e.getMessage();
          }
          if (!valid) {
            assertEquals(true, result.startsWith("invalid label name"), s + ": " + result);
          } else if (s.compareTo("__name__") < 0) {
            assertEquals("m," + s + "=v,__name__=m value=1 1\n", result, "sorted before __name__");
          } else {
            assertEquals("m,__name__=m," + (s.equals("time") ? "%pg:" : "") + s + "=v value=1 1\n", result);
          }
        }
      }
    }
  }
}
