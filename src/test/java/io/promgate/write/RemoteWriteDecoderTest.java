package io.promgate.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promgate.config.PromgateConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.prompb.Remote;
import io.promgate.write.InvalidWriteException.Reason;
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
  void decode_unsortedLabels_rejects() {
    Remote.WriteRequest req = Remote.WriteRequest.newBuilder()
        .addTimeseries(series("job", "a", "__name__", "up", "|", "1", "1"))
        .build();
    InvalidWriteException e = assertThrows(InvalidWriteException.class, () -> decode(req, new WriteStats()));
    assertEquals(Reason.INVALID_LABELS, e.reason());
    assertEquals("labels not sorted by name at \"__name__\" in series {job=\"a\", __name__=\"up\"}", e.getMessage());
  }
}
