package io.promgate.web;

import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's query string decoded exactly as Go's {@code url.ParseQuery} decodes it (Go 1.19,
 * {@code net/url}), because Prometheus, whose URLs users copy, answers through it:
 *
 * <ul>
 *   <li>pairs are separated by {@code &} only; a pair containing {@code ;} is skipped and reported
 *       ("invalid semicolon separator in query"), as Go ≥ 1.17 does;
 *   <li>an empty pair is skipped; a pair without {@code =} is a key with an empty value;
 *   <li>{@code +} is a space, {@code %XX} a byte; a bad escape skips its pair and is reported as Go
 *       reports it ({@code invalid URL escape "%zz"}); every other byte, raw {@code { } " | ^ < >}
 *       and backtick included, is taken as it is;
 *   <li>no limit on the number of pairs (Netty's decoder, behind {@code rc.queryParam}, stops at
 *       1024 and splits on {@code ;}).
 * </ul>
 *
 * <p>Like Go, decoding continues after an error and {@link #error()} holds the first one: handlers
 * that, like Prometheus's {@code /federate}, refuse a bad query answer 400 with {@code "error
 * parsing form values: " + error()}. Netty hands the request target over with each byte as one
 * char (ISO-8859-1), so raw UTF-8 in the URL arrives as bytes and is decoded here as UTF-8.
 */
public final class Query {
  private static final String KEY = Query.class.getName();
  private static final Query EMPTY = new Query(Map.of(), null);

  private final Map<String, List<String>> values;
  private final String error;

  private Query(Map<String, List<String>> values, String error) {
    this.values = values;
    this.error = error;
  }

  /** The request's query, decoded once and kept with the routing context. */
  public static Query of(RoutingContext rc) {
    Query q = rc.get(KEY);
    if (q == null) {
      q = parse(rc.request().query());
      rc.put(KEY, q);
    }
    return q;
  }

  /** Decodes a raw query string (the part after the first {@code ?}); null is empty. */
  public static Query parse(String raw) {
    if (raw == null || raw.isEmpty()) {
      return EMPTY;
    }
    Map<String, List<String>> values = new LinkedHashMap<>();
    String error = null;
    int i = 0;
    int n = raw.length();
    while (i < n) {
      int amp = raw.indexOf('&', i);
      int end = amp < 0 ? n : amp;
      int next = amp < 0 ? n : amp + 1;
      if (raw.indexOf(';', i) >= 0 && raw.indexOf(';', i) < end) {
        error = error == null ? "invalid semicolon separator in query" : error;
        i = next;
        continue;
      }
      if (end == i) {
        i = next;
        continue;
      }
      int eq = raw.indexOf('=', i);
      int keyEnd = eq >= 0 && eq < end ? eq : end;
      String key;
      String value;
      try {
        key = unescape(raw, i, keyEnd);
        value = keyEnd < end ? unescape(raw, keyEnd + 1, end) : "";
      } catch (IllegalArgumentException e) {
        error = error == null ? e.getMessage() : error;
        i = next;
        continue;
      }
      values.computeIfAbsent(key, k -> new ArrayList<>(1)).add(value);
      i = next;
    }
    return new Query(values, error);
  }

  /** Every value of {@code key} in order (Go's {@code Values[key]}); empty when absent. */
  public List<String> all(String key) {
    return values.getOrDefault(key, List.of());
  }

  /** The first value of {@code key}, or null when absent (Go's {@code Get} answers "" there). */
  public String first(String key) {
    List<String> v = values.get(key);
    return v == null ? null : v.get(0);
  }

  /** Go's first error for this query (e.g. {@code invalid URL escape "%zz"}), or null. */
  public String error() {
    return error;
  }

  /** Go's {@code unescape(s, encodeQueryComponent)} of {@code s[from, to)}; chars are bytes. */
  static String unescape(String s, int from, int to) {
    ByteArrayOutputStream out = null;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%' || c == '+' || c > 0x7f) {
        out = new ByteArrayOutputStream(to - from);
        break;
      }
    }
    if (out == null) {
      return s.substring(from, to); // plain ASCII: as it is
    }
    for (int i = from; i < to; ) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= to || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
          throw new IllegalArgumentException("invalid URL escape " + goQuote(s, i, Math.min(to, i + 3)));
        }
        out.write(hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
        i += 3;
      } else {
        out.write(c == '+' ? ' ' : c & 0xff);
        i++;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * Go's {@code strconv.Quote} of the bytes {@code s[from, to)} (at most three here): printable
   * UTF-8 as it is, {@code "} and {@code \} escaped, other bytes as {@code \xNN}.
   */
  static String goQuote(String s, int from, int to) {
    byte[] b = new byte[to - from];
    for (int i = from; i < to; i++) {
      b[i - from] = (byte) s.charAt(i);
    }
    StringBuilder sb = new StringBuilder("\"");
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        if (c == '"' || c == '\\') {
          sb.append('\\').append((char) c);
        } else if (c >= 0x20 && c < 0x7f) {
          sb.append((char) c);
        } else {
          sb.append(String.format("\\x%02x", c));
        }
        i++;
        continue;
      }
      int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      String decoded = len > 1 && i + len <= b.length ? strictUtf8(b, i, len) : null;
      if (decoded != null && !Character.isISOControl(decoded.codePointAt(0))) {
        sb.append(decoded);
        i += len;
      } else {
        sb.append(String.format("\\x%02x", c));
        i++;
      }
    }
    return sb.append('"').toString();
  }

  private static String strictUtf8(byte[] b, int off, int len) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b, off, len)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
