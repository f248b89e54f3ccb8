package io.promgate.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HtmlTest {
  @Test
  void esc_everyMarkupCharacter_escaped() {
    assertEquals("&lt;script&gt;&amp;&quot;&#39;x", Html.esc("<script>&\"'x"));
  }

  @Test
  void esc_plainText_sameInstance() {
    String s = "node-1:9100";
    assertSame(s, Html.esc(s));
  }

  @Test
  void esc_null_empty() {
    assertEquals("", Html.esc(null));
  }

  @Test
  void age_units() {
    assertEquals("800ms", Html.age(Duration.ofMillis(800)));
    assertEquals("59s", Html.age(Duration.ofSeconds(59)));
    assertEquals("2m 5s", Html.age(Duration.ofSeconds(125)));
    assertEquals("1h 1m", Html.age(Duration.ofSeconds(3660)));
    assertEquals("2d 3h", Html.age(Duration.ofHours(51)));
  }

  @Test
  void num_significantDigits() {
    assertEquals("3", Html.num(3.0));
    assertEquals("0.333", Html.num(1 / 3.0));
    assertEquals("12.5", Html.num(12.5));
    assertEquals("1235", Html.num(1234.6));
  }

  @Test
  void page_currentEntry_markedForAssistiveTech() {
    String html = Html.page("/shards", "Shards").finish();
    assertEquals(1, html.split("aria-current=\"page\"", -1).length - 1);
    assertEquals(true, html.contains("<a href=\"/shards\" aria-current=\"page\">Shards</a>"));
  }
}
