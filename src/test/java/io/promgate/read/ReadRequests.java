package io.promgate.read;

import static io.promgate.testing.RemoteRequests.snappy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promgate.prompb.Remote;
import io.promgate.testing.Http;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.xerial.snappy.Snappy;

/**
 * Builds and sends remote-write and remote-read requests the way Prometheus does (snappy block +
 * protobuf, generated classes), and decodes both answer types into one comparable shape: query →
 * series labels → samples with raw value bits.
 */
final class ReadRequests {
  static final String[] WRITE_HEADERS = {
    "Content-Type", "application/x-protobuf",
    "Content-Encoding", "snappy",
    "X-Prometheus-Remote-Write-Version", "0.1.0",
  };
  static final String[] READ_HEADERS = {
    "Content-Type", "application/x-protobuf",
    "Content-Encoding", "snappy",
    "X-Prometheus-Remote-Read-Version", "0.1.0",
  };

  private ReadRequests() {}




  static void write(String url, Remote.TimeSeries.Builder... series) {
    Remote.WriteRequest.Builder w = Remote.WriteRequest.newBuilder();
    for (Remote.TimeSeries.Builder s : series) {
      w.addTimeseries(s);
    }
    Http.Response r = Http.post(url, snappy(w.build().toByteArray()), WRITE_HEADERS);
    assertEquals(204, r.status(), r.body());
  }

  static Remote.LabelMatcher m(String name, String op, String value) {
    Remote.LabelMatcher.Type t = switch (op) {
      case "=" -> Remote.LabelMatcher.Type.EQ;
      case "!=" -> Remote.LabelMatcher.Type.NEQ;
      case "=~" -> Remote.LabelMatcher.Type.RE;
      case "!~" -> Remote.LabelMatcher.Type.NRE;
      default -> throw new IllegalArgumentException(op);
    };
    return Remote.LabelMatcher.newBuilder().setType(t).setName(name).setValue(value).build();
  }

  static Remote.Query query(long start, long end, Remote.LabelMatcher... matchers) {
    return Remote.Query.newBuilder().setStartTimestampMs(start).setEndTimestampMs(end)
        .addAllMatchers(List.of(matchers)).build();
  }

  static Remote.ReadRequest request(boolean streamed, Remote.Query... queries) {
    Remote.ReadRequest.Builder b = Remote.ReadRequest.newBuilder().addAllQueries(List.of(queries));
    if (streamed) {
      b.addAcceptedResponseTypes(Remote.ReadRequest.ResponseType.STREAMED_XOR_CHUNKS);
    }
    return b.build();
  }

  static Http.Response post(String url, Remote.ReadRequest req) {
    return Http.post(url, snappy(req.toByteArray()), READ_HEADERS);
  }

  /** query index → labels → samples, for SAMPLES answers (series in the order they came). */
  static Map<Integer, Map<String, List<StreamedChunks.Sample>>> samples(Http.Response r) {
    assertEquals(200, r.status(), r.body());
    assertEquals("application/x-protobuf", r.headers().firstValue("Content-Type").orElse(""));
    assertEquals("snappy", r.headers().firstValue("Content-Encoding").orElse(""));
    Remote.ReadResponse resp;
    try {
      resp = Remote.ReadResponse.parseFrom(Snappy.uncompress(r.bytes()));
    } catch (IOException e) {
      throw new AssertionError("not a snappy ReadResponse", e);
    }
    Map<Integer, Map<String, List<StreamedChunks.Sample>>> out = new LinkedHashMap<>();
    for (int q = 0; q < resp.getResultsCount(); q++) {
      Map<String, List<StreamedChunks.Sample>> series = new LinkedHashMap<>();
      for (Remote.TimeSeries ts : resp.getResults(q).getTimeseriesList()) {
        List<StreamedChunks.Sample> samples = new ArrayList<>();
        ts.getSamplesList().forEach(s -> samples.add(new StreamedChunks.Sample(s.getTimestamp(), Double.doubleToRawLongBits(s.getValue()))));
        if (series.put(StreamedChunks.labels(ts.getLabelsList()), samples) != null) {
          throw new AssertionError("series twice in one result: " + ts.getLabelsList());
        }
      }
      out.put(q, series);
    }
    return out;
  }

  /** Same shape for STREAMED_XOR_CHUNKS answers (series in the order they came). */
  static Map<Integer, Map<String, List<StreamedChunks.Sample>>> chunks(Http.Response r) {
    assertEquals(200, r.status(), r.body());
    assertEquals("application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse",
        r.headers().firstValue("Content-Type").orElse(""));
    return StreamedChunks.decode(r.bytes());
  }

  /** Sorted by labels, for comparing SAMPLES (any order) with chunks. */
  static Map<Integer, Map<String, List<StreamedChunks.Sample>>> sorted(Map<Integer, Map<String, List<StreamedChunks.Sample>>> in) {
    Map<Integer, Map<String, List<StreamedChunks.Sample>>> out = new TreeMap<>();
    in.forEach((q, s) -> out.put(q, new TreeMap<>(s)));
    return out;
  }
}
