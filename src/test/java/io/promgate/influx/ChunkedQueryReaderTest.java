package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ChunkedQueryReader} on InfluxDB's chunked answers, fed whole and cut at every byte. */
class ChunkedQueryReaderTest {
  static final String TWO_DOCS =
      "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"m\",\"tags\":{\"__name__\":\"m\",\"job\":\"a\",\"x\":\"\"},"
          + "\"columns\":[\"time\",\"value\",\"value_bits\"],\"values\":[[1000,1.5,null],[2000,null,9221120237041090562]],"
          + "\"partial\":true}],\"partial\":true}]}\n"
          + "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"m\",\"tags\":{\"__name__\":\"m\",\"job\":\"a\",\"x\":\"\"},"
          + "\"columns\":[\"time\",\"value\",\"value_bits\"],\"values\":[[3000,-0,null],[4000,100000000000000000000,null],"
          + "[5000,2,null],[6000,1e-05,null]]}]}]}\n";

  /** Records events as text. */
  static final class Log implements ChunkedQueryReader.Handler {
    final List<String> events = new ArrayList<>();

    @Override
    public void series(String m, String[] keys, String[] values, int n, String[] columns, int cn) {
      StringBuilder sb = new StringBuilder("series ").append(m);
      for (int i = 0; i < n; i++) {
        sb.append(' ').append(keys[i]).append('=').append(values[i]);
      }
      sb.append(" |");
      for (int i = 0; i < cn; i++) {
        sb.append(' ').append(columns[i]);
      }
      events.add(sb.toString());
    }

    @Override
    public void row(ChunkedQueryReader.Row row) {
      StringBuilder sb = new StringBuilder("row");
      for (int i = 0; i < row.size(); i++) {
        sb.append(' ');
        switch (row.kind(i)) {
          case ChunkedQueryReader.Row.NULL -> sb.append("null");
          case ChunkedQueryReader.Row.INTEGER -> sb.append(row.longValue(i)).append("i/")
              .append(Long.toHexString(Double.doubleToRawLongBits(row.doubleValue(i))));
          case ChunkedQueryReader.Row.FLOAT -> sb.append(Long.toHexString(Double.doubleToRawLongBits(row.doubleValue(i))));
          case ChunkedQueryReader.Row.STRING -> sb.append('"').append(row.stringValue(i)).append('"');
          default -> sb.append(row.longValue(i) == 1);
        }
      }
      events.add(sb.toString());
    }
  }

  static final List<String> EXPECTED = List.of(
      "series m __name__=m job=a x= | time value value_bits",
      "row 1000i/408f400000000000 3ff8000000000000 null",
      "row 2000i/409f400000000000 null 9221120237041090562i/43dffe0000000000",
      "series m __name__=m job=a x= | time value value_bits",
      "row 3000i/40a7700000000000 0i/8000000000000000 null",
      "row 4000i/40af400000000000 4415af1d78b58c40 null",
      "row 5000i/40b3880000000000 2i/4000000000000000 null",
      "row 6000i/40b7700000000000 3ee4f8b588e368f1 null");

  @Test
  void feed_wholeAnswer_seriesAndRowsWithExactValues() {
    Log log = new Log();
    ChunkedQueryReader r = new ChunkedQueryReader(log);
    byte[] b = TWO_DOCS.getBytes(StandardCharsets.UTF_8);
    r.feed(b, 0, b.length);
    r.end();
    assertEquals(EXPECTED, log.events);
    assertEquals(2, r.documents());
  }

