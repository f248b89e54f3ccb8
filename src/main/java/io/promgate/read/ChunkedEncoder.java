package io.promgate.read;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The STREAMED_XOR_CHUNKS response (SPEC §3): a sequence of frames, each {@code uvarint(length)},
 * the CRC32C (Castagnoli) of the message as 4 big-endian bytes, and the message, a {@code
 * ChunkedReadResponse{chunked_series=1: ChunkedSeries{labels=1, chunks=2: Chunk{min_time_ms=1,
 * max_time_ms=2, type=3 (XOR=1), data=4}}, query_index=2}}.
 *
 * <p>As in Prometheus's {@code StreamChunkedReadResponses}: one series per frame; a series' chunks
 * of at most 120 samples are added to the frame until their sizes exhaust {@code
 * max_bytes_in_frame} minus the labels' size, then the frame is written and the series continues
 * in the next one. Memory: one XOR chunk and one frame.
 */
final class ChunkedEncoder implements ResultEncoder {
  private final ByteSink out;
  private final int maxBytesInFrame;
  private final XorChunk chunk = new XorChunk();
  private final CRC32C crc = new CRC32C();
  private final byte[] head = new byte[32];
  private byte[] chunks = new byte[64 * 1024];
  private int chunksLength;
  private int chunksInFrame;
  private byte[] labels = new byte[1024];
  private int labelsLength;
  private long frameBytesLeft;
  private long maxDataLength;
  private int queryIndex;
  private long frames;

  ChunkedEncoder(ByteSink out, int maxBytesInFrame) {
    this.out = out;
    this.maxBytesInFrame = maxBytesInFrame;
  }

  long frames() {
    return frames;
  }

  @Override
  public void beginQuery(int index) {
    queryIndex = index;
  }

  @Override
  public void beginSeries(SeriesEntry e) {
    labelsLength = Proto.labelsSize(1, e.labels);
    if (labels.length < labelsLength) {
      labels = new byte[Math.max(labelsLength, 2 * labels.length)];
    }
    Proto.putLabels(labels, 0, 1, e.labels);
    // Prometheus subtracts each Label message's own size, without its key and length.
    long labelMessages = 0;
    for (int i = 0; i < e.labels.size(); i++) {
      labelMessages += Proto.labelSize(Proto.utf8Length(e.labels.name(i)), Proto.utf8Length(e.labels.value(i)));
    }
    maxDataLength = maxBytesInFrame - labelMessages;
    frameBytesLeft = maxDataLength;
    chunk.reset();
    chunksLength = 0;
    chunksInFrame = 0;
  }

  @Override
  public void sample(long timestampMs, long valueBits) {
    if (chunk.isFull()) {
      cutChunk();
    }
    chunk.append(timestampMs, valueBits);
  }

  @Override
  public void endSeries() {
    if (chunk.count() > 0) {
      cutChunk();
    }
    if (chunksInFrame > 0) {
      writeFrame();
    }
  }

  @Override
  public void endQuery() {}

  @Override
  public void finish() {}

  private void cutChunk() {
    byte[] data = chunk.bytes();
    int dataLength = chunk.length();
    long min = chunk.minTime();
    long max = chunk.maxTime();
    // Chunk message; proto3 leaves out zero-valued scalars, as Prometheus's encoder does.
    int msg = (min != 0 ? 1 + Proto.varintSize(min) : 0) + (max != 0 ? 1 + Proto.varintSize(max) : 0) + 2
        + 1 + Proto.varintSize(dataLength) + dataLength;
    ensure(1 + Proto.varintSize(msg) + msg);
    byte[] b = chunks;
    int p = chunksLength;
    b[p++] = (byte) Proto.key(2, Proto.LEN);
    p = Proto.putVarint(b, p, msg);
    if (min != 0) {
      b[p++] = (byte) Proto.key(1, Proto.VARINT);
      p = Proto.putVarint(b, p, min);
    }
    if (max != 0) {
      b[p++] = (byte) Proto.key(2, Proto.VARINT);
      p = Proto.putVarint(b, p, max);
    }
    b[p++] = (byte) Proto.key(3, Proto.VARINT);
    b[p++] = 1; // XOR
    b[p++] = (byte) Proto.key(4, Proto.LEN);
    p = Proto.putVarint(b, p, dataLength);
    System.arraycopy(data, 0, b, p, dataLength);
    chunksLength = p + dataLength;
    chunksInFrame++;
    chunk.reset();
    frameBytesLeft -= msg;
    if (frameBytesLeft <= 0) {
      writeFrame();
    }
  }

  private void writeFrame() {
    int seriesSize = labelsLength + chunksLength;
    int tail = queryIndex != 0 ? 1 + Proto.varintSize(queryIndex) : 0;
    int messageSize = 1 + Proto.varintSize(seriesSize) + seriesSize + tail;

    byte[] h = head;
    int frameHead = Proto.putVarint(h, 0, messageSize);
    int crcAt = frameHead;
    int msgStart = crcAt + 4;
    int p = msgStart;
    h[p++] = (byte) Proto.key(1, Proto.LEN);
    p = Proto.putVarint(h, p, seriesSize);
    int tailAt = p;
    if (queryIndex != 0) {
      h[p++] = (byte) Proto.key(2, Proto.VARINT);
      p = Proto.putVarint(h, p, queryIndex);
    }
    crc.reset();
    crc.update(h, msgStart, tailAt - msgStart);
    crc.update(labels, 0, labelsLength);
    crc.update(chunks, 0, chunksLength);
    crc.update(h, tailAt, p - tailAt);
    int c = (int) crc.getValue();
    h[crcAt] = (byte) (c >>> 24);
    h[crcAt + 1] = (byte) (c >>> 16);
    h[crcAt + 2] = (byte) (c >>> 8);
    h[crcAt + 3] = (byte) c;

    out.write(h, 0, tailAt);
    out.write(labels, 0, labelsLength);
    out.write(chunks, 0, chunksLength);
    out.write(h, tailAt, p - tailAt);
    frames++;
    chunksLength = 0;
    chunksInFrame = 0;
    frameBytesLeft = maxDataLength;
  }

  private void ensure(int extra) {
    if (chunksLength + extra > chunks.length) {
      chunks = Arrays.copyOf(chunks, Math.max(chunks.length * 2, chunksLength + extra));
    }
  }
}
