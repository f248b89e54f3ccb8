package io.promgate.write;

import io.promgate.config.RemoteWriteConfig;
import io.promgate.influx.LineBuffer;
import io.promgate.influx.TagValues;
import io.promgate.model.Labels;
import io.promgate.relabel.Relabeler;
import io.promgate.write.InvalidWriteException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a decompressed remote-write 1.0 {@code WriteRequest} straight into InfluxDB line
 * protocol, reading protobuf fields from the bytes (no message objects, no label Strings).
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
 * labels sorted by name with no duplicates, valid names, a valid metric name, UTF-8 values.
 * One instance per thread; not thread-safe.
 */
public final class RemoteWriteDecoder {
  // InfluxDB stores nanoseconds in an int64 and reserves both extremes; at precision=ms the
  // timestamp is multiplied by 1e6, so these are the ms values it accepts.
  static final long MIN_TIMESTAMP_MS = -9_223_372_036_854L;
  static final long MAX_TIMESTAMP_MS = 9_223_372_036_854L;
  private static final byte[] NAME = "__name__".getBytes(StandardCharsets.US_ASCII);
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
   * Decodes {@code buf[off, off+len)} and appends one line per sample to {@code out}.
   *
   * @throws InvalidWriteException for malformed input or a request over a limit; {@code out}
   *     then holds a partial result that the caller must discard
   */
  public void decode(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats) {
    stats.clear();
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
        decodeSeries(buf, r.pos, n, limits, out, stats);
        r.pos += n;
      } else if (fieldNo == 3 && wire == ProtoReader.LEN) {
        stats.metadata++;
        r.skip(wire);
      } else {
        r.skip(wire);
      }
    }
  }

  private void decodeSeries(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats) {
    ProtoReader s = series.reset(buf, off, len);
    int nLabels = 0;
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
    int nameIdx = validateLabels(buf, nLabels, limits);
    if (nSamples == 0) {
      return;
    }
    if ((long) stats.samples + stats.droppedByRelabel + nSamples > limits.maxSamplesPerRequest()) {
      throw new InvalidWriteException(
          Reason.TOO_MANY_SAMPLES,
          "request has more than " + limits.maxSamplesPerRequest() + " samples (remote_write.max_samples_per_request)");
    }

    int prefixStart = out.length();
    Relabeler relabel = limits.writeRelabel();
    if (relabel.isEmpty()) {
      writeSeriesKey(buf, nLabels, nameIdx, out);
    } else if (!writeRelabeledSeriesKey(relabel, buf, nLabels, out)) {
      stats.droppedByRelabel += nSamples;
      return;
    }
    int prefixLen = out.length() - prefixStart;

    // Second pass over the same bytes: the samples (proto3 allows fields in any order).
    s.reset(buf, off, len);
    boolean first = true;
    while (s.hasMore()) {
      int tag = s.readTag();
      if (tag != (2 << 3 | ProtoReader.LEN)) {
        s.skip(tag & 7);
        continue;
      }
      int n = s.readLength();
      ProtoReader f = field.reset(buf, s.pos, n);
      s.pos += n;
      long bits = 0;
      long ts = 0;
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
    stats.samples += nSamples;
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
    int[] l = labels;
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
          throw invalidLabels("labels not sorted by name at \"" + str(buf, no, nl) + "\"", buf, n);
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

  /** {@code [a-zA-Z_][a-zA-Z0-9_]*} */
  static boolean isLabelName(byte[] b, int off, int len) {
    for (int i = 0; i < len; i++) {
      int c = b[off + i];
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return len > 0;
  }

  /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*} */
  static boolean isMetricName(byte[] b, int off, int len) {
    for (int i = 0; i < len; i++) {
      int c = b[off + i];
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return len > 0;
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
