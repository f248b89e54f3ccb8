package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
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

  @Test
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

  @Test
  void copyAndClassify_everyByteAtEveryPosition_matchesClassifyAndCopies() {
    // Each of the 256 byte values at each offset of a 1..20-byte value, among plain filler, with
    // the value placed so that it ends at, near and far from the end of the array (word reads
    // there are not possible and the byte loop takes over).
    for (int len = 1; len <= 20; len++) {
      for (int pos = 0; pos < len; pos++) {
        for (int c = 0; c < 256; c++) {
          for (int slack : new int[] {0, 3, 16}) {
            byte[] src = new byte[2 + len + slack];
            Arrays.fill(src, (byte) 'a');
            src[2 + pos] = (byte) c;
            byte[] dst = new byte[len + 8];
            int flags = TagValues.copyAndClassify(src, 2, len, dst, 0);
            assertEquals(TagValues.classify(src, 2, len), flags, "byte " + c + " at " + pos + " of " + len);
            assertEquals(new String(src, 2, len, StandardCharsets.ISO_8859_1), new String(dst, 0, len, StandardCharsets.ISO_8859_1));
          }
        }
      }
    }
  }

  @Test
  void copyAndClassify_randomValues_matchClassify() {
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < 200_000; i++) {
      byte[] src = new byte[rnd.nextInt(1, 40)];
      for (int j = 0; j < src.length; j++) {
        // mostly plain ASCII, so that all-zero flags are common too
        src[j] = (byte) (rnd.nextInt(20) == 0 ? rnd.nextInt(256) : rnd.nextInt('a', 'z' + 1));
      }
      int off = rnd.nextInt(src.length);
      int n = rnd.nextInt(src.length - off + 1);
      byte[] dst = new byte[n + 8];
      assertEquals(TagValues.classify(src, off, n), TagValues.copyAndClassify(src, off, n, dst, 0));
      assertEquals(Arrays.toString(Arrays.copyOfRange(src, off, off + n)),
          Arrays.toString(Arrays.copyOf(dst, n)));
    }
  }
}
