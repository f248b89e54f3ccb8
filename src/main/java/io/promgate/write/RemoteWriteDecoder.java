package io.promgate.write;

import static io.promgate.write.LabelBytes.isMetricName;
import static io.promgate.write.LabelBytes.isUtf8;

import io.promgate.config.HaTrackerConfig;
import io.promgate.config.RemoteWriteConfig;
import io.promgate.ha.HaTracker;
import io.promgate.influx.LineBuffer;
import io.promgate.write.InvalidWriteException.Reason;
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
 * <p>This class reads the request's framing (series, symbols, metadata) and hands each series to
 * two paths that produce the same lines and the same errors: {@link FastSeries} takes the usual
 * shape in one pass and gives up at anything else, {@link ExactSeries} checks label by label;
 * {@link SampleLine} writes each sample's line and {@link LimitErrors} words the limit errors.
 * One instance per thread; not thread-safe.
 */
public final class RemoteWriteDecoder {
  private final ProtoReader request = new ProtoReader();
  private final ProtoReader series = new ProtoReader();
  private final ProtoReader field = new ProtoReader();
  private final HaLabels haLabels = new HaLabels();
  private final FastSeries fast = new FastSeries(haLabels);
  private final ExactSeries exact = new ExactSeries(haLabels);
  private long[] metadataSeen = new long[4];

  /**
   * Sets the HA tracker's view for the next decode on this thread ({@code batch} null: HA off).
   * Series with both labels are then stored without the replica label only if {@code batch}
   * says so, else counted in {@link WriteStats#haDeduplicated} (or {@link WriteStats#haRetry}).
   */
  public void ha(HaTracker.Batch batch, HaTrackerConfig cfg) {
    haLabels.set(batch, cfg);
  }

  /** Series whose key a fast path wrote: for tests, which must see the fast paths taken. */
  long fastPathSeries() {
    return fast.taken;
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
    boolean plain = limits.writeRelabel().isEmpty(); // the fast path does not relabel
    ProtoReader r = request.reset(buf, off, len);
    while (r.hasMore()) {
      int tag = r.readTag();
      int fieldNo = tag >>> 3;
      int wire = tag & 7;
      if (fieldNo == 1) {
        expectWire(wire, ProtoReader.LEN, "WriteRequest.timeseries");
        int n = r.readLength();
        if (++stats.series > limits.maxSeriesPerRequest()) {
          throw LimitErrors.tooManySeries(limits);
        }
        if (!plain || !fast.series(buf, r.pos, n, limits, out, stats)) {
          exact.decodeV1(buf, r.pos, n, limits, out, stats);
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
        fast.addSymbol(nSymbols++, r.pos, n);
        r.pos += n;
      } else {
        if ((tag >>> 3) == 4 || (tag >>> 3) == 5) {
          expectWire(tag & 7, ProtoReader.LEN, (tag >>> 3) == 4 ? "Request.symbols" : "Request.timeseries");
        }
        r.skip(tag & 7);
      }
    }
    if (nSymbols > 0 && fast.symbols[1] != 0) {
      throw new InvalidWriteException(Reason.INVALID_LABELS, "symbols[0] must be the empty string");
    }
    fast.resetSymbolCache(nSymbols);
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
        throw LimitErrors.tooManySeries(limits);
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
          nRefs = fast.addRef(f.readVarint(), nRefs, nSymbols, limits);
        }
        s.pos = end;
      } else if (fieldNo == 1 && wire == ProtoReader.VARINT) {
        // unpacked: parsers must accept both encodings of a repeated scalar
        nRefs = fast.addRef(s.readVarint(), nRefs, nSymbols, limits);
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
    exact.ensureLabels(nLabels);
    int[] refs = fast.refs;
    int[] symbols = fast.symbols;
    int[] labels = exact.labels;
    for (int i = 0; i < nLabels; i++) {
      int nameRef = refs[2 * i];
      int valueRef = refs[2 * i + 1];
      labels[ExactSeries.L * i] = symbols[2 * nameRef];
      labels[ExactSeries.L * i + 1] = symbols[2 * nameRef + 1];
      labels[ExactSeries.L * i + 2] = symbols[2 * valueRef];
      labels[ExactSeries.L * i + 3] = symbols[2 * valueRef + 1];
    }
    int keyStart = out.length();
    boolean keyWritten =
        nSamples > 0 && limits.writeRelabel().isEmpty() && haLabels.batch == null
            && fast.writeSymbolSeriesKey(buf, nLabels, limits, out);
    int notStored = stats.haDeduplicated;
    int nameIdx = exact.emit(buf, off, len, nLabels, nSamples, limits, out, stats, keyWritten ? keyStart : -1);
    if (metaOff >= 0 && stats.haDeduplicated == notStored) {
      // a deduplicated series' metadata is not stored either;
      // nameIdx indexes the labels as validated, which are sorted when the sender's were not:
      // find the refs pair of that same name symbol.
      int nameRef = refs[2 * nameIdx + 1];
      for (int i = 0; i < nLabels; i++) {
        if (symbols[2 * refs[2 * i]] == labels[ExactSeries.L * nameIdx]) {
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
    if (!isUtf8(buf, fast.symbols[2 * (int) helpRef], fast.symbols[2 * (int) helpRef + 1])) {
      throw ProtoReader.corrupt("Metadata help of " + metric + " is not valid UTF-8");
    }
    writeMetadata(out, stats, metadata, nowMs, metric, MetadataLines.typeName(type), help, unit);
  }

  private String symbolString(byte[] buf, int ref) {
    return new String(buf, fast.symbols[2 * ref], fast.symbols[2 * ref + 1], StandardCharsets.UTF_8);
  }

  static void expectWire(int wire, int expected, String field) {
    if (wire != expected) {
      throw ProtoReader.corrupt(field + " has wire type " + wire);
    }
  }
}
