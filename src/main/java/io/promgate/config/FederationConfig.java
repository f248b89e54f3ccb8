package io.promgate.config;

import io.promgate.model.Labels;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code federation}: where {@code /federate} gets its series. {@link Source#UPSTREAMS} fans out to
 * the shard Prometheus servers' own {@code /federate}; {@link Source#STORAGE} reads the latest
 * sample per series from InfluxDB. The default is {@code upstreams} when any are configured,
 * else {@code storage}.
 *
 * @param dedupLabels labels that tell HA replicas apart: series equal but for these collapse to
 *     the freshest sample and are written without them
 * @param sampleLimit most series one upstream answer may carry (0: no limit), Prometheus's
 *     scrape {@code sample_limit}; bounds what a runaway or hostile upstream can make us hold
 */
public record FederationConfig(
    Source source,
    Duration lookbackDelta,
    Duration timeout,
    List<String> dedupLabels,
    long sampleLimit,
    List<Upstream> upstreams,
    int maxConcurrentStorageRequests) {


  public enum Source {
    UPSTREAMS,
    STORAGE
  }

  /** One shard Prometheus; its {@code <url>/federate} is called with the request's match[]. */
  public record Upstream(String name, URI url, String username, String password, String bearerToken, TlsConfig tls) {
    /** Secrets stay out of logs. */
    @Override
    public String toString() {
      return "Upstream[name=" + name + ", url=" + url + ", username=" + username
          + ", password=" + (password.isEmpty() ? "" : "<secret>")
          + ", bearerToken=" + (bearerToken.isEmpty() ? "" : "<secret>") + ", tls=" + tls + "]";
    }
  }

  static FederationConfig read(YamlTree t) {
    List<Upstream> upstreams = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (YamlTree u : t.children("upstreams")) {
      Upstream up = readUpstream(u);
      if (up != null) {
        if (!names.add(up.name())) {
          u.error("name", "duplicate upstream name \"" + up.name() + "\"");
        }
        upstreams.add(up);
      }
    }
    String rawSource = t.string("source", upstreams.isEmpty() ? "storage" : "upstreams");
    Source source = Source.STORAGE;
    switch (rawSource) {
      case "storage" -> source = Source.STORAGE;
      case "upstreams" -> {
        source = Source.UPSTREAMS;
        if (upstreams.isEmpty()) {
          t.error("source", "is \"upstreams\" but no upstreams are configured");
        }
      }
      default -> t.error("source", "must be \"upstreams\" or \"storage\", got \"" + rawSource + "\"");
    }
    List<String> dedup = new ArrayList<>();
    List<?> rawDedup = t.list("dedup_labels");
    for (int i = 0; i < rawDedup.size(); i++) {
      Object v = rawDedup.get(i);
      if (!(v instanceof String s) || !Labels.isLabelName(s) || s.equals("__name__")) {
        t.error("dedup_labels[" + i + "]", "not a label name: " + v);
      } else if (!dedup.contains(s)) {
        dedup.add(s);
      }
    }
    FederationConfig c =
        new FederationConfig(
            source,
            t.duration("lookback_delta", Duration.ofMinutes(5)),
            t.duration("timeout", Duration.ofSeconds(10)),
            List.copyOf(dedup),
            t.integer("sample_limit", 0, 0, Integer.MAX_VALUE),
            List.copyOf(upstreams),
            // storage source: each answer runs InfluxQL over every measurement; beyond: 503 + Retry-After
            (int) t.integer("max_concurrent_storage_requests", 4, 1, 1024));
    t.rejectUnknownKeys();
    return c;
  }

  private static Upstream readUpstream(YamlTree u) {
    String name = u.string("name", "");
    if (name.isEmpty()) {
      u.error("name", "must not be empty");
    }
    String rawUrl = u.string("url", "");
    URI url = null;
    if (rawUrl.isEmpty()) {
      u.error("url", "must not be empty");
    } else {
      try {
        url = URI.create(rawUrl.endsWith("/") ? rawUrl.substring(0, rawUrl.length() - 1) : rawUrl);
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
          u.error("url", "must be an absolute http:// or https:// URL, got \"" + rawUrl + "\"");
          url = null;
        } else if (url.getRawQuery() != null || url.getRawFragment() != null) {
          u.error("url", "must not have a query or fragment (promgate appends /federate?match[]=...), got \""
              + rawUrl + "\"");
          url = null;
        }
      } catch (IllegalArgumentException e) {
        u.error("url", "not a URL: \"" + rawUrl + "\"");
      }
    }
    YamlTree basic = u.child("basic_auth");
    String username = basic.string("username", "");
    String password = basic.secret("password");
    basic.rejectUnknownKeys();
    if (!password.isEmpty() && username.isEmpty()) {
      basic.error("username", "must be set when password is");
    }
    String bearer = u.secret("bearer_token");
    if (!bearer.isEmpty() && !username.isEmpty()) {
      u.error("bearer_token", "set either basic_auth or bearer_token, not both");
    }
    TlsConfig tls = TlsConfig.read(u.child("tls_config"));
    if (tls.isSet() && url != null && !"https".equals(url.getScheme())) {
      u.error("tls_config", "is set but url is not https://");
    }
    u.rejectUnknownKeys();
    return name.isEmpty() || url == null ? null : new Upstream(name, url, username, password, bearer, tls);
  }

}
