package io.promgate.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code tenancy}: one InfluxDB database per tenant, chosen by a request header (Cortex/Mimir's
 * {@code X-Scope-OrgID} by default). Off unless {@code enabled}. A request without the header
 * uses {@code storage.influxdb.database}, unless {@code require_header} refuses it (400). The
 * header sent twice is ambiguous and refused (400). {@code allowed}, when not empty, is the only
 * tenants accepted (others: 400), so made-up ids cannot use up {@code max_tenants}; at that limit
 * a new tenant's write gets 503 + Retry-After (Prometheus retries) rather than a 400 it would drop.
 *
 * <pre>
 * tenancy: {enabled: true, header: X-Scope-OrgID, database_prefix: prom_, require_header: false, max_tenants: 1000,
 *           allowed: [team-a, team-b]}
 * </pre>
 */
public record TenancyConfig(boolean enabled, String header, String databasePrefix, boolean requireHeader, int maxTenants,
    Set<String> allowed) {
  /** Tenant ids become database names: keep them to a safe, unambiguous alphabet. */
  public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  static TenancyConfig read(YamlTree t) {
    TenancyConfig c = new TenancyConfig(
        t.bool("enabled", false),
        t.string("header", "X-Scope-OrgID"),
        t.string("database_prefix", "prom_"),
        t.bool("require_header", false),
        (int) t.integer("max_tenants", 1000, 1, 1_000_000),
        allowed(t));
    if (c.header.isBlank()) {
      t.error("header", "must not be empty");
    }
    t.rejectUnknownKeys();
    return c;
  }

  private static Set<String> allowed(YamlTree t) {
    Set<String> out = new LinkedHashSet<>();
    List<?> list = t.list("allowed");
    for (int i = 0; i < list.size(); i++) {
      Object o = list.get(i);
      if (!(o instanceof String s) || !TENANT.matcher(s).matches()) {
        // The value is a tenant id, not a secret: naming it helps find the typo.
        t.error("allowed[" + i + "]", "not a tenant id (1 to 64 of [A-Za-z0-9_-]): " + o);
      } else if (!out.add(s)) {
        t.error("allowed[" + i + "]", "duplicate tenant " + s);
      }
    }
    return Collections.unmodifiableSet(out);
  }

  /**
   * The database for a request's tenant header values ({@code headers.getAll(header())}): none,
   * or exactly one.
   *
   * @throws IllegalArgumentException with a one-line reason when the header is sent more than
   *     once or its value is not acceptable
   */
  public String database(List<String> headerValues, String defaultDatabase) {
    if (enabled && headerValues.size() > 1) {
      throw new IllegalArgumentException(
          "tenant header " + header + " sent " + headerValues.size() + " times: send it once");
    }
    return database(headerValues.isEmpty() ? null : headerValues.get(0), defaultDatabase);
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
    if (!allowed.isEmpty() && !allowed.contains(headerValue)) {
      throw new IllegalArgumentException("tenant \"" + headerValue + "\" in " + header + " is not in tenancy.allowed");
    }
    return databasePrefix + headerValue;
  }
}
