package io.promgate.write;

import io.promgate.config.HaTrackerConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.ha.HaTracker;
import io.promgate.influx.LineBuffer;
import io.promgate.influx.TagValues;
import io.promgate.model.Labels;
import io.promgate.relabel.Relabeler;
import io.promgate.write.InvalidWriteException.Reason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a decompressed remote-write request — 1.0 {@code WriteRequest} or 2.0 {@code
 * io.prometheus.write.v2.Request} — straight into InfluxDB line protocol, reading protobuf fields
 * from the bytes (no message objects, no label Strings).
 *
 * <p>Schema, identical to InfluxDB 1.x's own {@code /api/v1/prom/write} so either side can read
 * what the other wrote: measurement = metric name, every label including {@code __name__} as a
 * tag, one float field {@code value}. Line protocol has no NaN/Inf, so a non-finite sample
 * (NaN, ±Inf, the staleness marker {@code 0x7ff0000000000002}) is stored instead as the integer
 * field {@code value_bits} holding {@code Double.doubleToRawLongBits} — reversible to the exact
 * bits, and invisible to readers that only know {@code value}.
 *
 * <p>Per series the tag prefix ({@code measurement,tag=v,... }) is written once and then copied
 * for each further sample within the output array. Validation follows the remote-write spec:
 * labels in any order (sorted here when needed) with no duplicates, valid names, a valid metric name, UTF-8 values.
 *
 * <p>Two paths produce the same lines and the same errors. The fast ones ({@link #fastSeries}
 * for 1.0, {@link #writeSymbolSeriesKey} with a per-request symbol cache for 2.0) take the usual
 * shape of series in one pass, a word at a time, and give up — taking back their output — at
 * anything else; the general path then checks and writes that series label by label, with the
 * exact error message. One instance per thread; not thread-safe.
 */
public final class RemoteWriteDecoder {
  // InfluxDB stores nanoseconds in an int64 and reserves both extremes; at precision=ms the
  // timestamp is multiplied by 1e6, so these are the ms values it accepts.
  static final long MIN_TIMESTAMP_MS = -9_223_372_036_854L;
  static final long MAX_TIMESTAMP_MS = 9_223_372_036_854L;
  private static final byte[] NAME = "__name__".getBytes(StandardCharsets.US_ASCII);
  // Little-endian 8-byte loads from byte arrays, for word-at-a-time label checks.
  private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH = 0x8080808080808080L;
  private static final long NAME_WORD = (long) WORD.get(NAME, 0); // "__name__" as a word
  private static final byte[] VALUE = "value=".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] VALUE_BITS = "value_bits=".getBytes(StandardCharsets.US_ASCII);

  private final ProtoReader request = new ProtoReader();
  private final ProtoReader series = new ProtoReader();
  private final ProtoReader field = new ProtoReader();
  // Per label of the current series: name offset, name length, value offset, value length, and
  // the value's TagValues.classify flags (computed once while validating, reused when writing).
  private int[] labels = new int[L * 32];
  private static final int L = 5;
  private final Labels.Builder builder = new Labels.Builder(32);
  /**
   * Series whose key {@link #fastSeries} or {@link #writeSymbolSeriesKey} wrote: for tests, which
   * must see the fast paths taken.
   */
  long fastPathSeries;

  // remote_write.ha_tracker, when on for the request being decoded (null: off, and no cost): the
  // cluster and replica label names as bytes, and as the zero-padded words fastSeries compares
  // (length -1 when over 16 bytes: fastSeries never takes such a label).
  private HaTracker.Batch ha;
  private HaTrackerConfig haConfig;
  private byte[] haCluster;
  private byte[] haReplica;
  private long haCluster1, haCluster2, haReplica1, haReplica2;
  private int haClusterLen, haReplicaLen;
  private boolean haDropCluster;

  /**
   * Sets the HA tracker's view for the next decode on this thread ({@code batch} null: HA off).
   * Series with both labels are then stored without the replica label only if {@code batch}
   * says so, else counted in {@link WriteStats#haDeduplicated} (or {@link WriteStats#haRetry}).
   */
  public void ha(HaTracker.Batch batch, HaTrackerConfig cfg) {
    ha = batch;
    if (batch == null || cfg == haConfig) {
      return;
    }
    haConfig = cfg;
    haCluster = cfg.clusterLabel().getBytes(StandardCharsets.UTF_8);
    haReplica = cfg.replicaLabel().getBytes(StandardCharsets.UTF_8);
    byte[] c = Arrays.copyOf(haCluster, 16);
    byte[] r = Arrays.copyOf(haReplica, 16);
    haCluster1 = (long) WORD.get(c, 0);
    haCluster2 = (long) WORD.get(c, 8);
    haReplica1 = (long) WORD.get(r, 0);
    haReplica2 = (long) WORD.get(r, 8);
    haClusterLen = haCluster.length <= 16 ? haCluster.length : -1;
    haReplicaLen = haReplica.length <= 16 ? haReplica.length : -1;
    haDropCluster = cfg.dropClusterLabel();
  }

  /**
   * Decodes {@code buf[off, off+len)} and appends one line per sample to {@code out}.
   *
   * @throws InvalidWriteException for malformed input or a request over a limit; {@code out}
   *     then holds a partial result that the caller must discard
   */
  public void decode(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats) {
    decode(buf, off, len, limits, out, stats, null, 0);
  }

  /**
   * Remote write 1.0, with metric metadata ({@code WriteRequest.metadata}) written as {@link
   * MetadataLines} points stamped {@code nowMs} unless {@code metadata} knows them already (null:
   * always write).
   */
  public void decode(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats,
      MetadataLines metadata, long nowMs) {
    stats.clear();
    boolean plain = limits.writeRelabel().isEmpty(); // fastSeries does not relabel
    ProtoReader r = request.reset(buf, off, len);
    while (r.hasMore()) {
      int tag = r.readTag();
      int fieldNo = tag >>> 3;
      int wire = tag & 7;
      if (fieldNo == 1) {
        expectWire(wire, ProtoReader.LEN, "WriteRequest.timeseries");
        int n = r.readLength();
        if (++stats.series > limits.maxSeriesPerRequest()) {
          throw new InvalidWriteException(
              Reason.TOO_MANY_SERIES,
              "request has more than " + limits.maxSeriesPerRequest() + " series (remote_write.max_series_per_request)");
        }
        if (!plain || !fastSeries(buf, r.pos, n, limits, out, stats)) {
          decodeSeries(buf, r.pos, n, limits, out, stats);
        }
        r.pos += n;
      } else if (fieldNo == 3 && wire == ProtoReader.LEN) {
        stats.metadata++;
        int n = r.readLength();
        readMetadataV1(buf, r.pos, n, out, stats, metadata, nowMs);
        r.pos += n;
      } else {
        r.skip(wire);
      }
    }
  }

  /** {@code MetricMetadata{type=1, metric_family_name=2, help=4, unit=5}}. */
  private void readMetadataV1(byte[] buf, int off, int len, LineBuffer out, WriteStats stats,
      MetadataLines metadata, long nowMs) {
    ProtoReader f = field.reset(buf, off, len);
    int type = 0;
    String name = "";
    String help = "";
    String unit = "";
    while (f.hasMore()) {
      int tag = f.readTag();
      switch (tag) {
        case 1 << 3 | ProtoReader.VARINT -> type = (int) f.readVarint();
        case 2 << 3 | ProtoReader.LEN -> name = utf8String(f, "MetricMetadata.metric_family_name");
        case 4 << 3 | ProtoReader.LEN -> help = utf8String(f, "MetricMetadata.help");
        case 5 << 3 | ProtoReader.LEN -> unit = utf8String(f, "MetricMetadata.unit");
        default -> f.skip(tag & 7);
      }
    }
    byte[] nb = name.getBytes(StandardCharsets.UTF_8);
    if (!isMetricName(nb, 0, nb.length)) {
      return; // metadata for a name we could never store samples under: nothing to keep
    }
    writeMetadata(out, stats, metadata, nowMs, name, MetadataLines.typeName(type), help, unit);
  }

  private static void writeMetadata(LineBuffer out, WriteStats stats, MetadataLines metadata, long nowMs,
      String name, String type, String help, String unit) {
    String key = MetadataLines.key(name, type, help, unit);
    if (metadata != null && metadata.isFresh(key, nowMs)) {
      return;
    }
    MetadataLines.write(out, name, type, help, unit, nowMs);
    stats.metadataKeys.add(key);
  }

  private static String utf8String(ProtoReader f, String what) {
    int n = f.readLength();
    if (!isUtf8(f.buf, f.pos, n)) {
      throw ProtoReader.corrupt(what + " is not valid UTF-8");
    }
    String s = new String(f.buf, f.pos, n, StandardCharsets.UTF_8);
    f.pos += n;
    return s;
  }

  // ---- Remote write 2.0 ----------------------------------------------------------------------

  // Symbol table of the current 2.0 request: offset and length of each symbol in the buffer.
  private int[] symbols = new int[2 * 256];
  private int[] refs = new int[64];
  private long[] metadataSeen = new long[4];
  // What this request's symbols were found to be, worked out the first time a series uses them
  // (SYM_* bits; 0: not looked at yet), and each usable label name as two zero-padded words.
  // A symbol is checked once per request however many series use it.
  private int[] symbolInfo = new int[256];
  private long[] symbolWords = new long[2 * 256];
  private static final int SYM_NAME_CHECKED = 1;
  private static final int SYM_NAME_FAST = 2; // a valid label name of 1..16 bytes within the limit, not "time"
  private static final int SYM_VALUE_CHECKED = 4;
  private static final int SYM_VALUE_PLAIN = 8; // within the limit, and written as it is (TagValues.classify 0)
  private static final int SYM_METRIC_CHECKED = 16;
  private static final int SYM_METRIC_OK = 32; // a valid metric name

  /**
   * Remote write 2.0 ({@code io.prometheus.write.v2.Request}): labels are pairs of references
   * into a per-request symbol table ({@code symbols[0]} must be ""). Everything after the label
   * lookup — validation, relabeling, line protocol, special values, limits — is the 1.0 path.
   * Per-series metadata is written once per metric per request (and skipped when {@code metadata}
   * already has it).
   */
  public void decodeV2(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats,
      MetadataLines metadata, long nowMs) {
    stats.clear();
    // Pass 1: the symbol table (proto3 allows it after the series, so it is read first).
    ProtoReader r = request.reset(buf, off, len);
    int nSymbols = 0;
    while (r.hasMore()) {
      int tag = r.readTag();
      if (tag == (4 << 3 | ProtoReader.LEN)) {
        int n = r.readLength();
        if (symbols.length < 2 * (nSymbols + 1)) {
          symbols = Arrays.copyOf(symbols, symbols.length * 2);
        }
        symbols[2 * nSymbols] = r.pos;
        symbols[2 * nSymbols + 1] = n;
        nSymbols++;
        r.pos += n;
      } else {
        if ((tag >>> 3) == 4 || (tag >>> 3) == 5) {
          expectWire(tag & 7, ProtoReader.LEN, (tag >>> 3) == 4 ? "Request.symbols" : "Request.timeseries");
        }
        r.skip(tag & 7);
      }
    }
    if (nSymbols > 0 && symbols[1] != 0) {
      throw new InvalidWriteException(Reason.INVALID_LABELS, "symbols[0] must be the empty string");
    }
    if (symbolInfo.length < nSymbols) {
      symbolInfo = new int[Math.max(nSymbols, 2 * symbolInfo.length)];
      symbolWords = new long[2 * symbolInfo.length];
    } else {
      Arrays.fill(symbolInfo, 0, nSymbols, 0);
    }
    int seenWords = (nSymbols >>> 6) + 1;
    if (metadataSeen.length < seenWords) {
      metadataSeen = new long[seenWords];
    } else {
      Arrays.fill(metadataSeen, 0, seenWords, 0);
    }
    // Pass 2: the series.
    r.reset(buf, off, len);
    while (r.hasMore()) {
      int tag = r.readTag();
      if (tag != (5 << 3 | ProtoReader.LEN)) {
        r.skip(tag & 7);
        continue;
      }
      int n = r.readLength();
      if (++stats.series > limits.maxSeriesPerRequest()) {
        throw new InvalidWriteException(
            Reason.TOO_MANY_SERIES,
            "request has more than " + limits.maxSeriesPerRequest() + " series (remote_write.max_series_per_request)");
      }
      decodeSeriesV2(buf, r.pos, n, nSymbols, limits, out, stats, metadata, nowMs);
      r.pos += n;
    }
  }

  private void decodeSeriesV2(byte[] buf, int off, int len, int nSymbols, RemoteWriteConfig limits, LineBuffer out,
      WriteStats stats, MetadataLines metadata, long nowMs) {
    ProtoReader s = series.reset(buf, off, len);
    int nRefs = 0;
    int nSamples = 0;
    int metaOff = -1;
    int metaLen = 0;
    while (s.hasMore()) {
      int tag = s.readTag();
      int fieldNo = tag >>> 3;
      int wire = tag & 7;
      if (fieldNo == 1 && wire == ProtoReader.LEN) {
        // packed uint32 refs (the normal encoding)
        int n = s.readLength();
        int end = s.pos + n;
        ProtoReader f = field.reset(buf, s.pos, n);
        while (f.hasMore()) {
          nRefs = addRef(f.readVarint(), nRefs, nSymbols, limits);
        }
        s.pos = end;
      } else if (fieldNo == 1 && wire == ProtoReader.VARINT) {
        // unpacked: parsers must accept both encodings of a repeated scalar
        nRefs = addRef(s.readVarint(), nRefs, nSymbols, limits);
      } else if (fieldNo == 2) {
        expectWire(wire, ProtoReader.LEN, "TimeSeries.samples");
        nSamples++;
        s.skip(wire);
      } else if (fieldNo == 3 && wire == ProtoReader.LEN) {
        stats.histograms++;
        s.skip(wire);
      } else if (fieldNo == 4 && wire == ProtoReader.LEN) {
        stats.exemplars++;
        s.skip(wire);
      } else if (fieldNo == 5 && wire == ProtoReader.LEN) {
        metaLen = s.readLength();
        metaOff = s.pos;
        s.pos += metaLen;
      } else {
        s.skip(wire);
      }
    }
    if ((nRefs & 1) != 0) {
      throw new InvalidWriteException(
          Reason.INVALID_LABELS, "labels_refs has an odd number of entries (" + nRefs + "): refs come in name/value pairs");
    }
    int nLabels = nRefs / 2;
    if (labels.length < L * nLabels) {
      labels = Arrays.copyOf(labels, Math.max(labels.length * 2, L * nLabels));
    }
    for (int i = 0; i < nLabels; i++) {
      int nameRef = refs[2 * i];
      int valueRef = refs[2 * i + 1];
      labels[L * i] = symbols[2 * nameRef];
      labels[L * i + 1] = symbols[2 * nameRef + 1];
      labels[L * i + 2] = symbols[2 * valueRef];
      labels[L * i + 3] = symbols[2 * valueRef + 1];
    }
    int keyStart = out.length();
    boolean keyWritten =
        nSamples > 0 && limits.writeRelabel().isEmpty() && ha == null && writeSymbolSeriesKey(buf, nLabels, limits, out);
    int notStored = stats.haDeduplicated;
    int nameIdx = emitSeries(buf, off, len, nLabels, nSamples, limits, out, stats, keyWritten ? keyStart : -1);
    if (metaOff >= 0 && stats.haDeduplicated == notStored) {
      // a deduplicated series' metadata is not stored either;
      // nameIdx indexes the labels as validated, which are sorted when the sender's were not:
      // find the refs pair of that same name symbol.
      int nameRef = refs[2 * nameIdx + 1];
      for (int i = 0; i < nLabels; i++) {
        if (symbols[2 * refs[2 * i]] == labels[L * nameIdx]) {
          nameRef = refs[2 * i + 1];
          break;
        }
      }
      if ((metadataSeen[nameRef >>> 6] & (1L << nameRef)) == 0) {
        metadataSeen[nameRef >>> 6] |= 1L << nameRef;
        readMetadataV2(buf, metaOff, metaLen, nSymbols, symbolString(buf, nameRef), out, stats, metadata, nowMs);
      }
    }
  }

  /**
   * The 2.0 counterpart of {@link #fastSeries}: writes the series key of the labels in {@link
   * #refs} when every check is already known to pass from the symbol cache ({@link #symbolInfo},
   * filled the first time a symbol is used), copying name words and value bytes; otherwise takes
   * its output back and returns false, and {@link #emitSeries} checks the series the exact way.
   * With the cache, a label costs two lookups, one order compare and two copies.
   */
  private boolean writeSymbolSeriesKey(byte[] buf, int n, RemoteWriteConfig limits, LineBuffer out) {
    if (n == 0) {
      return false;
    }
    int[] r = refs;
    int[] sym = symbols;
    int room = sym[2 * r[1] + 1] + 1 + 24; // measurement, space, and word stores past the end
    for (int i = 0; i < n; i++) {
      room += sym[2 * r[2 * i] + 1] + sym[2 * r[2 * i + 1] + 1] + 2;
    }
    int start = out.length();
    out.ensure(room);
    byte[] dst = out.array();
    int d = start;
    long prev1 = 0;
    long prev2 = 0;
    for (int i = 0; i < n; i++) {
      int nameRef = r[2 * i];
      int valueRef = r[2 * i + 1];
      if ((nameInfo(buf, nameRef, limits) & SYM_NAME_FAST) == 0) {
        return undo(out, start);
      }
      long w1 = symbolWords[2 * nameRef];
      long w2 = symbolWords[2 * nameRef + 1];
      long k1 = Long.reverseBytes(w1);
      long k2 = Long.reverseBytes(w2);
      int vo = sym[2 * valueRef];
      int vl = sym[2 * valueRef + 1];
      if (i == 0) {
        // __name__ first, with a valid metric name: the measurement
        if (w1 != NAME_WORD || w2 != 0 || (metricInfo(buf, valueRef) & SYM_METRIC_OK) == 0) {
          return undo(out, start);
        }
        System.arraycopy(buf, vo, dst, d, vl);
        d += vl;
      } else if ((prev1 != k1 ? Long.compareUnsigned(prev1, k1) : Long.compareUnsigned(prev2, k2)) >= 0) {
        return undo(out, start); // out of order or a duplicate
      }
      prev1 = k1;
      prev2 = k2;
      if (vl > 0) {
        if ((valueInfo(buf, valueRef, limits) & SYM_VALUE_PLAIN) == 0) {
          return undo(out, start);
        }
        int nl = sym[2 * nameRef + 1];
        dst[d] = ',';
        WORD.set(dst, d + 1, w1);
        WORD.set(dst, d + 9, w2);
        d += nl + 1;
        dst[d++] = '=';
        System.arraycopy(buf, vo, dst, d, vl);
        d += vl;
      }
    }
    dst[d++] = ' ';
    out.setLength(d);
    fastPathSeries++;
    return true;
  }

  private int nameInfo(byte[] buf, int ref, RemoteWriteConfig limits) {
    int info = symbolInfo[ref];
    if ((info & SYM_NAME_CHECKED) != 0) {
      return info;
    }
    int off = symbols[2 * ref];
    int len = symbols[2 * ref + 1];
    info |= SYM_NAME_CHECKED;
    if (len >= 1 && len <= 16 && len <= limits.maxLabelNameLength() && isLabelName(buf, off, len)
        && !TagValues.isReservedKey(buf, off, len)) {
      info |= SYM_NAME_FAST;
      long k1 = nameKey(buf, off, len);
      long k2 = len > 8 ? nameKey(buf, off + 8, len - 8) : 0;
      symbolWords[2 * ref] = Long.reverseBytes(k1);
      symbolWords[2 * ref + 1] = Long.reverseBytes(k2);
    }
    symbolInfo[ref] = info;
    return info;
  }

  private int valueInfo(byte[] buf, int ref, RemoteWriteConfig limits) {
    int info = symbolInfo[ref];
    if ((info & SYM_VALUE_CHECKED) == 0) {
      int len = symbols[2 * ref + 1];
      boolean plain = len <= limits.maxLabelValueLength() && TagValues.classify(buf, symbols[2 * ref], len) == 0;
      info |= SYM_VALUE_CHECKED | (plain ? SYM_VALUE_PLAIN : 0);
      symbolInfo[ref] = info;
    }
    return info;
  }

  private int metricInfo(byte[] buf, int ref) {
    int info = symbolInfo[ref];
    if ((info & SYM_METRIC_CHECKED) == 0) {
      boolean ok = isMetricName(buf, symbols[2 * ref], symbols[2 * ref + 1]);
      info |= SYM_METRIC_CHECKED | (ok ? SYM_METRIC_OK : 0);
      symbolInfo[ref] = info;
    }
    return info;
  }

  private int addRef(long ref, int nRefs, int nSymbols, RemoteWriteConfig limits) {
    if (ref >= nSymbols) {
      throw new InvalidWriteException(
          Reason.INVALID_LABELS, "labels_refs entry " + ref + " is out of range: the request has " + nSymbols + " symbols");
    }
    if (nRefs == 2 * limits.maxLabelsPerSeries()) {
      throw new InvalidWriteException(
          Reason.LIMIT_LABELS,
          "series has more than " + limits.maxLabelsPerSeries() + " labels (remote_write.max_labels_per_series)");
    }
    if (refs.length == nRefs) {
      refs = Arrays.copyOf(refs, refs.length * 2);
    }
    refs[nRefs] = (int) ref;
    return nRefs + 1;
  }

  /** {@code Metadata{type=1, help_ref=3, unit_ref=4}}. */
  private void readMetadataV2(byte[] buf, int off, int len, int nSymbols, String metric, LineBuffer out,
      WriteStats stats, MetadataLines metadata, long nowMs) {
    ProtoReader f = field.reset(buf, off, len);
    int type = 0;
    long helpRef = 0;
    long unitRef = 0;
    while (f.hasMore()) {
      int tag = f.readTag();
      switch (tag) {
        case 1 << 3 | ProtoReader.VARINT -> type = (int) f.readVarint();
        case 3 << 3 | ProtoReader.VARINT -> helpRef = f.readVarint();
        case 4 << 3 | ProtoReader.VARINT -> unitRef = f.readVarint();
        default -> f.skip(tag & 7);
      }
    }
    if (helpRef >= nSymbols || unitRef >= nSymbols) {
      throw new InvalidWriteException(Reason.INVALID_LABELS,
          "metadata of " + metric + " refers to symbol " + Math.max(helpRef, unitRef) + " of " + nSymbols);
    }
    stats.metadata++;
    String help = symbolString(buf, (int) helpRef);
    String unit = symbolString(buf, (int) unitRef);
    if (!isUtf8(buf, symbols[2 * (int) helpRef], symbols[2 * (int) helpRef + 1])) {
      throw ProtoReader.corrupt("Metadata help of " + metric + " is not valid UTF-8");
    }
    writeMetadata(out, stats, metadata, nowMs, metric, MetadataLines.typeName(type), help, unit);
  }

  private String symbolString(byte[] buf, int ref) {
    return new String(buf, symbols[2 * ref], symbols[2 * ref + 1], StandardCharsets.UTF_8);
  }

  // ---- Remote write 1.0: the fast path ----------------------------------------------------

  private static final int LABEL_TAG = 1 << 3 | ProtoReader.LEN;
  private static final int SAMPLE_TAG = 2 << 3 | ProtoReader.LEN;

  /**
   * One series of the usual shape, decoded optimistically: labels first, each {@code Label{name,
   * value}} with one-byte lengths; {@code __name__} first with a valid metric name; label names of
   * at most 16 bytes, valid and strictly increasing, never {@code time}; values that line protocol
   * takes as they are; then only samples, each {@code Sample{value, timestamp}}, timestamps in
   * range. It checks as it writes, and the moment anything falls outside that shape — which
   * includes every invalid input — it takes back what it wrote and returns false: {@link
   * #decodeSeries} then does the series again with every check and its exact error message. So
   * this path rejects nothing itself but the sample limit, and changes no output: {@code
   * RemoteWriteDecoderReferenceTest} runs both against a plain reference.
   *
   * <p>Why: label by label it does the least work there is — an 8-byte load checks a name
   * (SWAR, {@link #notLabelChars}), orders it (as a big-endian number) and stores it, a word per
   * 8 bytes of value ({@link TagValues#copyAndClassify}) — with everything in locals, and reads
   * each byte once. Measured on DecodeBenchmark's request (A/B in one JVM, CPU time per
   * 2,000-series request): 1,026 µs with the separate check and write passes, 692 µs with this.
   */
  private boolean fastSeries(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats) {
    int end = off + len;
    int start = out.length();
    int maxLabels = limits.maxLabelsPerSeries();
    int maxName = limits.maxLabelNameLength();
    int maxValue = limits.maxLabelValueLength();
    // The key is at most the series message plus the measurement: each label is written in no
    // more bytes than it took on the wire. + 24 for word stores past the end.
    out.ensure(2 * len + 24);
    byte[] dst = out.array();
    int d = start;
    int nLabels = 0;
    long prevKey1 = 0;
    long prevKey2 = 0;
    HaTracker.Batch ha = this.ha;
    int hc = -1; // HA cluster and replica label values (offset, length); -1: absent
    int hcl = 0;
    int hr = -1;
    int hrl = 0;
    int p = off;
    while (p < end && buf[p] == LABEL_TAG) {
      // Label{ 0x0a nl name [0x12 vl value] }
      int q = p + 2;
      if (q + 2 > end || buf[p + 1] < 0) { // a label of 128 bytes or more: the general path
        return undo(out, start);
      }
      int le = q + buf[p + 1];
      int nl = buf[q + 1];
      int no = q + 2;
      int ne = no + nl;
      if (le > end || buf[q] != 0x0a || nl <= 0 || nl > 16 || nl > maxName || ne > le || no + 16 > buf.length
          || ++nLabels > maxLabels) {
        return undo(out, start);
      }
      int vo = ne;
      int vl = 0;
      if (ne < le) {
        if (ne + 2 > le || buf[ne] != 0x12) {
          return undo(out, start);
        }
        vl = buf[ne + 1];
        vo = ne + 2;
        if (vl < 0 || vo + vl != le || vl > maxValue) {
          return undo(out, start);
        }
      }
      // The name as two words (the second 0 for names of up to 8 bytes), zero-padded: checked a
      // word at a time, and compared as a 128-bit big-endian number (valid names hold no zero
      // byte, so the padding orders them as bytes would).
      long w1;
      long w2;
      long bad;
      if (nl <= 8) {
        int shift = (8 - nl) << 3;
        w1 = (long) WORD.get(buf, no) & (-1L >>> shift);
        w2 = 0;
        bad = notLabelChars(w1) & (HIGH >>> shift);
      } else {
        int shift = (16 - nl) << 3;
        w1 = (long) WORD.get(buf, no);
        w2 = (long) WORD.get(buf, no + 8) & (-1L >>> shift);
        bad = notLabelChars(w1) | notLabelChars(w2) & (HIGH >>> shift);
      }
      int first = (int) w1 & 0xff;
      if (bad != 0 || (first >= '0' && first <= '9')) {
        return undo(out, start);
      }
      long key1 = Long.reverseBytes(w1);
      long key2 = Long.reverseBytes(w2);
      if (nLabels == 1) {
        // __name__, with a valid metric name: the measurement
        if (w1 != NAME_WORD || nl != 8 || vl == 0 || !isMetricName(buf, vo, vl)) {
          return undo(out, start);
        }
        System.arraycopy(buf, vo, dst, d, vl);
        d += vl;
      } else {
        int order = prevKey1 != key1 ? Long.compareUnsigned(prevKey1, key1) : Long.compareUnsigned(prevKey2, key2);
        if (order >= 0 || (nl == 4 && TagValues.isReservedKey(buf, no, nl))) {
          return undo(out, start); // out of order, a duplicate, or the label "time"
        }
      }
      prevKey1 = key1;
      prevKey2 = key2;
      if (ha != null && vl > 0) {
        // A label left out still has its value checked as if written (else: the general path).
        if (nl == haClusterLen && w1 == haCluster1 && w2 == haCluster2) {
          hc = vo;
          hcl = vl;
          if (haDropCluster) {
            if (TagValues.classify(buf, vo, vl) != 0) {
              return undo(out, start);
            }
            p = le;
            continue;
          }
        } else if (nl == haReplicaLen && w1 == haReplica1 && w2 == haReplica2) {
          if (TagValues.classify(buf, vo, vl) != 0) {
            return undo(out, start);
          }
          hr = vo;
          hrl = vl;
          p = le; // never stored
          continue;
        }
      }
      if (vl > 0) { // an empty value is no label (Prometheus): no tag
        dst[d] = ',';
        WORD.set(dst, d + 1, w1);
        WORD.set(dst, d + 9, w2);
        d += nl + 1;
        dst[d++] = '=';
        if (TagValues.copyAndClassify(buf, vo, vl, dst, d) != 0) {
          return undo(out, start);
        }
        d += vl;
      }
      p = le;
    }
    if (nLabels == 0 || (ha != null && (hc < 0) != (hr < 0) && (hr >= 0 || haDropCluster))) {
      return undo(out, start); // (a label left out for HA that must stay: the general path writes it)
    }
    dst[d++] = ' ';
    int keyLen = d - start;
    out.setLength(d);
    int nSamples = 0;
    int nonFinite = 0;
    long minTs = Long.MAX_VALUE;
    long maxTs = Long.MIN_VALUE;
    while (p < end) {
      // Sample{ 0x09 value(8) 0x10 timestamp(varint) }
      int q = p + 2;
      if (q > end || buf[p] != SAMPLE_TAG) {
        return undo(out, start);
      }
      int qe = q + buf[p + 1]; // a negative (multi-byte) length fails qe < q + 11
      if (qe > end || qe < q + 11 || buf[q] != 0x09 || buf[q + 9] != 0x10) {
        return undo(out, start);
      }
      long bits = (long) WORD.get(buf, q + 1);
      long ts = 0;
      int r = q + 10;
      for (int sh = 0; ; sh += 7) {
        if (r == qe || sh > 63) {
          return undo(out, start);
        }
        byte b = buf[r++];
        ts |= (long) (b & 0x7f) << sh;
        if (b >= 0) {
          break;
        }
      }
      if (r != qe || ts < MIN_TIMESTAMP_MS || ts > MAX_TIMESTAMP_MS) {
        return undo(out, start);
      }
      minTs = Math.min(minTs, ts);
      maxTs = Math.max(maxTs, ts);
      if (nSamples++ > 0) {
        out.repeat(start, keyLen);
      }
      double v = Double.longBitsToDouble(bits);
      if (Double.isFinite(v)) {
        out.put(VALUE).putDouble(v);
      } else {
        out.put(VALUE_BITS).putLong(bits).put((byte) 'i');
        nonFinite++;
      }
      out.put((byte) ' ').putLong(ts).put((byte) '\n');
      p = qe;
    }
    if (nSamples == 0) {
      out.setLength(start); // a valid series without samples: nothing to write
      return true;
    }
    if ((long) stats.samples + stats.droppedByRelabel + nSamples > limits.maxSamplesPerRequest()) {
      throw new InvalidWriteException(
          Reason.TOO_MANY_SAMPLES,
          "request has more than " + limits.maxSamplesPerRequest() + " samples (remote_write.max_samples_per_request)");
    }
    fastPathSeries++;
    if (hr >= 0 && hc >= 0 && notStored(ha.decide(buf, hc, hcl, hr, hrl, minTs, maxTs, nSamples), nSamples, stats)) {
      out.setLength(start);
      return true;
    }
    stats.samples += nSamples;
    stats.nonFiniteSamples += nonFinite;
    return true;
  }

  /** Counts an HA series that is not stored; true when {@code verdict} says so. */
  private static boolean notStored(int verdict, int nSamples, WriteStats stats) {
    if (verdict == HaTracker.STORE) {
      return false;
    }
    stats.haDeduplicated += verdict == HaTracker.DEDUPLICATE ? nSamples : 0;
    stats.haRetry |= verdict == HaTracker.RETRY;
    return true;
  }

  private static boolean undo(LineBuffer out, int start) {
    out.setLength(start);
    return false;
  }

  // ---- Shared by 1.0 and 2.0 ----------------------------------------------------------------

  private void decodeSeries(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats) {
    int end = off + len;
    int nLabels = 0;
    int p = off;
    // Fast path: the labels at the front with one-byte lengths, as every encoder writes them; the
    // general loop below takes over at the first other field, with the same checks.
    int maxLabels = limits.maxLabelsPerSeries();
    while (p + 1 < end && buf[p] == (1 << 3 | ProtoReader.LEN)) {
      int n = buf[p + 1];
      if (n < 0 || n > end - p - 2) {
        break;
      }
      if (nLabels == maxLabels) {
        throw new InvalidWriteException(
            Reason.LIMIT_LABELS, "series has more than " + maxLabels + " labels (remote_write.max_labels_per_series)");
      }
      readLabel(buf, p + 2, n, nLabels++);
      p += 2 + n;
    }
    int samplesFrom = p; // no sample comes before
    ProtoReader s = series.reset(buf, p, end - p);
    int nSamples = 0;
    while (s.hasMore()) {
      int tag = s.readTag();
      int fieldNo = tag >>> 3;
      int wire = tag & 7;
      if (fieldNo == 1) {
        expectWire(wire, ProtoReader.LEN, "TimeSeries.labels");
        int n = s.readLength();
        if (nLabels == limits.maxLabelsPerSeries()) {
          throw new InvalidWriteException(
              Reason.LIMIT_LABELS,
              "series has more than " + limits.maxLabelsPerSeries() + " labels (remote_write.max_labels_per_series)");
        }
        readLabel(buf, s.pos, n, nLabels++);
        s.pos += n;
      } else if (fieldNo == 2) {
        expectWire(wire, ProtoReader.LEN, "TimeSeries.samples");
        nSamples++;
        s.skip(wire);
      } else if (fieldNo == 3 && wire == ProtoReader.LEN) {
        stats.exemplars++;
        s.skip(wire);
      } else if (fieldNo == 4 && wire == ProtoReader.LEN) {
        stats.histograms++;
        s.skip(wire);
      } else {
        s.skip(wire);
      }
    }
    emitSeries(buf, samplesFrom, end - samplesFrom, nLabels, nSamples, limits, out, stats, -1);
  }

  /**
   * Validates the labels collected in {@link #labels}, then writes the series key once and one
   * line per sample (read from field 2 of {@code buf[off, off+len)}: the series message, or the
   * part of it that follows its leading labels; field 2 is {@code samples} in both 1.0 and 2.0).
   * Returns the index of {@code __name__}.
   */
  private int emitSeries(byte[] buf, int off, int len, int nLabels, int nSamples, RemoteWriteConfig limits,
      LineBuffer out, WriteStats stats, int keyStart) {
    Relabeler relabel = limits.writeRelabel();
    // keyStart ≥ 0: the caller checked the labels and wrote the key from there (writeSymbolSeriesKey).
    boolean keyWritten = keyStart >= 0;
    int prefixStart = keyWritten ? keyStart : out.length();
    int nameIdx = keyWritten ? 0 : validateLabels(buf, nLabels, limits);
    if (nSamples == 0) {
      return nameIdx;
    }
    int hc = -1; // HA cluster and replica label values (offset, length); -1: absent
    int hcl = 0;
    int hr = -1;
    int hrl = 0;
    if (ha != null) {
      int[] l = labels;
      int ci = -1;
      int ri = -1;
      for (int i = 0; i < nLabels; i++) {
        if (l[L * i + 3] > 0) {
          if (Arrays.equals(buf, l[L * i], l[L * i] + l[L * i + 1], haCluster, 0, haCluster.length)) {
            ci = i;
          } else if (Arrays.equals(buf, l[L * i], l[L * i] + l[L * i + 1], haReplica, 0, haReplica.length)) {
            ri = i;
          }
        }
      }
      if (ci >= 0 && ri >= 0) {
        hc = l[L * ci + 2];
        hcl = l[L * ci + 3];
        hr = l[L * ri + 2];
        hrl = l[L * ri + 3];
        // An empty value is no label: the key (relabeled or not) leaves them out.
        l[L * ri + 3] = 0;
        if (haDropCluster) {
          l[L * ci + 3] = 0;
        }
      }
    }
    long minTs = Long.MAX_VALUE;
    long maxTs = Long.MIN_VALUE;
    int nonFiniteBefore = stats.nonFiniteSamples;
    if ((long) stats.samples + stats.droppedByRelabel + nSamples > limits.maxSamplesPerRequest()) {
      throw new InvalidWriteException(
          Reason.TOO_MANY_SAMPLES,
          "request has more than " + limits.maxSamplesPerRequest() + " samples (remote_write.max_samples_per_request)");
    }

    if (!keyWritten) {
      if (relabel.isEmpty()) {
        writeSeriesKey(buf, nLabels, nameIdx, out);
      } else if (!writeRelabeledSeriesKey(relabel, buf, nLabels, out)) {
        stats.droppedByRelabel += nSamples;
        return nameIdx;
      }
    }
    int prefixLen = out.length() - prefixStart;

    // Second pass over the same bytes: the samples (proto3 allows fields in any order).
    ProtoReader s = series.reset(buf, off, len);
    boolean first = true;
    while (s.hasMore()) {
      int tag = s.readTag();
      if (tag != (2 << 3 | ProtoReader.LEN)) {
        s.skip(tag & 7);
        continue;
      }
      int n = s.readLength();
      int q = s.pos;
      s.pos += n;
      long bits = 0;
      long ts = 0;
      // Fast path: Sample{value=1 as fixed64, then timestamp=2 as varint}, the usual encoding.
      ProtoReader f = field.reset(buf, q, n);
      if (n >= 11 && buf[q] == (1 << 3 | ProtoReader.I64) && buf[q + 9] == (2 << 3 | ProtoReader.VARINT)) {
        bits = (long) WORD.get(buf, q + 1);
        f.pos = q + 10;
        ts = f.readVarint();
      }
      while (f.hasMore()) {
        int ft = f.readTag();
        switch (ft) {
          case 1 << 3 | ProtoReader.I64 -> bits = f.readFixed64();
          case 2 << 3 | ProtoReader.VARINT -> ts = f.readVarint();
          default -> {
            if ((ft >>> 3) <= 2) {
              throw ProtoReader.corrupt("Sample field " + (ft >>> 3) + " has wire type " + (ft & 7));
            }
            f.skip(ft & 7);
          }
        }
      }
      if (ts < MIN_TIMESTAMP_MS || ts > MAX_TIMESTAMP_MS) {
        throw new InvalidWriteException(
            Reason.INVALID_SAMPLE,
            "sample timestamp " + ts + " ms is outside InfluxDB's range in series " + describe(buf, nLabels));
      }
      minTs = Math.min(minTs, ts);
      maxTs = Math.max(maxTs, ts);
      if (!first) {
        out.repeat(prefixStart, prefixLen);
      }
      first = false;
      double v = Double.longBitsToDouble(bits);
      if (Double.isFinite(v)) {
        out.put(VALUE).putDouble(v);
      } else {
        out.put(VALUE_BITS).putLong(bits).put((byte) 'i');
        stats.nonFiniteSamples++;
      }
      out.put((byte) ' ').putLong(ts).put((byte) '\n');
    }
    if (hr >= 0 && notStored(ha.decide(buf, hc, hcl, hr, hrl, minTs, maxTs, nSamples), nSamples, stats)) {
      out.setLength(prefixStart);
      stats.nonFiniteSamples = nonFiniteBefore;
      return nameIdx;
    }
    stats.samples += nSamples;
    return nameIdx;
  }

  /**
   * The series key, written once per series straight from the request bytes: measurement, then
   * every non-empty label as a tag, in the label order the sender already sorted (InfluxDB's
   * preferred tag order is the same byte order).
   */
  private void writeSeriesKey(byte[] buf, int nLabels, int nameIdx, LineBuffer out) {
    int[] l = labels;
    out.put(buf, l[L * nameIdx + 2], l[L * nameIdx + 3]);
    for (int i = 0; i < nLabels; i++) {
      int vLen = l[L * i + 3];
      if (vLen == 0) {
        continue; // Prometheus: an empty label value is the same as no label
      }
      out.put((byte) ',');
      TagValues.writeKey(out, buf, l[L * i], l[L * i + 1]);
      out.put((byte) '=');
      TagValues.write(out, buf, l[L * i + 2], vLen, l[L * i + 4]);
    }
    out.put((byte) ' ');
  }

  /**
   * The series key after write_relabel_configs: the slow path, through {@link Labels}. Returns
   * false when the rules dropped the series, or left it without a storable metric name or with an
   * invalid label name (Prometheus would send such a series; no receiver could store it).
   */
  private boolean writeRelabeledSeriesKey(Relabeler relabel, byte[] buf, int nLabels, LineBuffer out) {
    Labels.Builder b = builder.clear();
    int[] l = labels;
    for (int i = 0; i < nLabels; i++) {
      b.set(new String(buf, l[L * i], l[L * i + 1], StandardCharsets.UTF_8),
          new String(buf, l[L * i + 2], l[L * i + 3], StandardCharsets.UTF_8));
    }
    Labels result = relabel.apply(b.build());
    if (result == null) {
      return false;
    }
    String name = result.metricName();
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    if (!isMetricName(nameBytes, 0, nameBytes.length)) {
      return false;
    }
    for (int i = 0; i < result.size(); i++) {
      byte[] k = result.name(i).getBytes(StandardCharsets.UTF_8);
      if (!isLabelName(k, 0, k.length)) {
        return false;
      }
    }
    out.put(nameBytes);
    for (int i = 0; i < result.size(); i++) {
      byte[] k = result.name(i).getBytes(StandardCharsets.UTF_8);
      byte[] v = result.value(i).getBytes(StandardCharsets.UTF_8);
      out.put((byte) ',');
      TagValues.writeKey(out, k, 0, k.length);
      out.put((byte) '=');
      TagValues.write(out, v, 0, v.length);
    }
    out.put((byte) ' ');
    return true;
  }

  private void readLabel(byte[] buf, int off, int len, int index) {
    if (labels.length < L * (index + 1)) {
      labels = Arrays.copyOf(labels, labels.length * 2);
    }
    int[] l = labels;
    // Fast path: Label{name=1, value=2} in field order with one-byte lengths, which is how every
    // encoder writes a label under 128 bytes; anything else takes the general loop below. Both
    // lengths are bounded by the label's own length before they are trusted.
    int end = off + len;
    if (len >= 2 && buf[off] == 0x0a) {
      int nl = buf[off + 1];
      int v = off + 2 + nl;
      if (nl >= 0 && v == end) { // no value: proto3 omits an empty string
        l[L * index] = off + 2;
        l[L * index + 1] = nl;
        l[L * index + 2] = v;
        l[L * index + 3] = 0;
        return;
      }
      if (nl >= 0 && v + 2 <= end && buf[v] == 0x12) {
        int vl = buf[v + 1];
        if (vl >= 0 && v + 2 + vl == end) {
          l[L * index] = off + 2;
          l[L * index + 1] = nl;
          l[L * index + 2] = v + 2;
          l[L * index + 3] = vl;
          return;
        }
      }
    }
    ProtoReader f = field.reset(buf, off, len);
    int nameOff = off;
    int nameLen = 0;
    int valueOff = off;
    int valueLen = 0;
    while (f.hasMore()) {
      int tag = f.readTag();
      switch (tag) {
        case 1 << 3 | ProtoReader.LEN -> {
          nameLen = f.readLength();
          nameOff = f.pos;
          f.pos += nameLen;
        }
        case 2 << 3 | ProtoReader.LEN -> {
          valueLen = f.readLength();
          valueOff = f.pos;
          f.pos += valueLen;
        }
        default -> {
          if ((tag >>> 3) <= 2) {
            throw ProtoReader.corrupt("Label field " + (tag >>> 3) + " has wire type " + (tag & 7));
          }
          f.skip(tag & 7);
        }
      }
    }
    l[L * index] = nameOff;
    l[L * index + 1] = nameLen;
    l[L * index + 2] = valueOff;
    l[L * index + 3] = valueLen;
  }

  /** Checks the label set; returns the index of {@code __name__}. */
  private int validateLabels(byte[] buf, int n, RemoteWriteConfig limits) {
    int[] l = labels;
    int nameIdx = -1;
    for (int i = 0; i < n; i++) {
      int no = l[L * i];
      int nl = l[L * i + 1];
      int vo = l[L * i + 2];
      int vl = l[L * i + 3];
      if (nl == 0) {
        throw invalidLabels("empty label name", buf, n);
      }
      if (nl > limits.maxLabelNameLength()) {
        throw invalidLabels(
            "label name longer than " + limits.maxLabelNameLength() + " bytes (remote_write.max_label_name_length)", buf, n);
      }
      if (vl > limits.maxLabelValueLength()) {
        throw invalidLabels(
            "value of label \"" + str(buf, no, nl) + "\" longer than " + limits.maxLabelValueLength()
                + " bytes (remote_write.max_label_value_length)", buf, n);
      }
      if (!isLabelName(buf, no, nl)) {
        throw invalidLabels("invalid label name \"" + str(buf, no, nl) + "\"", buf, n);
      }
      int flags = TagValues.classify(buf, vo, vl);
      l[L * i + 4] = flags;
      if ((flags & TagValues.NON_ASCII) != 0 && !isUtf8(buf, vo, vl)) {
        throw invalidLabels("value of label \"" + str(buf, no, nl) + "\" is not valid UTF-8", buf, n);
      }
      if (i > 0) {
        int c = Arrays.compareUnsigned(buf, l[L * (i - 1)], l[L * (i - 1)] + l[L * (i - 1) + 1], buf, no, no + nl);
        if (c == 0) {
          throw invalidLabels("duplicate label name \"" + str(buf, no, nl) + "\"", buf, n);
        }
        if (c > 0) {
          // Prometheus's own receiver sorts (storage/remote/codec.go, labelProtosToLabels), so
          // any order is valid: sort, then check again from the start (the slow path; senders
          // almost always sort already).
          sortLabels(buf, n);
          return validateLabels(buf, n, limits);
        }
      }
      if (nl == NAME.length && Arrays.equals(buf, no, no + nl, NAME, 0, NAME.length)) {
        nameIdx = i;
      }
    }
    if (nameIdx < 0 || l[L * nameIdx + 3] == 0) {
      throw invalidLabels("series has no metric name (__name__)", buf, n);
    }
    if (!isMetricName(buf, l[L * nameIdx + 2], l[L * nameIdx + 3])) {
      throw invalidLabels("invalid metric name \"" + str(buf, l[L * nameIdx + 2], l[L * nameIdx + 3]) + "\"", buf, n);
    }
    return nameIdx;
  }

  /**
   * Stable insertion sort of the first {@code n} entries of {@link #labels} by name bytes
   * (unsigned, Go's string order), moving each {@link #L}-int entry whole. Stable, so that equal
   * names stay in the sender's order and a duplicate is reported the same way every time.
   */
  private void sortLabels(byte[] buf, int n) {
    int[] l = labels;
    int[] tmp = new int[L];
    for (int i = 1; i < n; i++) {
      System.arraycopy(l, L * i, tmp, 0, L);
      int j = i - 1;
      while (j >= 0 && Arrays.compareUnsigned(buf, l[L * j], l[L * j] + l[L * j + 1], buf, tmp[0], tmp[0] + tmp[1]) > 0) {
        System.arraycopy(l, L * j, l, L * (j + 1), L);
        j--;
      }
      System.arraycopy(tmp, 0, l, L * (j + 1), L);
    }
  }

  private InvalidWriteException invalidLabels(String what, byte[] buf, int n) {
    return new InvalidWriteException(Reason.INVALID_LABELS, what + " in series " + describe(buf, n));
  }

  /** The series as Prometheus prints it, for error messages only (the slow path). */
  private String describe(byte[] buf, int n) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < n && sb.length() < 512; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(str(buf, labels[L * i], labels[L * i + 1])).append("=\"");
      String v = str(buf, labels[L * i + 2], labels[L * i + 3]);
      sb.append(v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
    }
    return sb.append('}').toString();
  }

  private static String str(byte[] buf, int off, int len) {
    String s = new String(buf, off, Math.min(len, 200), StandardCharsets.UTF_8);
    return len > 200 ? s + "…" : s;
  }

  // Name characters by byte: one table load per byte, AND-ed over the name, instead of range
  // compares and a branch per byte.
  private static final int LABEL_FIRST = 1;
  private static final int LABEL_REST = 2;
  private static final int METRIC_FIRST = 4;
  private static final int METRIC_REST = 8;
  private static final byte[] NAME_CHAR = new byte[256];

  static {
    for (int c = 0; c < 128; c++) {
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      boolean digit = c >= '0' && c <= '9';
      NAME_CHAR[c] = (byte) ((letter ? LABEL_FIRST | METRIC_FIRST : 0)
          | (letter || digit ? LABEL_REST | METRIC_REST : 0)
          | (c == ':' ? METRIC_FIRST | METRIC_REST : 0));
    }
  }

  /** {@code [a-zA-Z_][a-zA-Z0-9_]*} */
  static boolean isLabelName(byte[] b, int off, int len) {
    if (len <= 0 || (NAME_CHAR[b[off] & 0xff] & LABEL_FIRST) == 0) {
      return false;
    }
    // A word at a time (see notLabelChars) where whole words can be read, else by table.
    long bad = 0;
    int i = 0;
    for (; i < len && off + i + 8 <= b.length; i += 8) {
      long valid = len - i >= 8 ? -1L : -1L >>> ((8 - (len - i)) << 3);
      bad |= notLabelChars((long) WORD.get(b, off + i)) & valid;
    }
    int all = LABEL_REST;
    for (; i < len; i++) {
      all &= NAME_CHAR[b[off + i] & 0xff];
    }
    return bad == 0 && all != 0;
  }

  /**
   * Bit 7 of each byte of {@code w} that is not {@code [a-zA-Z0-9_]}, eight bytes in a dozen
   * operations with no table or branch. Each sum stays inside its byte (the bytes are first cut to
   * 7 bits; non-ASCII bytes are flagged separately), so no carry crosses into a neighbour.
   */
  static long notLabelChars(long w) {
    long x = w & ~HIGH;
    long digit = (x + 0x5050505050505050L) & ~(x + 0x4646464646464646L); // '0' ≤ x ≤ '9'
    return ~((TagValues.letterOrUnderscore(x) | digit) & ~w) & HIGH;
  }

  /**
   * The first 8 bytes of a valid (so zero-free) label name as an unsigned big-endian number,
   * zero-padded: names whose keys differ compare as their keys do.
   */
  private static long nameKey(byte[] b, int off, int len) {
    if (off + 8 <= b.length) {
      long w = (long) WORD.get(b, off);
      return Long.reverseBytes(len >= 8 ? w : w & (-1L >>> ((8 - len) << 3)));
    }
    long key = 0;
    for (int i = 0; i < 8; i++) {
      key = key << 8 | (i < len ? b[off + i] & 0xff : 0);
    }
    return key;
  }

  /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*} */
  static boolean isMetricName(byte[] b, int off, int len) {
    if (len <= 0 || (NAME_CHAR[b[off] & 0xff] & METRIC_FIRST) == 0) {
      return false;
    }
    if (off + ((len + 7) & ~7) > b.length) { // the end of the array: by table
      int all = METRIC_REST;
      for (int i = 0; i < len; i++) {
        all &= NAME_CHAR[b[off + i] & 0xff];
      }
      return all != 0;
    }
    long bad = 0;
    int i = 0;
    for (; i < len - 8; i += 8) {
      bad |= notMetricChars((long) WORD.get(b, off + i));
    }
    // The last word runs past the name: shift the flags of those bytes out.
    bad |= notMetricChars((long) WORD.get(b, off + i)) & (-1L >>> ((8 - (len - i)) << 3));
    return bad == 0;
  }

  /** As {@link #notLabelChars}, with {@code :} allowed too. */
  private static long notMetricChars(long w) {
    long t = w ^ 0x3A3A3A3A3A3A3A3AL;
    long colon = ~((t & ~HIGH) + 0x7F7F7F7F7F7F7F7FL | t); // bit 7 set iff the byte is ':'
    return notLabelChars(w) & ~colon;
  }

  static boolean isUtf8(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && b[i] >= 0) {
      i++;
    }
    if (i == end) {
      return true;
    }
    // Rare: non-ASCII label values. The JDK's strict decoder rejects overlongs and surrogates.
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, i, end - i));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static void expectWire(int wire, int expected, String field) {
    if (wire != expected) {
      throw ProtoReader.corrupt(field + " has wire type " + wire);
    }
  }
}
