package io.promgate.read;

import java.util.List;

/**
 * The SAMPLES response, {@code ReadResponse{results=1: QueryResult{timeseries=1: TimeSeries{
 * labels=1, samples=2: Sample{value=1 double, timestamp=2 int64}}}}}, written as one snappy block
 * while InfluxDB is still streaming the samples, so that promgate holds 64 KiB of it rather than
 * the whole answer (Prometheus and InfluxDB's own endpoint build the whole message in memory).
 *
 * <p>That needs every length before the first byte, and InfluxDB's first phase gave exact sample
 * counts per series. To make sizes independent of the values, each sample is written in one fixed
 * shape: the value field always present (also 0.0) and the timestamp taking the width of the
 * query's widest timestamp (for today's timestamps their natural 6 bytes, so nothing changes). A
 * narrower timestamp is padded as an over-long varint of at most 9 bytes; where that would need
 * 10 (a range reaching below 0, whose negative timestamps take 10 bytes) a second, earlier
 * timestamp field of the missing size comes first, which parsers overwrite with the real one
 * (proto3: the last value of a scalar field wins). Not a 10-byte over-long varint: Java's protobuf
 * reader takes bit 63 of such a varint from the 9th byte's continuation bit and misreads it.
 * If a series delivers fewer samples than counted (data deleted
 * between the phases), the rest of its reserved bytes are filled with one unknown field, which
 * protobuf parsers skip; more samples than counted (written meanwhile) are left out. Either way the
 * response stays a valid snapshot of the counted data.
 */
final class SamplesEncoder implements ResultEncoder {
  /** Field number of the padding: the largest protobuf allows, unused by any prompb message. */
  static final int PADDING_FIELD = (1 << 29) - 1;
  private static final int PADDING_KEY_SIZE = Proto.varintSize(Proto.key(PADDING_FIELD, Proto.LEN));

  /** A query's series as counted, and the timestamp width its range needs. */
  record Plan(List<SeriesEntry> series, int timestampWidth) {
    long resultSize() {
      int sample = sampleFieldSize(timestampWidth);
      long size = 0;
      for (SeriesEntry e : series) {
        long ts = labelsSize(e) + e.samples * sample;
        size += 1 + Proto.varintSize(ts) + ts;
      }
      return size;
    }
  }

  private final SnappyStreamWriter out;
  private final List<Plan> plans;
  private final byte[] scratch = new byte[64];
  /**
   * Samples gather here and go to the snappy writer 8 KiB at a time: handing it each 20-odd-byte
   * sample on its own was a quarter of the encoder's time (ReadEncodeBenchmark, -prof stack);
   * batched, the whole encoder ran 1.1-1.9x as fast in three same-run comparisons. Flushed before
   * anything else is written, so the order of the bytes is unchanged.
   */
  private final byte[] batch = new byte[8192];
  private int batchLength;
  private byte[] labels = new byte[1024];
  private int width;
  private int sampleSize;
  private long remaining;
  private long dropped;

  SamplesEncoder(ByteSink sink, List<Plan> plans) {
    this.plans = plans;
    this.out = new SnappyStreamWriter(sink, totalSize(plans));
  }

  /** The uncompressed size of the whole response; over 4 GiB cannot be one snappy block. */
  static long totalSize(List<Plan> plans) {
    long total = 0;
    for (Plan p : plans) {
      long r = p.resultSize();
      total += 1 + Proto.varintSize(r) + r;
    }
    return total;
  }

  /** Bytes of one {@code samples} field: key, length, value field, timestamp field. */
  static int sampleFieldSize(int timestampWidth) {
    return 2 + 9 + 1 + timestampWidth;
  }

  /** The varint width of the widest timestamp in {@code [start, end]} (negative ones take 10). */
  static int timestampWidth(long startMs, long endMs) {
    return startMs < 0 ? 10 : Proto.varintSize(endMs);
  }

