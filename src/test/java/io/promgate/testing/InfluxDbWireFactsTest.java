package io.promgate.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What InfluxDB 1.x does with the line protocol and queries promgate sends, pinned on the real
 * server (established on Debian influxdb 1.6.7). promgate's encoder and error mapping rely on each
 * of these; if one fails on another InfluxDB version, the encoder needs a second look.
 *
 * <p>In short: the tag key {@code time} is refused; tabs and CRs in tag values are stored as they
 * are; {@code \} in a tag value is not an escape for itself ({@code x\\y} is stored as {@code
 * x\\y}) and a tag value ending in {@code \} cannot be written at all; floats round-trip bit-exact,
 * but NaN and ±Inf cannot be written; a batch with a bad line stores the good lines and answers 400
 * "partial write"; a missing database answers 404; {@code chunked=true} streams one JSON document
 * per line.
 */
class InfluxDbWireFactsTest {

  private static RealInfluxDb influx;
  private static String db;
  private static final AtomicInteger MEASUREMENTS = new AtomicInteger();

  @BeforeAll
  static void startInfluxDb() {
    influx = RealInfluxDb.shared();
    db = influx.freshDatabase("facts");
  }

  @Test
  void write_tagKeyNamedTime_isRejectedWith400() {
    Http.Response response = influx.writeResponse(db, "tagtime,time=x value=1 1000");

    assertEquals(400, response.status());
    assertEquals(
        "{\"error\":\"partial write: invalid tag key: input tag \\\"time\\\" on measurement "
            + "\\\"tagtime\\\" is invalid dropped=1\"}",
        response.body().strip());
    assertEquals(List.of(), influx.select(db, "SELECT * FROM tagtime"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"x\ty", "x\ry"})
  void write_tagValueWithRawTabOrCarriageReturn_isStoredVerbatim(String tagValue) {
    String measurement = measurement("ctl");

    influx.write(db, measurement + ",k=" + tagValue + " value=1 1000");

    assertEquals(
        tagValue,
        influx.select(db, "SELECT * FROM " + measurement).get(0).column("k").get(0).textValue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"x\\y", "x\\\\y"})
  void write_backslashInsideTagValue_isStoredVerbatimNotUnescaped(String tagValue) {
    String measurement = measurement("bs");

    influx.write(db, measurement + ",k=" + tagValue + " value=1 1000");

    assertEquals(
        tagValue,
        influx.select(db, "SELECT * FROM " + measurement).get(0).column("k").get(0).textValue());
  }

  // Neither "x\" nor "x\\" works: the last backslash always escapes the space or comma after it,
  // so promgate cannot store a label value that ends in a backslash.
  @ParameterizedTest
  @ValueSource(
      strings = {
        "k=x\\ value=1",
        "k=x\\\\ value=1",
        "k=x\\\\\\\\ value=1",
        "k=x\\,k2=v value=1",
        "k=x\\\\,k2=v value=1"
      })
  void write_tagValueWithTrailingBackslash_isRejectedWith400(String tagsAndFields) {
    String line = "tb," + tagsAndFields + " 1000";

    Http.Response response = influx.writeResponse(db, line);

    assertEquals(400, response.status());
    JsonNode error = parse(response.body()).get("error");
    assertEquals("unable to parse '" + line + "': invalid tag format", error.textValue());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.0E23",
        "2.0E-3",
        "1e+21",
        "4.9E-324",
        "1.7976931348623157E308",
        "0.1",
        "-123.456e-7"
      })
  void write_floatLiteral_isStoredBitExact(String literal) {
    String measurement = measurement("float");

    influx.write(db, measurement + " value=" + literal + " 1000");

    JsonNode value =
        influx.select(db, "SELECT value FROM " + measurement).get(0).column("value").get(0);
    assertEquals(
        Double.doubleToRawLongBits(Double.parseDouble(literal)),
        Double.doubleToRawLongBits(value.doubleValue()),
        value.toString());
  }

