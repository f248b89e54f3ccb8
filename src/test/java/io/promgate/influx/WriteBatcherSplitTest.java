package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteBatcherSplitTest {
  private static List<String> parts(String lines, long max) {
    byte[] b = lines.getBytes(StandardCharsets.UTF_8);
    return WriteBatcher.split(b, b.length, max).stream()
        .map(p -> new String(b, p[0], p[1], StandardCharsets.UTF_8)).toList();
  }

  @Test
  void split_atLineBoundaries_eachPartWithinMax() {
    assertEquals(List.of("a 1\nb 2\n", "c 3\n"), parts("a 1\nb 2\nc 3\n", 9));
    assertEquals(List.of("a 1\n", "b 2\n", "c 3\n"), parts("a 1\nb 2\nc 3\n", 4));
  }

  @Test
  void split_lineLongerThanMax_sentAloneWhole() {
    assertEquals(List.of("a 1\n", "long line 2\n", "c 3\n"), parts("a 1\nlong line 2\nc 3\n", 5));
  }

  @Test
  void split_withinMax_onePart() {
    assertEquals(List.of("a 1\nb 2\n"), parts("a 1\nb 2\n", 100));
  }
}
