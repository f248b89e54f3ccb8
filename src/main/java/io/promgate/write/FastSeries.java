package io.promgate.write;

import static io.promgate.write.LabelBytes.HIGH;
import static io.promgate.write.LabelBytes.NAME_WORD;
import static io.promgate.write.LabelBytes.WORD;
import static io.promgate.write.LabelBytes.isLabelName;
import static io.promgate.write.LabelBytes.isMetricName;
import static io.promgate.write.LabelBytes.nameKey;
import static io.promgate.write.LabelBytes.notLabelChars;
import static io.promgate.write.SampleLine.MAX_TIMESTAMP_MS;
import static io.promgate.write.SampleLine.MIN_TIMESTAMP_MS;

import io.promgate.config.RemoteWriteConfig;
import io.promgate.ha.HaTracker;
import io.promgate.influx.LineBuffer;
import io.promgate.influx.TagValues;
import io.promgate.write.InvalidWriteException.Reason;
import java.util.Arrays;

/**
 * The optimistic paths of {@link RemoteWriteDecoder}: {@link #series} for a 1.0 series, and
 * {@link #writeSymbolSeriesKey} with a per-request symbol cache for a 2.0 series key. They take
 * the usual shape of series in one pass, a word at a time, and give up — taking back their
 * output — at anything else; {@link ExactSeries} then checks and writes that series label by
 * label, with the exact error message. So they reject nothing themselves but the sample and label
 * limits, and change no output: {@code RemoteWriteDecoderReferenceTest} runs both against a plain
 * reference. One instance per decoder; not thread-safe.
 */
final class FastSeries {
  private static final int LABEL_TAG = 1 << 3 | ProtoReader.LEN;
  private static final int SAMPLE_TAG = 2 << 3 | ProtoReader.LEN;

  private final HaLabels haLabels;
  /** Series whose key a fast path wrote: for tests, which must see the fast paths taken. */
  long taken;

  // Symbol table of the current 2.0 request: offset and length of each symbol in the buffer.
  int[] symbols = new int[2 * 256];
  // The label refs of the current 2.0 series, name/value pairs.
  int[] refs = new int[64];
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

  FastSeries(HaLabels haLabels) {
    this.haLabels = haLabels;
  }

  /** Appends symbol {@code n} of the request being read: {@code len} bytes at {@code off}. */
  void addSymbol(int n, int off, int len) {
    if (symbols.length < 2 * (n + 1)) {
      symbols = Arrays.copyOf(symbols, symbols.length * 2);
    }
    symbols[2 * n] = off;
    symbols[2 * n + 1] = len;
  }

  /** Forgets what the previous request's symbols were found to be. */
  void resetSymbolCache(int nSymbols) {
    if (symbolInfo.length < nSymbols) {
      symbolInfo = new int[Math.max(nSymbols, 2 * symbolInfo.length)];
      symbolWords = new long[2 * symbolInfo.length];
    } else {
      Arrays.fill(symbolInfo, 0, nSymbols, 0);
    }
  }

  /**
   * One series of the usual shape, decoded optimistically: labels first, each {@code Label{name,
   * value}} with one-byte lengths; {@code __name__} first with a valid metric name; label names of
   * at most 16 bytes, valid and strictly increasing, never {@code time}; values that line protocol
   * takes as they are; then only samples, each {@code Sample{value, timestamp}}, timestamps in
   * range. It checks as it writes, and the moment anything falls outside that shape — which
   * includes every invalid input — it takes back what it wrote and returns false: {@link
   * ExactSeries#decodeV1} then does the series again with every check and its exact error message. So
   * this path rejects nothing itself but the sample limit, and changes no output: {@code
   * RemoteWriteDecoderReferenceTest} runs both against a plain reference.
   *
   * <p>Why: label by label it does the least work there is — an 8-byte load checks a name
   * (SWAR, {@link LabelBytes#notLabelChars}), orders it (as a big-endian number) and stores it, a word per
   * 8 bytes of value ({@link TagValues#copyAndClassify}) — with everything in locals, and reads
   * each byte once. DecodeBenchmark measures the whole decode (BENCHMARKS.md).
   */
  boolean series(byte[] buf, int off, int len, RemoteWriteConfig limits, LineBuffer out, WriteStats stats) {
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
    HaTracker.Batch ha = haLabels.batch;
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
        if (nl == haLabels.clusterLen && w1 == haLabels.cluster1 && w2 == haLabels.cluster2) {
          hc = vo;
          hcl = vl;
          if (haLabels.dropCluster) {
            if (TagValues.classify(buf, vo, vl) != 0) {
              return undo(out, start);
            }
            p = le;
            continue;
          }
        } else if (nl == haLabels.replicaLen && w1 == haLabels.replica1 && w2 == haLabels.replica2) {
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
    if (nLabels == 0 || (ha != null && (hc < 0) != (hr < 0) && (hr >= 0 || haLabels.dropCluster))) {
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
      nonFinite += SampleLine.write(out, bits, ts);
      p = qe;
    }
    if (nSamples == 0) {
      out.setLength(start); // a valid series without samples: nothing to write
      return true;
    }
    if ((long) stats.samples + stats.droppedByRelabel + nSamples > limits.maxSamplesPerRequest()) {
      throw LimitErrors.tooManySamples(limits);
    }
    taken++;
    if (hr >= 0 && hc >= 0 && HaLabels.notStored(ha.decide(buf, hc, hcl, hr, hrl, minTs, maxTs, nSamples), nSamples, stats)) {
      out.setLength(start);
      return true;
    }
    stats.samples += nSamples;
    stats.nonFiniteSamples += nonFinite;
    return true;
  }

  private static boolean undo(LineBuffer out, int start) {
    out.setLength(start);
    return false;
  }

  /**
   * The 2.0 counterpart of {@link #series}: writes the series key of the labels in {@link
   * #refs} when every check is already known to pass from the symbol cache ({@link #symbolInfo},
   * filled the first time a symbol is used), copying name words and value bytes; otherwise takes
   * its output back and returns false, and {@link ExactSeries#emit} checks the series the exact way.
   * With the cache, a label costs two lookups, one order compare and two copies.
   */
  boolean writeSymbolSeriesKey(byte[] buf, int n, RemoteWriteConfig limits, LineBuffer out) {
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
    taken++;
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

  int addRef(long ref, int nRefs, int nSymbols, RemoteWriteConfig limits) {
    if (ref >= nSymbols) {
      throw new InvalidWriteException(
          Reason.INVALID_LABELS, "labels_refs entry " + ref + " is out of range: the request has " + nSymbols + " symbols");
    }
    if (nRefs == 2 * limits.maxLabelsPerSeries()) {
      throw LimitErrors.tooManyLabels(limits);
    }
    if (refs.length == nRefs) {
      refs = Arrays.copyOf(refs, refs.length * 2);
    }
    refs[nRefs] = (int) ref;
    return nRefs + 1;
  }
}
