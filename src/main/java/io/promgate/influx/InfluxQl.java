package io.promgate.influx;

/** Quoting for InfluxQL identifiers and string literals. */
public final class InfluxQl {
  private InfluxQl() {}

  /** {@code "name"} with {@code \} and {@code "} escaped. */
  public static String quoteIdentifier(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** {@code 'text'} with {@code \} and {@code '} escaped. */
  public static String quoteString(String s) {
    return '\'' + s.replace("\\", "\\\\").replace("'", "\\'") + '\'';
  }
}
