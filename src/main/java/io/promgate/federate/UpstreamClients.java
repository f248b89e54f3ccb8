package io.promgate.federate;

import io.promgate.config.FederationConfig;
import io.promgate.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One pooled keep-alive HTTP client per upstream (auth and TLS differ per upstream), built for
 * one {@link FederationConfig}. The handler keeps the set for the live config and builds a new
 * one when a reload changes the section. {@link #options} and {@link #authorization} are also
 * how the shard health probes ({@code io.promgate.shard}) talk to the same servers.
 */
public final class UpstreamClients implements AutoCloseable {
  /** Concurrent /federate requests per upstream before requests queue for a connection. */
  static final int MAX_CONNECTIONS = 16;

  final FederationConfig config;
  final List<Client> clients;

  /** An upstream, its client, and the request parts that do not change. */
  record Client(FederationConfig.Upstream upstream, HttpClient http, String host, int port, boolean ssl,
      String federatePath, String authorization) {}

  private UpstreamClients(FederationConfig config, List<Client> clients) {
    this.config = config;
    this.clients = clients;
  }

  static UpstreamClients create(Vertx vertx, FederationConfig config) {
    List<Client> clients = new ArrayList<>();
    for (FederationConfig.Upstream u : config.upstreams()) {
      boolean ssl = "https".equals(u.url().getScheme());
      int port = u.url().getPort() > 0 ? u.url().getPort() : ssl ? 443 : 80;
      HttpClientOptions options = options(u, config.timeout()).setMaxPoolSize(MAX_CONNECTIONS);
      String base = u.url().getRawPath() == null ? "" : u.url().getRawPath();
      clients.add(new Client(u, vertx.createHttpClient(options), u.url().getHost(), port, ssl,
          base + "/federate", authorization(u)));
    }
    return new UpstreamClients(config, List.copyOf(clients));
  }

  /** Keep-alive client options for upstream {@code u}: its TLS settings, connect timeout. */
  public static HttpClientOptions options(FederationConfig.Upstream u, Duration connectTimeout) {
    boolean ssl = "https".equals(u.url().getScheme());
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .setTryUseCompression(false)
        .setSsl(ssl);
    TlsConfig tls = u.tls();
    if (ssl) {
      if (tls.insecureSkipVerify()) {
        options.setTrustAll(true).setVerifyHost(false);
      } else if (!tls.caFile().isEmpty()) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile()));
      }
      if (!tls.certFile().isEmpty()) {
        options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile()));
      }
    }
    return options;
  }

  /** The Authorization header value for upstream {@code u}, or null without credentials. */
  public static String authorization(FederationConfig.Upstream u) {
    if (!u.bearerToken().isEmpty()) {
      return "Bearer " + u.bearerToken();
    } else if (!u.username().isEmpty()) {
      return "Basic " + Base64.getEncoder()
          .encodeToString((u.username() + ":" + u.password()).getBytes(StandardCharsets.UTF_8));
    }
    return null;
  }

  @Override
  public void close() {
    for (Client c : clients) {
      c.http().close();
    }
  }
}
