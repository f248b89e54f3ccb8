package io.promgate.read;

/**
 * Writes a remote-read response as its series arrive: queries in order, within a query series
 * one at a time, within a series samples in time order. Values are raw IEEE-754 bits, so NaN
 * payloads and staleness markers pass through untouched.
 */
interface ResultEncoder {
  void beginQuery(int index);

  void beginSeries(SeriesEntry series);

  void sample(long timestampMs, long valueBits);

  void endSeries();

  void endQuery();

  /** After the last query: completes the response body. */
  void finish();
}
