package io.promgate.federate;

import io.promgate.model.Labels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes families the way Prometheus's {@code /federate} does (web/federate.go, SPEC §5), text
 * format 0.0.4:
 *
 * <pre>
 * # TYPE &lt;name&gt; untyped
 * &lt;name&gt;{&lt;series labels&gt;,&lt;external labels it lacks&gt;} &lt;value&gt; &lt;timestamp ms&gt;
 * </pre>
 *
 * <ul>
 *   <li>series labels in the source's order (see {@link Series#written}), empty values skipped —
 *       except an upstream's own {@code instance=""}, which stays where it was;
 *   <li>then promgate's {@code global.external_labels} the series lacks, sorted by name, with
 *       {@code instance=""} among them unless configured: without it a central Prometheus
 *       scraping with {@code honor_labels: true} would attach its own {@code instance} to
 *       series that have none. A series' own value always wins over an external label;
 *   <li>{@code dedup_labels} are left out: which replica answered must not change a series'
 *       identity;
 *   <li>label values escape {@code \ " newline}; values as {@link GoFloat}.
 * </ul>
 *
 * Output goes to the sink in chunks of about {@link #CHUNK} bytes, so a family is never rendered
 * into one big buffer; each chunk's array is handed over (not copied) and a new one started.
 */
final class ExpositionWriter {
  static final int CHUNK = 32 * 1024;
  private static final byte[] TYPE = "# TYPE ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] UNTYPED = " untyped\n".getBytes(StandardCharsets.US_ASCII);

  private final String[] extNames; // sorted, instance included
  private final String[] extValues;
  private final boolean instanceIsMarker;
  private final String[] dedup;
  private final Sink sink;
  private byte[] buf = new byte[CHUNK + 1024];
  private int len;
  private long seriesWritten;

  /** Receives the text: {@code b[0, len)}, an array the sink now owns. */
  interface Sink {
    void chunk(byte[] b, int len);
  }

  /**
   * @param sink receives each full chunk and, on {@link #flush()}, the rest
   */
  ExpositionWriter(Map<String, String> externalLabels, List<String> dedupLabels, Sink sink) {
    TreeMap<String, String> ext = new TreeMap<>();
    externalLabels.forEach((k, v) -> {
      if (!v.isEmpty()) {
        ext.put(k, v);
      }
    });
    instanceIsMarker = !ext.containsKey("instance");
    if (instanceIsMarker) {
      ext.put("instance", "");
    }
    extNames = ext.keySet().toArray(String[]::new);
    extValues = ext.values().toArray(String[]::new);
    dedup = dedupLabels.toArray(String[]::new);
    this.sink = sink;
  }

  long seriesWritten() {
    return seriesWritten;
  }

  void family(Family f) {
    byte[] name = f.name.getBytes(StandardCharsets.UTF_8);
    put(TYPE);
    put(name);
    put(UNTYPED);
    for (Series s : f.series) {
      series(name, s);
      if (len >= CHUNK) {
        emit();
      }
    }
  }

  /** Hands over whatever is buffered. */
  void flush() {
    if (len > 0) {
      emit();
    }
  }

  private void emit() {
    sink.chunk(buf, len);
    buf = new byte[CHUNK + 1024];
    len = 0;
  }

  private void series(byte[] name, Series s) {
    seriesWritten++;
    put(name);
    put((byte) '{');
    boolean first = true;
    boolean instanceWritten = false;
    if (s.written != null) {
      String[] w = s.written;
      for (int i = 0; i < w.length; i += 2) {
        String n = w[i];
        String v = w[i + 1];
        if (isDedup(n)) {
          continue;
        }
        if (v.isEmpty()) {
          // An upstream's instance="" marker keeps its place; other empty labels mean "absent".
          if (!(instanceIsMarker && n.equals("instance")) || instanceWritten) {
            continue;
          }
          instanceWritten = true;
        }
        first = label(first, n, v);
      }
    } else {
      Labels l = s.labels;
      for (int i = 0; i < l.size(); i++) {
        if (!isDedup(l.name(i))) {
          first = label(first, l.name(i), l.value(i));
        }
      }
    }
    for (int i = 0; i < extNames.length; i++) {
      String n = extNames[i];
      if (s.labels.has(n) || (instanceWritten && n.equals("instance"))) {
        continue;
      }
      first = label(first, n, extValues[i]);
    }
    put((byte) '}');
    put((byte) ' ');
    ensure(64);
    len = GoFloat.write(s.value, buf, len);
    if (s.hasTimestamp) {
      put((byte) ' ');
      putLong(s.timestampMs);
    }
    put((byte) '\n');
  }

  private boolean isDedup(String n) {
    for (String d : dedup) {
      if (d.equals(n)) {
        return true;
      }
    }
    return false;
  }

  private boolean label(boolean first, String name, String value) {
    if (!first) {
      put((byte) ',');
    }
    ascii(name);
    put((byte) '=');
    put((byte) '"');
    escaped(value);
    put((byte) '"');
    return false;
  }

  private void ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
  }

  /** A label value, UTF-8, with {@code \} {@code "} and newline escaped as text format 0.0.4 wants. */
  private void escaped(String v) {
    int n = v.length();
    ensure(2 * n);
    byte[] out = buf;
    int w = len;
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c < 0x80 && !SPECIAL[c]) {
        out[w++] = (byte) c;
        continue;
      }
      len = w;
      if (c >= 0x80) {
        // rare: finish this value through the encoder
        byte[] rest = v.substring(i).getBytes(StandardCharsets.UTF_8);
        ensure(2 * rest.length);
        for (byte b : rest) {
          escapeByte(b);
        }
        return;
      }
      escapeByte((byte) c);
      w = len;
    }
    len = w;
  }

  /** ASCII characters a label value cannot carry as they are. */
  private static final boolean[] SPECIAL = new boolean[128];

  static {
    SPECIAL['\\'] = true;
    SPECIAL['"'] = true;
    SPECIAL['\n'] = true;
  }

  private void escapeByte(byte b) {
    switch (b) {
      case '\\' -> {
        buf[len++] = '\\';
        buf[len++] = '\\';
      }
      case '"' -> {
        buf[len++] = '\\';
        buf[len++] = '"';
      }
      case '\n' -> {
        buf[len++] = '\\';
        buf[len++] = 'n';
      }
      default -> buf[len++] = b;
    }
  }

  private void putLong(long v) {
    ensure(20);
    if (v < 0) {
      buf[len++] = '-';
      if (v == Long.MIN_VALUE) {
        ascii("9223372036854775808");
        return;
      }
      v = -v;
    }
    int start = len;
    do {
      buf[len++] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v > 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
  }

  private void put(byte b) {
    ensure(1);
    buf[len++] = b;
  }

  private void put(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, len, b.length);
    len += b.length;
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }
}
