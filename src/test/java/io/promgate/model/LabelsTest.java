package io.promgate.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LabelsTest {
  private static final String BMP_HIGH = "\uFFFF"; // U+FFFF: EF BF BF in UTF-8
  private static final String CLEF = "\uD834\uDD1E"; // U+1D11E: F0 9D 84 9E, after U+FFFF in UTF-8, before it in UTF-16

  @Test
  void compareTo_isGoByteOrderOfUtf8_whereUtf16Disagrees() {
    Labels a = Labels.of("__name__", "m", "v", BMP_HIGH);
    Labels b = Labels.of("__name__", "m", "v", CLEF);
    assertTrue(BMP_HIGH.compareTo(CLEF) > 0, "Java's String order disagrees here");
    assertTrue(a.compareTo(b) < 0);
    assertTrue(b.compareTo(a) > 0);
    assertTrue(Labels.of("v", "\uE000").compareTo(Labels.of("v", CLEF)) < 0);
    assertTrue(Labels.of("v", "\uD7FF").compareTo(Labels.of("v", CLEF)) < 0);
    assertTrue(Labels.of("v", "é").compareTo(Labels.of("v", "z")) > 0);
  }

  @Test
  void compareTo_pairwiseNameThenValue_shorterSetFirstOnATie() {
    assertTrue(Labels.of("A", "1", "__name__", "z").compareTo(Labels.of("__name__", "a")) < 0);
    assertTrue(Labels.of("__name__", "m").compareTo(Labels.of("__name__", "m", "a", "1")) < 0);
    assertTrue(Labels.of("__name__", "m", "a", "1", "c", "2").compareTo(Labels.of("__name__", "m", "b", "1")) < 0);
    assertEquals(0, Labels.of(Map.of("x", "y")).compareTo(Labels.of("x", "y")));
  }

  @Test
  void names_sortedInGoOrder_andFoundByThatOrder() {
    Labels l = Labels.of(CLEF, "2", BMP_HIGH, "1", "a", "0");
    assertEquals(List.of("a", BMP_HIGH, CLEF), List.of(l.name(0), l.name(1), l.name(2)));
    assertEquals("1", l.get(BMP_HIGH));
    assertEquals("2", l.get(CLEF));
    assertEquals("", l.toBuilder().del(CLEF).build().get(CLEF));
  }

  @Test
  void compare_isCodePointOrder_forRandomStrings() {
    Random rnd = new Random(18);
    int[] pool = {'a', 'z', 0xE9, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1D11E, 0x10FFFF};
    for (int i = 0; i < 20_000; i++) {
      String x = random(rnd, pool);
      String y = random(rnd, pool);
      int expected = Integer.signum(compareCodePoints(x, y));
      assertEquals(expected, Integer.signum(Labels.compare(x, y)), x + " vs " + y);
      assertEquals(expected, Integer.signum(compareUtf8Bytes(x, y)), "code point order is UTF-8 byte order");
    }
  }

  private static String random(Random rnd, int[] pool) {
    StringBuilder sb = new StringBuilder();
    for (int n = rnd.nextInt(4); n > 0; n--) {
      sb.appendCodePoint(pool[rnd.nextInt(pool.length)]);
    }
    return sb.toString();
  }

  private static int compareCodePoints(String x, String y) {
    List<Integer> a = new ArrayList<>();
    x.codePoints().forEach(a::add);
    List<Integer> b = new ArrayList<>();
    y.codePoints().forEach(b::add);
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = Integer.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int compareUtf8Bytes(String x, String y) {
    byte[] a = x.getBytes(StandardCharsets.UTF_8);
    byte[] b = y.getBytes(StandardCharsets.UTF_8);
    return Arrays.compareUnsigned(a, b);
  }
}
