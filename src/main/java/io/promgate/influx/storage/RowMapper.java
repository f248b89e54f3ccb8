package io.promgate.influx.storage;

import io.promgate.influx.ChunkedQueryReader;

/**
 * The storage service's series and points as an InfluxQL answer: each series frame becomes a
 * {@link ChunkedQueryReader.Handler} series whose columns are {@code time} and the field's name,
 * and each point a row (time in ms, the value as the field's type), so the remote-read consumers
 * read both paths alike.
 */
final class RowMapper {
  private final ChunkedQueryReader.Handler handler;
  private final ChunkedQueryReader.Row row = new ChunkedQueryReader.Row();
  private final String[] columns = {"time", null};

  RowMapper(ChunkedQueryReader.Handler handler) {
    this.handler = handler;
  }

  void series(String measurement, String field, String[] tagKeys, String[] tagValues, int tags) {
    columns[1] = field;
    handler.series(measurement, tagKeys, tagValues, tags, columns, 2);
  }

  /** {@code n} points of a float (2), integer (3) or unsigned (4) points frame. */
  void points(int type, long[] times, long[] values, int nt) {
    ChunkedQueryReader.Row r = row;
    for (int i = 0; i < nt; i++) {
      r.clear();
      r.addInteger(Math.floorDiv(times[i], 1_000_000L));
      long x = values[i];
      switch (type) {
        case 2 -> r.addFloat(Double.longBitsToDouble(x));
        case 3 -> r.addInteger(x, x);
        default -> // unsigned: a float of its value, as InfluxQL would answer it
            r.addFloat(x >= 0 ? x : (double) (x >>> 1) * 2.0 + (x & 1));
      }
      handler.row(r);
    }
  }
}
