package io.promgate.write;

import static io.promgate.write.LabelBytes.NAME;
import static io.promgate.write.LabelBytes.WORD;
import static io.promgate.write.LabelBytes.isLabelName;
import static io.promgate.write.LabelBytes.isMetricName;
import static io.promgate.write.LabelBytes.isUtf8;
import static io.promgate.write.RemoteWriteDecoder.expectWire;
import static io.promgate.write.SampleLine.MAX_TIMESTAMP_MS;
import static io.promgate.write.SampleLine.MIN_TIMESTAMP_MS;

import io.promgate.config.RemoteWriteConfig;
import io.promgate.ha.HaTracker;
import io.promgate.influx.LineBuffer;
import io.promgate.influx.TagValues;
import io.promgate.model.Labels;
import io.promgate.relabel.Relabeler;
import io.promgate.write.InvalidWriteException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The exact path of {@link RemoteWriteDecoder}: a series checked and written label by label,
 * with every check and its exact error message, relabeled when write_relabel_configs is set.
 * Every series the fast paths ({@link FastSeries}) give up on comes here, and every 2.0 series
 * after its label lookup. One instance per decoder; not thread-safe.
 */
final class ExactSeries {
  private final HaLabels haLabels;
  private final ProtoReader series = new ProtoReader();
  private final ProtoReader field = new ProtoReader();
  // Per label of the current series: name offset, name length, value offset, value length, and
  // the value's TagValues.classify flags (computed once while validating, reused when writing).
  int[] labels = new int[L * 32];
  static final int L = 5;
  private final Labels.Builder builder = new Labels.Builder(32);

  ExactSeries(HaLabels haLabels) {
    this.haLabels = haLabels;
  }

  /** Makes room for {@code n} labels in {@link #labels}. */
  void ensureLabels(int n) {
    if (labels.length < L * n) {
      labels = Arrays.copyOf(labels, Math.max(labels.length * 2, L * n));
    }
  }

  /** A 1.0 {@code TimeSeries}: its labels, then {@link #emit}. */
  void decodeV1(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats) {
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
        throw LimitErrors.tooManyLabels(limits);
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
        if (nLabels == maxLabels) {
          throw LimitErrors.tooManyLabels(limits);
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
    emit(buf, samplesFrom, end - samplesFrom, nLabels, nSamples, limits, out, stats, -1);
  }

  /**
   * Validates the labels collected in {@link #labels}, then writes the series key once and one
   * line per sample (read from field 2 of {@code buf[off, off+len)}: the series message, or the
   * part of it that follows its leading labels; field 2 is {@code samples} in both 1.0 and 2.0).
   * Returns the index of {@code __name__}.
   */
  int emit(byte[] buf, int off, int len, int nLabels, int nSamples, RemoteWriteConfig limits,
      LineBuffer out, WriteStats stats, int keyStart) {
    Relabeler relabel = limits.writeRelabel();
    // keyStart ≥ 0: the caller checked the labels and wrote the key from there (FastSeries#writeSymbolSeriesKey).
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
    HaTracker.Batch ha = haLabels.batch;
    if (ha != null) {
      int[] l = labels;
      int ci = -1;
      int ri = -1;
      for (int i = 0; i < nLabels; i++) {
        if (l[L * i + 3] > 0) {
          if (Arrays.equals(buf, l[L * i], l[L * i] + l[L * i + 1], haLabels.cluster, 0, haLabels.cluster.length)) {
            ci = i;
          } else if (Arrays.equals(buf, l[L * i], l[L * i] + l[L * i + 1], haLabels.replica, 0, haLabels.replica.length)) {
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
        if (haLabels.dropCluster) {
          l[L * ci + 3] = 0;
        }
      }
    }
    long minTs = Long.MAX_VALUE;
    long maxTs = Long.MIN_VALUE;
    int nonFiniteBefore = stats.nonFiniteSamples;
    if ((long) stats.samples + stats.droppedByRelabel + nSamples > limits.maxSamplesPerRequest()) {
      throw LimitErrors.tooManySamples(limits);
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
      stats.nonFiniteSamples += SampleLine.write(out, bits, ts);
    }
    if (hr >= 0 && HaLabels.notStored(ha.decide(buf, hc, hcl, hr, hrl, minTs, maxTs, nSamples), nSamples, stats)) {
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
}
