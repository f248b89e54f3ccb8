package io.promgate.federate;

import io.promgate.model.Labels;
import io.promgate.model.Matcher;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A push parser for Prometheus text format 0.0.4 as an upstream {@code /federate} answers it,
 * fed chunk by chunk as the bytes arrive and handing over each metric family once the next one
 * starts (or the answer ends).
 *
 * <p>Grammar (exposition_formats.md, and what Prometheus's own scrape parser accepts): lines end
 * in {@code \n}; blank lines and lines starting with {@code #} ({@code # HELP}, {@code # TYPE},
 * comments) carry nothing a federated series needs and are skipped; a sample line is {@code
 * name[{l="v",...[,]}] value [timestamp_ms]} with spaces or tabs between tokens. Label values
 * unescape {@code \\ \" \n}; any other backslash pair is kept as written, as Prometheus keeps it.
 * Values follow Go's {@code strconv.ParseFloat}: decimal or hex floats, {@code NaN}, {@code
 * Inf}/{@code +Inf}/{@code -Inf} in any case; out of range is an error, as it fails a scrape.
 *
 * <p>A family here is a run of lines with the same metric name — what {@code /federate} groups
 * under one {@code # TYPE} line. Work is bounded before it is done: a line longer than
 * {@link #MAX_LINE_BYTES}, more than {@link #MAX_LABELS} labels, or more series than the
 * sample limit fail the answer. Families no selector can match are skipped without parsing their
 * labels; series are matched against the request's selectors here, so an upstream that ignores
 * {@code match[]} leaks nothing and holds no memory for what it should not have sent.
 *
 * <p>Hot path: bytes are scanned by index; names and ASCII values go through a small
 * direct-mapped cache, so the thousands of repeats of {@code job="node"} share one String (and
 * its cached hash) instead of one allocation each.
 */
final class ExpositionParser {
  static final int MAX_LINE_BYTES = 1 << 20;
  static final int MAX_LABELS = 512;

  private final Selectors selectors;
  private final String[] dedupLabels;
  private final long sampleLimit;
  private final long nowMs;
  private final Consumer<Family> out;

  private byte[] carry = new byte[256];
  private int carryLen;
  private long lineNo;
  private long series;
  private int unsorted;

  private byte[] famNameBytes = new byte[0];
  private String famName;
  private String lastName;
  private Matcher[][] famSelectors; // null: skip this family
  private Family family;

  private final Labels.Builder builder = new Labels.Builder(16);
  private String[] pairs = new String[32];
  private byte[] scratch = new byte[256];
  private final StringCache cache = new StringCache();

  /**
   * @param dedupLabels labels dropped from {@link Series#key}, sorted or not
   * @param sampleLimit most series kept (0: unlimited)
   * @param nowMs the timestamp that stands for a sample written without one, when comparing
   * @param out receives every complete family that has at least one selected series
   */
  ExpositionParser(Selectors selectors, List<String> dedupLabels, long sampleLimit, long nowMs, Consumer<Family> out) {
    this.selectors = selectors;
    this.dedupLabels = dedupLabels.toArray(String[]::new);
    this.sampleLimit = sampleLimit;
    this.nowMs = nowMs;
    this.out = out;
  }

  /** Series kept so far. */
  long series() {
    return series;
  }

  /** How many families started with a name not above the previous one (an unsorted answer). */
  int unsortedFamilies() {
    return unsorted;
  }

  void feed(byte[] b, int off, int len) throws ExpositionException {
    int i = off;
    int end = off + len;
    if (carryLen > 0) {
      int nl = indexOf(b, i, end);
      if (nl < 0) {
        appendCarry(b, i, end - i);
        return;
      }
      appendCarry(b, i, nl - i);
      line(carry, 0, carryLen);
      carryLen = 0;
      i = nl + 1;
    }
    while (i < end) {
      int nl = indexOf(b, i, end);
      if (nl < 0) {
        appendCarry(b, i, end - i);
        return;
      }
      if (nl - i > MAX_LINE_BYTES) {
        throw tooLong();
      }
      line(b, i, nl);
      i = nl + 1;
    }
  }

  /** The answer ended: parses a last line without newline and hands over the last family. */
  void end() throws ExpositionException {
    if (carryLen > 0) {
      line(carry, 0, carryLen);
      carryLen = 0;
    }
    flushFamily();
  }

  private static int indexOf(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void appendCarry(byte[] b, int off, int n) throws ExpositionException {
    if (carryLen + n > MAX_LINE_BYTES) {
      throw tooLong();
    }
    if (carryLen + n > carry.length) {
      carry = Arrays.copyOf(carry, Math.min(MAX_LINE_BYTES, Math.max(carry.length * 2, carryLen + n)));
    }
    System.arraycopy(b, off, carry, carryLen, n);
    carryLen += n;
  }

  private ExpositionException tooLong() {
    return new ExpositionException("line " + (lineNo + 1) + ": longer than " + MAX_LINE_BYTES + " bytes");
  }

  private ExpositionException bad(String what) {
    return new ExpositionException("line " + lineNo + ": " + what);
  }

  private void line(byte[] b, int s, int e) throws ExpositionException {
    lineNo++;
    int p = skipBlank(b, s, e);
    if (p == e || b[p] == '#') {
      return;
    }
    int nameStart = p;
    if (!isNameStart(b[p])) {
      throw bad("invalid metric name");
    }
    p++;
    while (p < e && isNameChar(b[p])) {
      p++;
    }
    if (!sameFamily(b, nameStart, p)) {
      flushFamily();
      startFamily(b, nameStart, p);
    }
    if (famSelectors == null) {
      return; // no selector can match this family: not worth parsing
    }
    int npairs = 0;
    int q = skipBlank(b, p, e);
    if (q < e && b[q] == '{') {
      p = q + 1;
      while (true) {
        p = skipBlank(b, p, e);
        if (p < e && b[p] == '}') {
          p++;
          break;
        }
        int ls = p;
        if (p >= e || !isLabelStart(b[p])) {
          throw bad("invalid label name");
        }
        int lh = b[p++];
        while (p < e && isLabelChar(b[p])) {
          lh = 31 * lh + b[p++];
        }
        String lname = cache.ascii(b, ls, p - ls, lh);
        if (p - ls == 8 && lname.equals(Labels.METRIC_NAME)) {
          throw bad("label __name__ inside braces");
        }
        p = skipBlank(b, p, e);
        if (p >= e || b[p] != '=') {
          throw bad("expected '=' after label name " + lname);
        }
        p = skipBlank(b, p + 1, e);
        if (p >= e || b[p] != '"') {
          throw bad("expected '\"' to start the value of label " + lname);
        }
        p = labelValue(b, p + 1, e);
        if (npairs == MAX_LABELS) {
          throw bad("more than " + MAX_LABELS + " labels");
        }
        if (2 * npairs + 2 > pairs.length) {
          pairs = Arrays.copyOf(pairs, pairs.length * 2);
        }
        pairs[2 * npairs] = lname;
        pairs[2 * npairs + 1] = lastValue;
        npairs++;
        p = skipBlank(b, p, e);
        if (p < e && b[p] == ',') {
          p++;
        } else if (p < e && b[p] == '}') {
          p++;
          break;
        } else {
          throw bad("expected ',' or '}' after the value of label " + lname);
        }
      }
    }
    // value, then an optional timestamp
    int vs = skipBlank(b, p, e);
    if (vs == p && vs < e) {
      throw bad("expected a space before the value");
    }
    int ve = vs;
    while (ve < e && b[ve] != ' ' && b[ve] != '\t') {
      ve++;
    }
    if (ve == vs) {
      throw bad("missing value");
    }
    double value = parseValue(b, vs, ve);
    int ts = skipBlank(b, ve, e);
    long timestamp = nowMs;
    boolean hasTimestamp = false;
    if (ts < e) {
      int te = ts;
      while (te < e && b[te] != ' ' && b[te] != '\t') {
        te++;
      }
      timestamp = parseTimestamp(b, ts, te);
      hasTimestamp = true;
      if (skipBlank(b, te, e) != e) {
        throw bad("unexpected text after the timestamp");
      }
    }
    addSeries(npairs, value, timestamp, hasTimestamp);
  }

  private void addSeries(int npairs, double value, long timestamp, boolean hasTimestamp) throws ExpositionException {
    builder.clear();
    int nonEmpty = 0;
    for (int i = 0; i < npairs; i++) {
      String v = pairs[2 * i + 1];
      if (!v.isEmpty()) {
        builder.set(pairs[2 * i], v);
        nonEmpty++;
      }
    }
    if (builder.size() != nonEmpty) {
      throw bad("duplicate label name");
    }
    Labels labels = builder.build();
    if (!Selectors.matches(famSelectors, labels)) {
      return;
    }
    if (sampleLimit > 0 && series >= sampleLimit) {
      throw new ExpositionException("more than sample_limit=" + sampleLimit + " series");
    }
    series++;
    Labels key = labels;
    for (String d : dedupLabels) {
      if (labels.has(d)) {
        builder.del(d);
        key = null;
      }
    }
    if (key == null) {
      key = builder.build();
    }
    // Written in name order without empty values, the labels are what Series.labels holds: no
    // need to keep the order they came in.
    boolean canonical = nonEmpty == npairs;
    for (int i = 1; canonical && i < npairs; i++) {
      canonical = pairs[2 * i - 2].compareTo(pairs[2 * i]) < 0;
    }
    family.series.add(new Series(labels, key, canonical ? null : Arrays.copyOf(pairs, 2 * npairs), value,
        timestamp, hasTimestamp));
  }

  private boolean sameFamily(byte[] b, int s, int e) {
    return famName != null && Arrays.equals(famNameBytes, 0, famNameBytes.length, b, s, e);
  }

  private void startFamily(byte[] b, int s, int e) {
    famNameBytes = Arrays.copyOfRange(b, s, e);
    famName = new String(famNameBytes, StandardCharsets.ISO_8859_1);
    if (lastName != null && famName.compareTo(lastName) <= 0) {
      unsorted++;
    }
    lastName = famName;
    famSelectors = selectors.forFamily(famName);
    family = famSelectors == null ? null : new Family(famName);
  }

  private void flushFamily() {
    if (family != null && !family.series.isEmpty()) {
      out.accept(family);
    }
    family = null;
  }

  // ---- tokens ----

  private String lastValue;

  /** Parses a label value after its opening quote into {@link #lastValue}; returns the index after the closing quote. */
  private int labelValue(byte[] b, int p, int e) throws ExpositionException {
    int s = p;
    boolean ascii = true;
    boolean escaped = false;
    int hash = 0;
    while (true) {
      if (p >= e) {
        throw bad("unterminated label value");
      }
      byte c = b[p];
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        escaped = true;
        p += 2;
        continue;
      }
      if (c < 0) {
        ascii = false;
      }
      hash = 31 * hash + c;
      p++;
    }
    int n = p - s;
    if (!escaped) {
      lastValue = ascii ? cache.ascii(b, s, n, hash) : new String(b, s, n, StandardCharsets.UTF_8);
      return p + 1;
    }
    if (scratch.length < n) {
      scratch = new byte[Math.max(n, scratch.length * 2)];
    }
    int w = 0;
    for (int i = s; i < p; i++) {
      byte c = b[i];
      if (c == '\\') {
        byte x = b[i + 1];
        if (x == 'n') {
          scratch[w++] = '\n';
          i++;
          continue;
        }
        if (x == '\\' || x == '"') {
          scratch[w++] = x;
          i++;
          continue;
        }
        // unknown escape: kept as written, as Prometheus's scrape parser keeps it
      }
      scratch[w++] = c;
    }
    lastValue = ascii ? cache.ascii(scratch, 0, w, StringCache.hash(scratch, 0, w))
        : new String(scratch, 0, w, StandardCharsets.UTF_8);
    return p + 1;
  }

  private long parseTimestamp(byte[] b, int s, int e) throws ExpositionException {
    int i = s;
    boolean neg = b[i] == '-';
    if (neg) {
      i++;
    }
    if (i == e || e - i > 19) {
      throw bad("invalid timestamp");
    }
    long t = 0;
    try {
      for (; i < e; i++) {
        int d = b[i] - '0';
        if (d < 0 || d > 9) {
          throw bad("invalid timestamp");
        }
        t = Math.addExact(Math.multiplyExact(t, 10), d);
      }
    } catch (ArithmeticException ex) {
      throw bad("timestamp out of range");
    }
    return neg ? -t : t;
  }

  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22
  };

  /**
   * Go {@code strconv.ParseFloat} of the token. Decimals of at most 15-16 significant digits with
   * a small exponent are converted exactly by one IEEE operation (Clinger's fast path); the rest
   * go to {@link Double#parseDouble}, which rounds correctly, after the syntax has been checked
   * here (Java would also take {@code 1d} or {@code Infinity}).
   */
  double parseValue(byte[] b, int s, int e) throws ExpositionException {
    int i = s;
    boolean neg = false;
    if (b[i] == '+' || b[i] == '-') {
      neg = b[i] == '-';
      i++;
    }
    if (i < e && ((b[i] | 0x20) == 'i' || (b[i] | 0x20) == 'n')) {
      String word = new String(b, i, e - i, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      switch (word) {
        case "inf", "infinity":
          return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        case "nan":
          return Double.NaN;
        default:
          throw bad("invalid value");
      }
    }
    if (e - i > 2 && b[i] == '0' && (b[i + 1] | 0x20) == 'x') {
      return hexFloat(b, s, e);
    }
    long m = 0;
    int exp10 = 0;
    boolean digits = false;
    boolean inexact = false;
    for (; i < e && isDigit(b[i]); i++) {
      digits = true;
      if (m < 100_000_000_000_000_000L) {
        m = m * 10 + (b[i] - '0');
      } else {
        exp10++;
        inexact |= b[i] != '0';
      }
    }
    if (i < e && b[i] == '.') {
      for (i++; i < e && isDigit(b[i]); i++) {
        digits = true;
        if (m < 100_000_000_000_000_000L) {
          m = m * 10 + (b[i] - '0');
          exp10--;
        } else {
          inexact |= b[i] != '0';
        }
      }
    }
    if (!digits) {
      throw bad("invalid value");
    }
    if (i < e && (b[i] | 0x20) == 'e') {
      i++;
      boolean eneg = false;
      if (i < e && (b[i] == '+' || b[i] == '-')) {
        eneg = b[i] == '-';
        i++;
      }
      if (i == e) {
        throw bad("invalid value");
      }
      int x = 0;
      for (; i < e && isDigit(b[i]); i++) {
        if (x < 100_000) {
          x = x * 10 + (b[i] - '0');
        }
      }
      exp10 += eneg ? -x : x;
    }
    if (i != e) {
      throw bad("invalid value");
    }
    double v;
    if (m == 0) {
      v = 0;
    } else if (!inexact && m < (1L << 53) && exp10 >= -22 && exp10 <= 22) {
      v = exp10 >= 0 ? m * POW10[exp10] : m / POW10[-exp10];
    } else {
      v = Double.parseDouble(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
      if (Double.isInfinite(v)) {
        throw bad("value out of range");
      }
      return v;
    }
    if (Double.isInfinite(v)) {
      throw bad("value out of range");
    }
    return neg ? -v : v;
  }

  /** Go hex float ({@code 0x1.8p3}): the binary exponent is required, as in Go and Java. */
  private double hexFloat(byte[] b, int s, int e) throws ExpositionException {
    boolean sawP = false;
    for (int i = s; i < e; i++) {
      int c = b[i] | 0x20;
      if (c == 'p') {
        sawP = true;
      } else if (!(isDigit(b[i]) || (c >= 'a' && c <= 'f') || c == 'x' || b[i] == '.' || b[i] == '+' || b[i] == '-')) {
        throw bad("invalid value");
      }
    }
    if (!sawP) {
      throw bad("invalid value");
    }
    try {
      double v = Double.parseDouble(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
      if (Double.isInfinite(v)) {
        throw bad("value out of range");
      }
      return v;
    } catch (NumberFormatException ex) {
      throw bad("invalid value");
    }
  }

  private static int skipBlank(byte[] b, int p, int e) {
    while (p < e && (b[p] == ' ' || b[p] == '\t')) {
      p++;
    }
    return p;
  }

  private static boolean isDigit(byte c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isNameStart(byte c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  }

  private static boolean isNameChar(byte c) {
    return isNameStart(c) || isDigit(c);
  }

  private static boolean isLabelStart(byte c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isLabelChar(byte c) {
    return isLabelStart(c) || isDigit(c);
  }

  /**
   * Direct-mapped cache of ASCII strings by content: a hit returns the same String instance, so
   * repeated label names and values cost a byte compare instead of an allocation (and
   * later share their cached hash code). A miss replaces the slot. The hash is computed by the
   * caller while it scans the token anyway.
   */
  static final class StringCache {
    private static final int SLOTS = 4096;
    private final byte[][] keys = new byte[SLOTS][];
    private final String[] values = new String[SLOTS];

    static int hash(byte[] b, int off, int len) {
      int h = 0;
      for (int i = off; i < off + len; i++) {
        h = 31 * h + b[i];
      }
      return h;
    }

    String ascii(byte[] b, int off, int len, int hash) {
      int slot = (hash ^ (hash >>> 13) ^ (hash >>> 22)) & (SLOTS - 1);
      byte[] k = keys[slot];
      if (k != null && k.length == len) {
        // a plain loop: these strings are short, where Arrays.equals' vectorized mismatch costs more
        int i = 0;
        while (i < len && k[i] == b[off + i]) {
          i++;
        }
        if (i == len) {
          return values[slot];
        }
      }
      String s = new String(b, off, len, StandardCharsets.ISO_8859_1);
      keys[slot] = Arrays.copyOfRange(b, off, off + len);
      values[slot] = s;
      return s;
    }
  }
}
