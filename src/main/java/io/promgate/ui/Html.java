package io.promgate.ui;

import io.promgate.model.Labels;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Predicate;

/**
 * HTML building for the operator pages: one escaping function ({@link #esc}) that every
 * dynamic value goes through (label values, targets, config text and error messages are
 * attacker-controlled), and the page frame. Plain string building rather than a template engine:
 * six small pages do not earn a dependency or a build step, and nothing here costs startup time.
 */
final class Html {
  static final String[][] NAV = {
    {"/", "Overview"},
    {"/shards", "Shards"},
    {"/relabel", "Relabel"},
    {"/ha", "HA"},
    {"/upstreams", "Upstreams"},
    {"/config", "Config"},
  };

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private final StringBuilder b = new StringBuilder(8192);

  private Html() {}

  /**
   * Escapes text for both element content and quoted attribute values: {@code & < > " '}. Every
   * value that is not a literal of this package goes through here.
   */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String rep = switch (c) {
        case '&' -> "&amp;";
        case '<' -> "&lt;";
        case '>' -> "&gt;";
        case '"' -> "&quot;";
        case '\'' -> "&#39;";
        default -> null;
      };
      if (rep != null) {
        if (out == null) {
          out = new StringBuilder(s.length() + 16).append(s, 0, i);
        }
        out.append(rep);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? s : out.toString();
  }

  /** A page with the navigation, {@code path}'s entry marked current. */
  static Html page(String path, String title) {
    Html h = new Html();
    h.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>").text(title).raw(" · promgate</title>"
        + "<link rel=\"icon\" href=\"/ui/icon.svg\" type=\"image/svg+xml\">"
        + "<link rel=\"stylesheet\" href=\"/ui/app.css\">"
        + "<script src=\"/ui/app.js\" defer></script></head>\n<body>"
        + "<a class=\"skip\" href=\"#main\">Skip to content</a>"
        + "<header><nav aria-label=\"Main\"><a class=\"brand\" href=\"/\">promgate</a><ul>");
    for (String[] item : NAV) {
      h.raw("<li><a href=\"").raw(item[0]).raw("\"");
      if (item[0].equals(path)) {
        h.raw(" aria-current=\"page\"");
      }
      h.raw(">").raw(item[1]).raw("</a></li>");
    }
    h.raw("</ul></nav></header>\n<main id=\"main\" tabindex=\"-1\"><h1>").text(title).raw("</h1>\n");
    return h;
  }

  Html raw(String s) {
    b.append(s);
    return this;
  }

  Html text(String s) {
    b.append(esc(s));
    return this;
  }

  Html text(long n) {
    b.append(n);
    return this;
  }

  /** {@code <tag class="cls">text</tag>}, text escaped. */
  Html el(String tag, String cls, String text) {
    b.append('<').append(tag);
    if (cls != null) {
      b.append(" class=\"").append(cls).append('"');
    }
    b.append('>').append(esc(text)).append("</").append(tag).append('>');
    return this;
  }

  /** An empty-state box: what is missing and how to get it. */
  Html empty(String headline, String hintHtml) {
    return raw("<div class=\"empty\" role=\"status\"><p><strong>").text(headline).raw("</strong></p>")
        .raw(hintHtml == null ? "" : hintHtml).raw("</div>\n");
  }

  /** A label set as chips: {@code name="value"}. */
  Html labels(Labels l, Predicate<String> show) {
    raw("<span class=\"labels\">");
    for (int i = 0; i < l.size(); i++) {
      if (show.test(l.name(i))) {
        raw("<span class=\"label\">").text(l.name(i)).raw("=\"").text(l.value(i)).raw("\"</span> ");
      }
    }
    return raw("</span>");
  }

  String finish() {
    b.append("</main>\n<footer><a href=\"/metrics\">/metrics</a> · <a href=\"/-/ready\">/-/ready</a>"
        + " · <a href=\"/api/v1/shards\">/api/v1/shards</a></footer>\n</body></html>\n");
    return b.toString();
  }

  static String time(long millis) {
    return millis <= 0 ? "never" : TIME.format(Instant.ofEpochMilli(millis));
  }

  /** "3d 4h", "5m 12s", "800ms". */
  static String age(Duration d) {
    long s = d.getSeconds();
    if (s < 1) {
      return d.toMillis() + "ms";
    }
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m " + (s % 60) + "s";
    }
    if (s < 86400) {
      return (s / 3600) + "h " + (s % 3600 / 60) + "m";
    }
    return (s / 86400) + "d " + (s % 86400 / 3600) + "h";
  }

  /** A number with at most 3 significant decimals: 0.333, 12.5, 1200. */
  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    if (Math.abs(v) >= 100) {
      return Long.toString(Math.round(v));
    }
    return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }
}
