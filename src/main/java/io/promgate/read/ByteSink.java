package io.promgate.read;

/** Where the response encoders put their bytes: the HTTP response, or an array in tests. */
interface ByteSink {
  void write(byte[] b, int off, int len);
}