  static long labelsSize(SeriesEntry e) {
    return Proto.labelsSize(1, e.labels);
  }

  /** Samples InfluxDB returned beyond the counted ones, left out of the answer. */
  long dropped() {
    return dropped;
  }

  @Override
  public void beginQuery(int index) {
    flushBatch();
    Plan p = plans.get(index);
    width = p.timestampWidth();
    sampleSize = sampleFieldSize(width);
    int pos = 0;
    scratch[pos++] = (byte) Proto.key(1, Proto.LEN);
    pos = Proto.putVarint(scratch, pos, p.resultSize());
    out.write(scratch, 0, pos);
  }

  @Override
  public void beginSeries(SeriesEntry e) {
    flushBatch();
    int labelsSize = Proto.labelsSize(1, e.labels);
    if (labels.length < labelsSize) {
      labels = new byte[Math.max(labelsSize, 2 * labels.length)];
    }
    Proto.putLabels(labels, 0, 1, e.labels);
    long size = labelsSize + e.samples * sampleSize;
    int pos = 0;
    scratch[pos++] = (byte) Proto.key(1, Proto.LEN);
    pos = Proto.putVarint(scratch, pos, size);
    out.write(scratch, 0, pos);
    out.write(labels, 0, labelsSize);
    remaining = e.samples;
  }

  @Override
  public void sample(long timestampMs, long valueBits) {
    if (remaining == 0) {
      dropped++;
      return;
    }
    remaining--;
    if (batchLength + sampleSize > batch.length) {
      flushBatch();
    }
    byte[] b = batch;
    int p = batchLength;
    b[p] = (byte) Proto.key(2, Proto.LEN);
    b[p + 1] = (byte) (sampleSize - 2);
    b[p + 2] = (byte) Proto.key(1, Proto.I64);
    Proto.putFixed64(b, p + 3, valueBits);
    batchLength = putTimestamp(b, p + 11, timestampMs, width);
  }

  private void flushBatch() {
    if (batchLength > 0) {
      out.write(batch, 0, batchLength);
      batchLength = 0;
    }
  }

  /**
   * Writes the timestamp field(s) at {@code pos} in exactly {@code 1 + width} bytes, for {@code t}
   * within InfluxDB's range (non-negative ones take at most 7 bytes).
   */
  static int putTimestamp(byte[] b, int pos, long t, int width) {
    int natural = Proto.varintSize(t);
    int pad = width - natural;
    if (pad >= 2 && width > 9) {
      b[pos++] = (byte) Proto.key(2, Proto.VARINT);
      pos = Proto.putPaddedVarint(b, pos, 0, pad - 1);
      b[pos++] = (byte) Proto.key(2, Proto.VARINT);
      return Proto.putVarint(b, pos, t);
    }
    b[pos++] = (byte) Proto.key(2, Proto.VARINT);
    return Proto.putPaddedVarint(b, pos, t, width);
  }

  @Override
  public void endSeries() {
    if (remaining > 0) {
      pad(remaining * sampleSize);
      remaining = 0;
    }
  }

  /** Fills {@code n >= sampleFieldSize} reserved bytes with one unknown length-delimited field. */
  private void pad(long n) {
    flushBatch();
    int lenSize = 1;
    while (Proto.varintSize(n - PADDING_KEY_SIZE - lenSize) != lenSize) {
      lenSize++;
    }
    long payload = n - PADDING_KEY_SIZE - lenSize;
    int pos = Proto.putVarint(scratch, 0, Proto.key(PADDING_FIELD, Proto.LEN));
    pos = Proto.putVarint(scratch, pos, payload);
    out.write(scratch, 0, pos);
    byte[] zeros = new byte[(int) Math.min(payload, 8192)];
    for (long left = payload; left > 0; left -= zeros.length) {
      out.write(zeros, 0, (int) Math.min(left, zeros.length));
    }
  }

  @Override
  public void endQuery() {}

  @Override
  public void finish() {
    flushBatch();
    out.finish();
  }
}
