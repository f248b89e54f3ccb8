package io.promgate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code web}: how promgate's own HTTP endpoints are protected, with the keys of Prometheus's web
 * configuration file ({@code tls_server_config}, {@code basic_auth_users} with bcrypt hashes) plus
 * bearer tokens. Health endpoints ({@code /-/healthy}, {@code /-/ready}) are always open;
 * {@code /metrics} follows {@code metrics_auth}.
 *
 * <pre>
 * web:
 *   tls_server_config: {cert_file: server.crt, key_file: server.key, client_ca_file: ""}
 *   basic_auth_users: {prometheus: $2y$10$...}     # htpasswd -nbB user pass / promtool-style bcrypt
 *   bearer_tokens: [...]                            # and/or bearer_token_files: [...]
 *   metrics_auth: true
 * </pre>
 */
public record WebConfig(
    String certFile,
    String keyFile,
    String clientCaFile,
    Map<String, String> basicAuthUsers,
    List<String> bearerTokens,
    boolean metricsAuth) {
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$\\d\\d\\$[./A-Za-z0-9]{53}");

  static WebConfig read(YamlTree t) {
    YamlTree tls = t.child("tls_server_config");
    String cert = TlsConfig.file(tls, "cert_file");
    String key = TlsConfig.file(tls, "key_file");
    String clientCa = TlsConfig.file(tls, "client_ca_file");
    if (cert.isEmpty() != key.isEmpty()) {
      tls.error(cert.isEmpty() ? "cert_file" : "key_file", "cert_file and key_file must be set together");
    }
    if (!clientCa.isEmpty() && cert.isEmpty()) {
      tls.error("client_ca_file", "needs cert_file and key_file");
    }
    tls.rejectUnknownKeys();
    Map<String, String> users = t.stringMap("basic_auth_users");
    users.forEach((user, hash) -> {
      if (!BCRYPT.matcher(hash).matches()) {
        t.errors().add(t.pathOf("basic_auth_users") + "." + user + ": not a bcrypt hash (like $2y$10$...)");
      }
    });
    List<String> tokens = new ArrayList<>();
    for (Object o : t.list("bearer_tokens")) {
      tokens.add(String.valueOf(o));
    }
    for (Object o : t.list("bearer_token_files")) {
      try {
        tokens.add(Files.readString(Path.of(String.valueOf(o))).trim());
      } catch (IOException e) {
        t.error("bearer_token_files", "cannot read \"" + o + "\": " + e.getMessage());
      }
    }
    if (tokens.stream().anyMatch(String::isEmpty)) {
      t.error("bearer_tokens", "a bearer token must not be empty");
    }
    WebConfig c = new WebConfig(cert, key, clientCa, Map.copyOf(users), List.copyOf(tokens), t.bool("metrics_auth", true));
    t.rejectUnknownKeys();
    return c;
  }

  public boolean tls() {
    return !certFile.isEmpty();
  }

  public boolean authRequired() {
    return !basicAuthUsers.isEmpty() || !bearerTokens.isEmpty();
  }

  /** Secrets stay out of logs and status output. */
  @Override
  public String toString() {
    return "WebConfig[tls=" + tls() + ", users=" + basicAuthUsers.keySet() + ", bearerTokens=" + bearerTokens.size()
        + ", metricsAuth=" + metricsAuth + "]";
  }
}
