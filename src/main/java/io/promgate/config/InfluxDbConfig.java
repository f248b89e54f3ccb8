package io.promgate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code storage.influxdb}: where samples go. promgate speaks InfluxDB's v1 HTTP API ({@code
 * /write}, {@code /query}), which InfluxDB 1.x serves natively and 2.x/3.x serve as their v1
 * compatibility API, so one client covers all three; {@link #token} selects the 2.x/3.x
 * {@code Authorization: Token} scheme, {@link #username} basic auth.
 */
public record InfluxDbConfig(
    URI url,
    String database,
    String retentionPolicy,
    String username,
    String password,
    String token,
    Duration timeout,
    boolean createDatabase,
    long maxBatchBytes,
    int maxConcurrentWrites,
    TlsConfig tls) {

  static InfluxDbConfig read(YamlTree t) {
    String rawUrl = t.string("url", "http://127.0.0.1:8086");
    URI url = null;
    try {
      url = URI.create(rawUrl.endsWith("/") ? rawUrl.substring(0, rawUrl.length() - 1) : rawUrl);
      if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
        t.error("url", "must be an absolute http:// or https:// URL, got \"" + rawUrl + "\"");
      }
    } catch (IllegalArgumentException e) {
      t.error("url", "not a URL: \"" + Redaction.url(rawUrl) + "\"");
    }
    String database = t.string("database", "prom");
    if (database.isEmpty()) {
      t.error("database", "must not be empty");
    }
    String username = t.string("username", "");
    String password = t.secret("password");
    if (url != null && url.getRawUserInfo() != null) {
      // http://user:password@host: credentials like username/password, then kept out of the URL
      // so that no log line, error body or /-/ready answer can show them.
      String info = url.getRawUserInfo();
      int colon = info.indexOf(':');
      if (!username.isEmpty()) {
        t.error("url", "has credentials and username is set too: use one of them");
      } else {
        username = decode(colon < 0 ? info : info.substring(0, colon));
        if (colon >= 0 && password.isEmpty()) {
          password = decode(info.substring(colon + 1));
        }
      }
      try {
        url = new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getRawPath() == null ? null
            : url.getPath(), null, null);
      } catch (URISyntaxException e) {
        t.error("url", "not a URL: \"" + Redaction.url(rawUrl) + "\"");
      }
    }
    String token = t.secret("token");
    if (!token.isEmpty() && !username.isEmpty()) {
      t.error("token", "set either token or username/password, not both");
    }
    if (!password.isEmpty() && username.isEmpty()) {
      t.error("password", "is set but username is empty");
    }
    InfluxDbConfig c =
        new InfluxDbConfig(
            url,
            database,
            t.string("retention_policy", ""),
            username,
            password,
            token,
            t.duration("timeout", Duration.ofSeconds(30)),
            t.bool("create_database", true),
            t.bytes("max_batch_bytes", 8L << 20, 1 << 10, 1L << 30),
            (int) t.integer("max_concurrent_writes", 4, 1, 256),
            TlsConfig.read(t.child("tls_config")));
    t.rejectUnknownKeys();
    return c;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** This configuration writing to another database (per-tenant databases). */
  public InfluxDbConfig withDatabase(String db) {
    return new InfluxDbConfig(url, db, retentionPolicy, username, password, token, timeout, createDatabase,
        maxBatchBytes, maxConcurrentWrites, tls);
  }

  /** Secrets stay out of logs and status pages. */
  @Override
  public String toString() {
    return "InfluxDbConfig[url=" + Redaction.url(url) + ", database=" + database + ", retentionPolicy=" + retentionPolicy
        + ", username=" + username + ", password=" + (password.isEmpty() ? "" : "<secret>")
        + ", token=" + (token.isEmpty() ? "" : "<secret>") + ", timeout=" + timeout
        + ", createDatabase=" + createDatabase + ", maxBatchBytes=" + maxBatchBytes
        + ", maxConcurrentWrites=" + maxConcurrentWrites + ", tls=" + tls + "]";
  }
}