  @Test
  void feed_cutAtEveryByte_sameEvents() {
    byte[] b = TWO_DOCS.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < b.length; cut++) {
      Log log = new Log();
      ChunkedQueryReader r = new ChunkedQueryReader(log);
      r.feed(b, 0, cut);
      r.feed(b, cut, b.length - cut);
      r.end();
      assertEquals(EXPECTED, log.events, "cut at " + cut);
    }
  }

  @Test
  void feed_oneByteAtATime_sameEvents() {
    byte[] b = TWO_DOCS.getBytes(StandardCharsets.UTF_8);
    Log log = new Log();
    ChunkedQueryReader r = new ChunkedQueryReader(log);
    for (int i = 0; i < b.length; i++) {
      r.feed(b, i, 1);
    }
    r.end();
    assertEquals(EXPECTED, log.events);
  }

  @Test
  void feed_showMeasurements_stringRows() {
    Log log = new Log();
    ChunkedQueryReader r = new ChunkedQueryReader(log);
    byte[] b = "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"measurements\",\"columns\":[\"name\"],\"values\":[[\"m\"],[\"n\"]]}]}]}"
        .getBytes(StandardCharsets.UTF_8);
    r.feed(b, 0, b.length);
    r.end();
    assertEquals(List.of("series measurements | name", "row \"m\"", "row \"n\""), log.events);
  }

  @Test
  void feed_statementError_rejectedWithInfluxDbsMessage() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    byte[] b = "{\"results\":[{\"statement_id\":0,\"error\":\"max-select-point limit exceeded: (10/5)\"}]}".getBytes(StandardCharsets.UTF_8);
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals(StorageException.Kind.REJECTED, e.kind());
    assertEquals("InfluxDB: max-select-point limit exceeded: (10/5)", e.getMessage());
  }

  @Test
  void feed_missingDatabase_unavailable() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    byte[] b = "{\"results\":[{\"statement_id\":0,\"error\":\"database not found: prom\"}]}".getBytes(StandardCharsets.UTF_8);
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
  }

  @Test
  void feed_requestError_rejected() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    byte[] b = "{\"error\":\"error parsing query: found EOF\"}".getBytes(StandardCharsets.UTF_8);
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals("InfluxDB: error parsing query: found EOF", e.getMessage());
  }

  @Test
  void end_insideADocument_unavailable() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    byte[] b = TWO_DOCS.substring(0, 100).getBytes(StandardCharsets.UTF_8);
    r.feed(b, 0, b.length);
    StorageException e = assertThrows(StorageException.class, r::end);
    assertEquals("InfluxDB answer ended inside a document", e.getMessage());
  }

  @Test
  void feed_notJson_unavailable() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    byte[] b = "<html>".getBytes(StandardCharsets.UTF_8);
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals(StorageException.Kind.UNAVAILABLE, e.kind());
  }

  @Test
  void feed_valuesBeforeColumns_refused() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    byte[] b = "{\"results\":[{\"series\":[{\"name\":\"m\",\"values\":[[1,2]]}]}]}".getBytes(StandardCharsets.UTF_8);
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals("InfluxDB sent series values before their columns", e.getMessage());
  }

  // ---- MessagePack: the same documents, encoded the way InfluxDB's msgp encoder does

  /** A tiny MessagePack writer for fixtures (smallest encodings, as msgp picks them). */
  static final class Msgpack {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Msgpack map(int n) {
      out.write(0x80 | n);
      return this;
    }

    Msgpack array(int n) {
      if (n < 16) {
        out.write(0x90 | n);
      } else {
        out.write(0xdc);
        out.write(n >>> 8);
        out.write(n);
      }
      return this;
    }

    Msgpack str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length < 32) {
        out.write(0xa0 | b.length);
      } else {
        out.write(0xd9);
        out.write(b.length);
      }
      out.writeBytes(b);
      return this;
    }

    Msgpack integer(long v) {
      if (v >= 0 && v <= 127) {
        out.write((int) v);
      } else if (v >= -32 && v < 0) {
        out.write((int) v & 0xff);
      } else if (v == (byte) v) {
        out.write(0xd0);
        out.write((int) v);
      } else if (v == (short) v) {
        out.write(0xd1);
        be(v, 2);
      } else if (v == (int) v) {
        out.write(0xd2);
        be(v, 4);
      } else {
        out.write(0xd3);
        be(v, 8);
      }
      return this;
    }

    Msgpack float64(double d) {
      out.write(0xcb);
      be(Double.doubleToRawLongBits(d), 8);
      return this;
    }

    Msgpack nil() {
      out.write(0xc0);
      return this;
    }

    Msgpack bool(boolean b) {
      out.write(b ? 0xc3 : 0xc2);
      return this;
    }

    void be(long v, int n) {
      for (int i = n - 1; i >= 0; i--) {
        out.write((int) (v >>> (8 * i)));
      }
    }

    Msgpack doc(long[] times, Object[] values, Object[] bits, boolean partial) {
      map(1).str("results").array(1).map(partial ? 3 : 2).str("statement_id").integer(0).str("series").array(1)
          .map(partial ? 5 : 4).str("name").str("m").str("tags").map(3).str("__name__").str("m").str("job").str("a")
          .str("x").str("").str("columns").array(3).str("time").str("value").str("value_bits").str("values")
          .array(times.length);
      for (int i = 0; i < times.length; i++) {
        array(3).integer(times[i]);
        for (Object o : new Object[] {values[i], bits[i]}) {
          if (o == null) {
            nil();
          } else if (o instanceof Double d) {
            float64(d);
          } else {
            integer((Long) o);
          }
        }
      }
      if (partial) {
        str("partial").bool(true).str("partial").bool(true);
      }
      return this;
    }
  }

  static byte[] twoDocsMsgpack() {
    Msgpack m = new Msgpack();
    m.doc(new long[] {1000, 2000}, new Object[] {1.5, null}, new Object[] {null, 9221120237041090562L}, true);
    m.doc(new long[] {3000, 4000, 5000, 6000}, new Object[] {-0.0, 1e20, 2.0, 1e-5}, new Object[] {null, null, null, null}, false);
    return m.out.toByteArray();
  }

  // In MessagePack the floats keep their type: 2.0 and -0.0 are floats, not integers.
  static final List<String> EXPECTED_MSGPACK = List.of(
      "series m __name__=m job=a x= | time value value_bits",
      "row 1000i/408f400000000000 3ff8000000000000 null",
      "row 2000i/409f400000000000 null 9221120237041090562i/43dffe0000000000",
      "series m __name__=m job=a x= | time value value_bits",
      "row 3000i/40a7700000000000 8000000000000000 null",
      "row 4000i/40af400000000000 4415af1d78b58c40 null",
      "row 5000i/40b3880000000000 4000000000000000 null",
      "row 6000i/40b7700000000000 3ee4f8b588e368f1 null");

  @Test
  void feed_msgpack_cutAtEveryByte_sameRowsAsJson() {
    byte[] b = twoDocsMsgpack();
    for (int cut = 0; cut <= b.length; cut++) {
      Log log = new Log();
      ChunkedQueryReader r = new ChunkedQueryReader(log);
      r.contentType("application/x-msgpack");
      r.feed(b, 0, cut);
      r.feed(b, cut, b.length - cut);
      r.end();
      assertEquals(EXPECTED_MSGPACK, log.events, "cut at " + cut);
      assertEquals(2, r.documents());
    }
  }

  @Test
  void feed_msgpackError_rejected() {
    Msgpack m = new Msgpack();
    m.map(1).str("results").array(1).map(2).str("statement_id").integer(0).str("error").str("bad thing");
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    r.contentType("application/x-msgpack");
    byte[] b = m.out.toByteArray();
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals("InfluxDB: bad thing", e.getMessage());
  }

  @Test
  void end_msgpackInsideADocument_unavailable() {
    byte[] b = twoDocsMsgpack();
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    r.contentType("application/x-msgpack");
    r.feed(b, 0, b.length - 3);
    StorageException e = assertThrows(StorageException.class, r::end);
    assertEquals("InfluxDB answer ended inside a document", e.getMessage());
  }

  @Test
  void feed_msgpackExtensionType_refused() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    r.contentType("application/x-msgpack");
    byte[] b = {(byte) 0x81, (byte) 0xa1, 'x', (byte) 0xd6, 1, 0, 0, 0, 0};
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals("unreadable InfluxDB answer: unsupported MessagePack type 0xd6", e.getMessage());
  }

  @Test
  void feed_escapedStrings_decodedExactly() {
    Log log = new Log();
    ChunkedQueryReader r = new ChunkedQueryReader(log);
    byte[] b = ("{\"results\":[{\"series\":[{\"name\":\"m\",\"tags\":{\"k\":\"a\\\"b\\\\c\\nd\\u00fc\\ud834\\udd1e/ü\"},"
        + "\"columns\":[\"time\"],\"values\":[[1]]}]}]}").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      r.feed(b, i, 1);
    }
    r.end();
    assertEquals(List.of("series m k=a\"b\\c\ndü𝄞/ü | time", "row 1i/3ff0000000000000"), log.events);
  }

  @Test
  void feed_badUnicodeEscape_unreadable() {
    ChunkedQueryReader r = new ChunkedQueryReader(new Log());
    byte[] b = "{\"error\":\"\\uZZZZ\"}".getBytes(StandardCharsets.UTF_8);
    StorageException e = assertThrows(StorageException.class, () -> r.feed(b, 0, b.length));
    assertEquals("unreadable InfluxDB answer: invalid \\u escape", e.getMessage());
  }
}
