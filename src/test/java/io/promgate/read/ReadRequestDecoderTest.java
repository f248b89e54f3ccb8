package io.promgate.read;

import static io.promgate.read.ReadRequests.m;
import static io.promgate.read.ReadRequests.query;
import static io.promgate.read.ReadRequests.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promgate.prompb.Remote;
import io.promgate.testing.RemoteRequests;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadRequestDecoderTest {
  static ReadRequestDecoder.Request decode(Remote.ReadRequest req, Map<String, String> external) {
    byte[] b = RemoteRequests.snappy(req.toByteArray());
    return ReadRequestDecoder.decode(b, 0, b.length, 1 << 20, external);
  }

  @Test
  void decode_queriesInOrderWithTheirRangesAndMatchers() {
    var r = decode(request(true, query(1, 2, m("__name__", "=~", "a.*")), query(3, 3, m("job", "!=", "x"))), Map.of());
    assertEquals(ResponseType.STREAMED_XOR_CHUNKS, r.type());
    assertEquals(2, r.queries().size());
    assertEquals(1, r.queries().get(1).index());
    assertEquals(3, r.queries().get(1).startMs());
    assertEquals("[__name__=~\"a.*\"]", r.queries().get(0).matchers().toString());
    assertEquals("[job!=\"x\"]", r.queries().get(1).matchers().toString());
  }

  @Test
  void decode_noAcceptedTypes_samples() {
    assertEquals(ResponseType.SAMPLES, decode(request(false, query(1, 2, m("a", "=", "b"))), Map.of()).type());
  }

  @Test
  void decode_equalityOnAnExternalLabelWithItsValue_becomesAbsentLikePrometheus() {
    var r = decode(request(false, query(1, 2, m("__name__", "=", "up"), m("cluster", "=", "eu"), m("cluster", "=", "us"),
        m("replica", "!=", "a"))), Map.of("cluster", "eu", "replica", "a"));
    // Prometheus's filterExtLabelsFromMatchers: only = with the external value is rewritten
    assertEquals("[__name__=\"up\", cluster=\"\", cluster=\"us\", replica!=\"a\"]", r.queries().get(0).matchers().toString());
  }

  @Test
  void decode_bodyThatIsNotSnappy_corruptRequest() {
    byte[] b = {0x0a, 0x02, 0x08};
    InvalidReadException e = assertThrows(InvalidReadException.class, () -> ReadRequestDecoder.decode(b, 0, b.length, 1 << 20, Map.of()));
    assertEquals(InvalidReadException.Reason.CORRUPT_REQUEST, e.reason());
  }

  @Test
  void decode_invalidUtf8InALabelName_corruptRequest() {
    // ReadRequest{queries{matchers{name: 0xff}}}: proto3 strings must be UTF-8
    byte[] pb = {0x0a, 0x05, 0x1a, 0x03, 0x12, 0x01, (byte) 0xff};
    byte[] b = RemoteRequests.snappy(pb);
    InvalidReadException e = assertThrows(InvalidReadException.class, () -> ReadRequestDecoder.decode(b, 0, b.length, 1 << 20, Map.of()));
    assertEquals(InvalidReadException.Reason.CORRUPT_REQUEST, e.reason());
    assertEquals("corrupt protobuf ReadRequest: Protocol message had invalid UTF-8.", e.getMessage());
  }
}
