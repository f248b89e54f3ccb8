package io.promgate.read;

import com.google.protobuf.InvalidProtocolBufferException;
import io.promgate.model.Matcher;
import io.promgate.prompb.Remote;
import io.promgate.read.InvalidReadException.Reason;
import io.promgate.write.InvalidWriteException;
import io.promgate.write.SnappyBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes a remote-read request body: a snappy block (its declared length checked against
 * {@code remote_read.max_request_bytes} before anything is allocated) holding a {@code
 * ReadRequest} (SPEC §3). Requests are small and rare next to their answers, so the generated
 * protobuf classes parse them; every query is validated here, before InfluxDB is asked anything.
 */
final class ReadRequestDecoder {
  private ReadRequestDecoder() {}

  /** A decoded request: its queries in order and the negotiated response type. */
  record Request(List<ReadQuery> queries, ResponseType type) {}

  /**
   * One query: the inclusive millisecond range and the matchers. Matchers on the server's
   * external labels were rewritten the way Prometheus's read handler does (see {@link #decode}).
   */
  record ReadQuery(int index, long startMs, long endMs, List<Matcher> matchers) {}

  /**
   * @param externalLabels promgate's {@code global.external_labels}: as in Prometheus, an equality
   *     matcher naming one with its value becomes {@code name=""} (stored series do not carry it;
   *     it is added to every answer)
   * @throws InvalidReadException when the body is not a valid request
   */
  static Request decode(byte[] body, int off, int len, long maxBytes, Map<String, String> externalLabels) {
    return decode(body, off, len, maxBytes, externalLabels, Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  /** As above, refusing more than {@code maxQueries} queries or {@code maxMatchers} matchers in one query. */
  static Request decode(byte[] body, int off, int len, long maxBytes, Map<String, String> externalLabels,
      int maxQueries, int maxMatchers) {
    byte[] pb;
    try {
      pb = new byte[SnappyBlock.declaredLength(body, off, len, maxBytes)];
      SnappyBlock.decompressInto(body, off, len, pb);
    } catch (InvalidWriteException e) {
      // The snappy codec is shared with remote write; its limit message names the write key.
      if (e.reason() == InvalidWriteException.Reason.DECOMPRESSED_TOO_LARGE) {
        throw new InvalidReadException(
            Reason.BODY_TOO_LARGE,
            "snappy block declares more than " + maxBytes + " decompressed bytes (remote_read.max_request_bytes)");
      }
      throw new InvalidReadException(Reason.CORRUPT_REQUEST, e.getMessage());
    }
    Remote.ReadRequest req;
    try {
      req = Remote.ReadRequest.parseFrom(pb);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidReadException(Reason.CORRUPT_REQUEST, "corrupt protobuf ReadRequest: " + oneLine(e.getMessage()));
    }
    ResponseType type = ResponseType.negotiate(req.getAcceptedResponseTypesValueList());
    if (req.getQueriesCount() > maxQueries) {
      throw new InvalidReadException(Reason.TOO_MANY_QUERIES, "the request has " + req.getQueriesCount()
          + " queries, more than " + maxQueries + " (remote_read.max_queries_per_request)");
    }
    List<ReadQuery> queries = new ArrayList<>(req.getQueriesCount());
    for (int i = 0; i < req.getQueriesCount(); i++) {
      Remote.Query q = req.getQueries(i);
      if (q.getMatchersCount() > maxMatchers) {
        throw new InvalidReadException(Reason.TOO_MANY_MATCHERS, "query " + i + " has " + q.getMatchersCount()
            + " matchers, more than " + maxMatchers + " (remote_read.max_matchers_per_query)");
      }
      queries.add(query(i, q, externalLabels));
    }
    return new Request(List.copyOf(queries), type);
  }

  private static ReadQuery query(int index, Remote.Query q, Map<String, String> externalLabels) {
    long start = q.getStartTimestampMs();
    long end = q.getEndTimestampMs();
    if (end < start) {
      throw new InvalidReadException(
          Reason.INVALID_QUERY,
          "query " + index + ": end_timestamp_ms " + end + " is before start_timestamp_ms " + start);
    }
    List<Matcher> matchers = new ArrayList<>(q.getMatchersCount());
    for (Remote.LabelMatcher m : q.getMatchersList()) {
      Matcher.Type type = Matcher.Type.ofProto(m.getTypeValue());
      if (type == null) {
        throw new InvalidReadException(
            Reason.INVALID_QUERY, "query " + index + ": unknown matcher type " + m.getTypeValue() + " for label \""
                + oneLine(m.getName()) + "\"");
      }
      String value = m.getValue();
      if (type == Matcher.Type.EQ && value.equals(externalLabels.getOrDefault(m.getName(), ""))) {
        value = "";
      }
      try {
        matchers.add(Matcher.of(type, m.getName(), value));
      } catch (IllegalArgumentException e) {
        throw new InvalidReadException(Reason.INVALID_QUERY, "query " + index + ": " + oneLine(e.getMessage()));
      }
    }
    return new ReadQuery(index, start, end, List.copyOf(matchers));
  }

  private static String oneLine(String s) {
    s = String.valueOf(s).replace('\n', ' ').replace('\r', ' ');
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