  // InfluxDB keeps the sign but prints the float as "-0": a JSON integer, which Jackson (like any
  // reader that maps JSON integers to int/long) turns into a plain 0.
  @Test
  void write_negativeZero_keepsItsSign_butQueryPrintsItAsIntegerMinusZero() {
    influx.write(db, "negzero value=-0.0 1000");

    String text = influx.queryText(db, "SELECT value FROM negzero");

    assertTrue(text.contains("\"values\":[[1000,-0]]"), text);
    assertEquals(
        0,
        Double.compare(
            0.0,
            influx
                .select(db, "SELECT value FROM negzero")
                .get(0)
                .column("value")
                .get(0)
                .doubleValue()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"NaN", "+Inf", "-Inf", "Inf"})
  void write_nanOrInfinity_isRejectedWith400(String literal) {
    Http.Response response = influx.writeResponse(db, "nonfinite value=" + literal + " 1000");

    assertEquals(400, response.status(), response.body());
    assertTrue(
        response.body().startsWith("{\"error\":\"unable to parse 'nonfinite value="),
        response.body());
  }

  @Test
  void write_nonexistentDatabase_isRejectedWith404() {
    Http.Response response = influx.writeResponse("promgate_no_such_db", "m value=1 1000");

    assertEquals(404, response.status());
    assertEquals(
        "{\"error\":\"database not found: \\\"promgate_no_such_db\\\"\"}", response.body().strip());
  }

  @Test
  void write_fieldTypeConflict_isRejectedWith400AndKeepsTheFirstType() {
    influx.write(db, "conflict value=1i 1000");

    Http.Response response = influx.writeResponse(db, "conflict value=1.5 2000");

    assertEquals(400, response.status());
    assertEquals(
        "{\"error\":\"partial write: field type conflict: input field \\\"value\\\" on measurement"
            + " \\\"conflict\\\" is type float, already exists as type integer dropped=1\"}",
        response.body().strip());
    assertEquals(
        "[[1000, 1]]", influx.select(db, "SELECT value FROM conflict").get(0).rows().toString());
  }

  @Test
  void write_batchWithOneUnparsableLine_storesTheOthersAndAnswers400() {
    Http.Response response =
        influx.writeResponse(
            db, "batch,k=1 value=1 1000\nbatch,k=2 value= 2000\nbatch,k=3 value=3 3000");

    assertEquals(400, response.status());
    assertEquals(
        "{\"error\":\"partial write: unable to parse 'batch,k=2 value= 2000': missing "
            + "field value dropped=0\"}",
        response.body().strip());
    assertEquals(
        "[[1000, \"1\", 1], [3000, \"3\", 3]]",
        influx.select(db, "SELECT * FROM batch").get(0).rows().toString());
  }

  @Test
  void write_batchWithOneTypeConflict_storesTheOthersAndAnswers400() {
    Http.Response response =
        influx.writeResponse(
            db,
            "batchconflict value=1 1000\nbatchconflict value=2i 2000\nbatchconflict value=3 3000");

    assertEquals(400, response.status());
    assertEquals(
        "{\"error\":\"partial write: field type conflict: input field \\\"value\\\" on "
            + "measurement \\\"batchconflict\\\" is type integer, already exists as type float "
            + "dropped=1\"}",
        response.body().strip());
    assertEquals(
        "[[1000, 1], [3000, 3]]",
        influx.select(db, "SELECT value FROM batchconflict").get(0).rows().toString());
  }

  @Test
  void query_chunked_streamsOneJsonDocumentPerLine_markingAllButTheLastPartial() {
    influx.write(db, "chunks value=1 1000\nchunks value=2 2000\nchunks value=3 3000");

    List<JsonNode> chunks = influx.queryChunked(db, "SELECT value FROM chunks", 2);

    assertEquals(2, chunks.size());
    JsonNode first = chunks.get(0).path("results").path(0);
    JsonNode last = chunks.get(1).path("results").path(0);
    assertEquals("[[1000,1],[2000,2]]", first.path("series").path(0).path("values").toString());
    assertTrue(first.path("partial").booleanValue());
    assertTrue(first.path("series").path(0).path("partial").booleanValue());
    assertEquals("[[3000,3]]", last.path("series").path(0).path("values").toString());
    assertTrue(last.path("partial").isMissingNode());
  }

  private static String measurement(String prefix) {
    return prefix + MEASUREMENTS.incrementAndGet();
  }

  private static JsonNode parse(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new AssertionError(json, e);
    }
  }
}
