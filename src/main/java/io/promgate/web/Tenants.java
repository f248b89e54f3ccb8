package io.promgate.web;

import io.promgate.config.PromgateConfig;
import io.vertx.core.http.HttpServerRequest;

/** The tenant of a request, for remote write and remote read alike. */
public final class Tenants {
  private Tenants() {}

  /**
   * The database of the request's tenant (named by the {@code tenancy.header}), or {@code
   * storage.influxdb.database} when tenancy is off.
   *
   * @throws IllegalArgumentException when the header is missing but required, repeated or malformed
   */
  public static String database(PromgateConfig cfg, HttpServerRequest req) {
    return cfg.tenancy().database(req.headers().getAll(cfg.tenancy().header()), cfg.influxdb().database());
  }
}
