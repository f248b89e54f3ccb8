package io.promgate.web;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import jakarta.inject.Singleton;

/**
 * {@code web.tls_server_config.client_ca_file}: the HTTPS server requires a client certificate
 * signed by that CA. Quarkus fixes {@code quarkus.http.ssl.client-auth} at build time (a value set
 * at start is ignored with a warning), so the requirement is set on the server options here, at
 * run time, when {@code Main} configured a client CA.
 */
@Singleton
public class ClientCertificates implements HttpServerOptionsCustomizer {
  /** Set by {@code Main} before Quarkus starts when {@code client_ca_file} is configured. */
  public static final String REQUIRED_PROPERTY = "promgate.web.client-certificate-required";

  @Override
  public void customizeHttpsServer(HttpServerOptions options) {
    if (Boolean.getBoolean(REQUIRED_PROPERTY)) {
      options.setClientAuth(ClientAuth.REQUIRED);
    }
  }
}
