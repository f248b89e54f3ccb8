package io.promgate.influx.storage;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * Bytes taken in but not yet consumed: {@code bytes[start, end)}. Appending moves what is left to
 * the front only when the new bytes do not fit behind it, and grows the array only when they do not
 * fit even then, so a steady read copies each byte once on the way in.
 */
final class ByteWindow {
  byte[] bytes;
  int start;
  int end;

  ByteWindow(int capacity) {
    bytes = new byte[capacity];
  }

  int length() {
    return end - start;
  }

  void append(Buffer b) {
    int n = b.length();
    room(n);
    b.getBytes(0, n, bytes, end);
    end += n;
  }

  void append(byte[] b, int off, int len) {
    room(len);
    System.arraycopy(b, off, bytes, end, len);
    end += len;
  }

  /** Forgets every byte. */
  void clear() {
    start = end = 0;
  }

  /** Starts over at the front once everything was consumed. */
  void rewindIfEmpty() {
    if (start == end) {
      start = end = 0;
    }
  }

  private void room(int n) {
    if (end + n > bytes.length) {
      System.arraycopy(bytes, start, bytes, 0, end - start);
      end -= start;
      start = 0;
      if (end + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, end + n));
      }
    }
  }
}
