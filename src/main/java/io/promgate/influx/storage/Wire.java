package io.promgate.influx.storage;

import io.promgate.influx.StorageException;

/** Byte-level facts shared by the layers of a storage read: big-endian and little-endian integers, the malformed-answer error. */
final class Wire {
  private Wire() {}

  static int getInt(byte[] b, int p) {
    return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
  }

  static long getLongLE(byte[] b, int p) {
    return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24
        | (b[p + 4] & 0xffL) << 32 | (b[p + 5] & 0xffL) << 40 | (b[p + 6] & 0xffL) << 48 | (b[p + 7] & 0xffL) << 56;
  }

  static StorageException malformed(String what) {
    return new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB storage answer malformed: " + what);
  }
}
