package io.promgate.write;

import static io.promgate.write.RemoteWriteV2DecoderTest.series;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.prompb.v2.WriteV2;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RemoteRequests;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Remote write 2.0 on {@code /api/v1/write}: negotiation, response headers, storage, metadata. */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class RemoteWriteV2EndpointTest {
  static final String V2_TYPE = "application/x-protobuf;proto=io.prometheus.write.v2.Request";

  @TestHTTPResource("/api/v1/write")
  URL write;

  private final RealInfluxDb influx = RealInfluxDb.shared();

  private Http.Response postV2(WriteV2.Request req) {
    return Http.post(write.toString(), RemoteRequests.snappy(req.toByteArray()),
        "Content-Type", V2_TYPE, "Content-Encoding", "snappy", "X-Prometheus-Remote-Write-Version", "2.0.0");
  }

  @Test
  void writeV2_stored_answers204WithWrittenCounts() {
    var sym = new RemoteWriteV2DecoderTest.Symbols();
    WriteV2.Request req = WriteV2.Request.newBuilder()
        .addTimeseries(series(sym, "__name__", "rw2_metric", "job", "j")
            .addSamples(WriteV2.Sample.newBuilder().setValue(1.25).setTimestamp(1_700_000_000_000L))
            .addSamples(WriteV2.Sample.newBuilder().setValue(Double.NaN).setTimestamp(1_700_000_000_001L))
            .addHistograms(WriteV2.Histogram.newBuilder().setCountInt(1).setTimestamp(1_700_000_000_000L))
            .setMetadata(WriteV2.Metadata.newBuilder().setType(WriteV2.Metadata.MetricType.METRIC_TYPE_GAUGE)
                .setHelpRef(sym.ref("A gauge.")).setUnitRef(sym.ref("seconds"))))
        .addAllSymbols(sym.table())
        .build();
    var r = postV2(req);
    assertEquals(204, r.status(), r.body());
    assertEquals("2", r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").orElse(""));
    assertEquals("0", r.headers().firstValue("X-Prometheus-Remote-Write-Histograms-Written").orElse(""));
    assertEquals("0", r.headers().firstValue("X-Prometheus-Remote-Write-Exemplars-Written").orElse(""));
    assertEquals("2.0.0", r.headers().firstValue("X-Prometheus-Remote-Write-Version").orElse(""));

    String db = PromgateWithInfluxDb.database();
    var rows = influx.select(db, "SELECT \"value\", \"value_bits\", job FROM rw2_metric ORDER BY time").get(0).rows();
    assertEquals(2, rows.size());
    assertEquals(1.25, rows.get(0).get(1).asDouble());
    assertEquals(Double.doubleToRawLongBits(Double.NaN), rows.get(1).get(2).asLong());
    var md = influx.select(db,
        "SELECT last(\"type\"), last(\"help\"), last(\"unit\") FROM \"%pg:metadata\" WHERE metric = 'rw2_metric'").get(0);
    assertEquals("gauge", md.rows().get(0).get(1).asText());
    assertEquals("A gauge.", md.rows().get(0).get(2).asText());
    assertEquals("seconds", md.rows().get(0).get(3).asText());
  }

  @Test
  void writeV2_malformed_400WithReasonAndNothingStored() {
    WriteV2.Request req = WriteV2.Request.newBuilder().addAllSymbols(List.of("", "__name__", "rw2_bad"))
        .addTimeseries(WriteV2.TimeSeries.newBuilder().addLabelsRefs(1).addLabelsRefs(2).addLabelsRefs(7)
            .addSamples(WriteV2.Sample.newBuilder().setValue(1).setTimestamp(1)))
        .build();
    var r = postV2(req);
    assertEquals(400, r.status());
    assertEquals("labels_refs entry 7 is out of range: the request has 3 symbols\n", r.body());
    assertTrue(r.headers().firstValue("X-Prometheus-Remote-Write-Samples-Written").isEmpty());
    assertTrue(influx.select(PromgateWithInfluxDb.database(), "SELECT * FROM rw2_bad").isEmpty());
  }

  @Test
  void write_unknownProto_415NamingAcceptedTypes() {
    var r = Http.post(write.toString(), new byte[] {0},
        "Content-Type", "application/x-protobuf;proto=io.prometheus.write.v3.Request", "Content-Encoding", "snappy");
    assertEquals(415, r.status());
    assertTrue(r.body().contains("application/x-protobuf;proto=io.prometheus.write.v2.Request (remote write 2.0)"), r.body());
  }

  @Test
  void writeV1_answersVersionHeaderWithoutWrittenCounts() {
    var r = RemoteWriteRequests.post(write.toString(), Remote.WriteRequest.getDefaultInstance());
    assertEquals(204, r.status());
    assertEquals("0.1.0", r.headers().firstValue("X-Prometheus-Remote-Write-Version").orElse(""));
  }
}
