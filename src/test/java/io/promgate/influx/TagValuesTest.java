package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TagValuesTest {
  static String write(String v) {
    LineBuffer out = new LineBuffer(16);
    byte[] b = v.getBytes(StandardCharsets.UTF_8);
    TagValues.write(out, b, 0, b.length);
    return out.toStringUtf8();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "plain|plain",
    "a b|a\\ b",
    "k=v,x|k\\=v\\,x",
    "C:\\Program Files|C:\\Program\\ Files",
    "100%|100%",
    "ünïcödé ✓|ünïcödé\\ ✓",
  })
  void write_carriableValue_isEscapedNotEncoded(String in, String expected) {
    assertEquals(expected, write(in));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "ends with\\|%pg:ends%20with%5C",
    "a\\ b|%pg:a%5C%20b",
    "%pg:x|%pg:%25pg:x",
  })
  void write_uncarriableValue_isPercentEncodedWithMarker(String in, String expected) {
    assertEquals(expected, write(in));
  }

  @ParameterizedTest
  @ValueSource(strings = {"line1\nline2", "tab\there", "cr\r", "trailing\\", "\\\\", "a\\,b", "%pg:", "%pg:%41", "\u007f", "x"})
  void decode_ofWrittenEncodedValue_returnsOriginal(String original) {
    String stored = write(original);
    // InfluxDB removes the line-protocol escapes (\, \= \space) when it stores the value.
    String asStored = stored.startsWith(TagValues.MARKER)
        ? stored
        : stored.replace("\\,", ",").replace("\\=", "=").replace("\\ ", " ");
    assertEquals(original, TagValues.decode(asStored));
  }

  @org.junit.jupiter.api.Test
  void write_newline_neverEmitsRawNewline() {
    String s = write("a\nb");
    assertEquals(-1, s.indexOf('\n'));
    assertEquals("%pg:a%0Ab", s);
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "a b", "k=v,x", "C:\\Program Files", "100%", "line1\nline2", "trailing\\", "%pg:x", "\u007f"})
  void stored_isWhatInfluxDbKeepsForTheWrittenValue(String original) {
    String written = write(original);
    String asStored = written.startsWith(TagValues.MARKER)
        ? written
        : written.replace("\\,", ",").replace("\\=", "=").replace("\\ ", " ");
    assertEquals(asStored, TagValues.stored(original));
    assertEquals(original, TagValues.decode(TagValues.stored(original)));
  }

  @ParameterizedTest
  @CsvSource({"time,%pg:time", "job,job", "timestamp,timestamp", "__name__,__name__"})
  void storedKey_onlyTimeIsMarked(String name, String key) {
    assertEquals(key, TagValues.storedKey(name));
    assertEquals(name, TagValues.decodeKey(key));
  }
}
