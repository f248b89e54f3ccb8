package io.promgate.limits;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Protocol hardening of promgate's HTTP server, applied before it starts.
 *
 * <p>h2c (HTTP/2 over plain TCP, by {@code Upgrade: h2c} or prior knowledge) is off unless
 * {@code --web.enable-h2c}: a reverse proxy that filters paths sees one HTTP/1.1 request while the
 * upgraded connection carries any number of HTTP/2 requests past it. HTTPS keeps HTTP/2 via ALPN,
 * where the proxy terminates TLS and sees every request.
 */
@ApplicationScoped
public class ServerHardening implements HttpServerOptionsCustomizer {
  private final boolean h2c;

  public ServerHardening(@ConfigProperty(name = "promgate.web.enable-h2c", defaultValue = "false") boolean h2c) {
    this.h2c = h2c;
  }

  @Override
  public void customizeHttpServer(HttpServerOptions options) {
    options.setHttp2ClearTextEnabled(h2c);
  }
}
