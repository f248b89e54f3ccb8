package io.promgate.config;

import java.util.regex.Pattern;

/**
 * {@code tenancy}: one InfluxDB database per tenant, chosen by a request header (Cortex/Mimir's
 * {@code X-Scope-OrgID} by default). Off unless {@code enabled}. A request without the header
 * uses {@code storage.influxdb.database}, unless {@code require_header} refuses it (400).
 *
 * <pre>
 * tenancy: {enabled: true, header: X-Scope-OrgID, database_prefix: prom_, require_header: false, max_tenants: 1000}
 * </pre>
 */
public record TenancyConfig(boolean enabled, String header, String databasePrefix, boolean requireHeader, int maxTenants) {
  /** Tenant ids become database names: keep them to a safe, unambiguous alphabet. */
  public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  static TenancyConfig read(YamlTree t) {
    TenancyConfig c = new TenancyConfig(
        t.bool("enabled", false),
        t.string("header", "X-Scope-OrgID"),
        t.string("database_prefix", "prom_"),
        t.bool("require_header", false),
        (int) t.integer("max_tenants", 1000, 1, 1_000_000));
    if (c.header.isBlank()) {
      t.error("header", "must not be empty");
    }
    t.rejectUnknownKeys();
    return c;
  }

  /**
   * The database for a request's tenant header value (null: none sent).
   *
   * @throws IllegalArgumentException with a one-line reason when the value is not acceptable
   */
  public String database(String headerValue, String defaultDatabase) {
    if (!enabled) {
      return defaultDatabase;
    }
    if (headerValue == null || headerValue.isEmpty()) {
      if (requireHeader) {
        throw new IllegalArgumentException("missing tenant header " + header + " (tenancy.require_header)");
      }
      return defaultDatabase;
    }
    if (!TENANT.matcher(headerValue).matches()) {
      throw new IllegalArgumentException(
          "invalid tenant \"" + (headerValue.length() > 64 ? headerValue.substring(0, 64) + "…" : headerValue)
              + "\" in " + header + ": 1 to 64 of [A-Za-z0-9_-]");
    }
    return databasePrefix + headerValue;
  }
}
