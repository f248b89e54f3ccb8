package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import io.promgate.web.PlainText;
import io.promgate.web.Query;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The sharding endpoints (paths are {@code web.Routes}'s):
 * <ul>
 *   <li>{@code GET /sd/shards/{i}}: the http_sd answer (SPEC §7) of shard {@code i}: exactly the
 *       targets it keeps, each group with its discovered labels (group labels and the source's
 *       meta label, not relabeled: the slave relabels them itself, as if it had discovered them).
 *       404 for an unknown index and when sharding is not configured;
 *   <li>{@code GET /api/v1/shards}: a JSON summary: modulus, targets per shard (after failover),
 *       skew, sources, each shard's URL, health and moved targets;
 *   <li>{@code GET /api/v1/shards/preview?modulus=M}: which targets would change shard going
 *       from today's modulus to M ({@link ReshardPreview}), computed on a worker thread;
 *   <li>{@code GET /api/v1/shards/{i}/scrape_config}: a Prometheus config for slave {@code i}
 *       ({@link ScrapeConfigWriter}). {@code ?sd=promgate} (default) points its http_sd at this
 *       promgate, at {@code ?url=} (promgate's base URL as the slave reaches it) or else at the
 *       scheme and Host of this request (behind a proxy: pass {@code url}, or enable Quarkus's
 *       forwarded-header handling); {@code ?sd=sources} copies the original sources instead.
 * </ul>
 * Everything is answered from the latest {@link Assignment} without waiting for a computation.
 */
public final class ShardEndpoints {
  private final Supplier<Sharding> sharding;
  private final IntFunction<String> sdPath;

  /**
   * @param sharding the running sharding, null when not configured (read once per request)
   * @param sdPath the path of {@code /sd/shards/{i}} for an index, for generated configs
   */
  public ShardEndpoints(Supplier<Sharding> sharding, IntFunction<String> sdPath) {
    this.sharding = sharding;
    this.sdPath = sdPath;
  }

  /** {@code GET /sd/shards/{index}} */
  public void sd(RoutingContext rc) {
    Sharding s = sharding.get();
    int i = shardOr404(rc, s);
    if (i < 0) {
      return;
    }
    Assignment a = s.current();
    if (a == null) {
      rc.response().putHeader("Retry-After", "1");
      text(rc, 503, "the shard assignment is not computed yet");
      return;
    }
    // Exactly "application/json": Prometheus's http_sd accepts only that (and a utf-8 charset).
    rc.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(a.json(i));
  }

  /** {@code GET /api/v1/shards} */
  public void summary(RoutingContext rc) {
    Sharding s = sharding.get();
    if (s == null) {
      apiError(rc, 404, "not_found", "sharding is not configured");
      return;
    }
    Assignment a = s.current();
    if (a == null) {
      notComputedApi(rc);
      return;
    }
    rc.response().setStatusCode(200).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "success").put("data", summaryData(s, a, sdPath)).toBuffer());
  }

  /** The {@code data} of {@code GET /api/v1/shards}; the web UI's /shards page renders it too. */
  static JsonObject summaryData(Sharding s, Assignment a, IntFunction<String> sdPath) {
    JsonArray shards = new JsonArray();
    ShardHealth health = s.health();
    for (int i = 0; i < a.modulus; i++) {
      ShardHealth.State h = health == null ? ShardHealth.State.INITIAL : health.state(i);
      shards.add(new JsonObject()
          .put("index", i)
          .put("targets", a.count(i))
          .put("sd", sdPath.apply(i))
          .put("url", health == null ? null : health.url(i).toString())
          .put("health", h.health().json)
          .put("healthSince", h.health() == ShardHealth.Health.UNKNOWN ? null : Instant.ofEpochMilli(h.sinceMillis()).toString())
          .put("lastProbeError", h.lastError())
          .put("failedOver", a.failedOver(i))
          .put("movedIn", a.movedIn(i))
          .put("movedOut", a.movedOut(i)));
    }
    JsonArray moved = new JsonArray();
    for (Assignment.Move m : a.moved) {
      moved.add(move(m));
    }
    JsonArray sources = new JsonArray();
    for (TargetSource src : s.sources()) {
      long ok = src.lastSuccessMillis();
      sources.add(new JsonObject()
          .put("name", src.name)
          .put("targets", src.targetCount())
          .put("healthy", src.refreshed() && src.lastError().isEmpty())
          .put("lastError", src.lastError())
          .put("lastSuccess", ok == 0 ? null : Instant.ofEpochMilli(ok).toString()));
    }
    JsonObject data = new JsonObject()
        .put("modulus", a.modulus)
        .put("sourceLabels", new JsonArray(new ArrayList<Object>(s.config().sourceLabels())))
        .put("discovered", a.discovered)
        .put("assigned", a.assigned())
        .put("dropped", a.dropped)
        .put("invalid", a.invalid)
        .put("skew", Math.round(a.skew() * 1000) / 1000.0)
        .put("failoverAfterSeconds", s.config().failoverAfter().toMillis() / 1000.0)
        .put("algorithm", s.config().algorithm().yamlName())
        .put("shards", shards)
        .put("moved", moved)
        .put("sources", sources);
    return data;
  }

  /** {@code GET /api/v1/shards/preview?modulus=M} */
  public void preview(RoutingContext rc) {
    Sharding s = sharding.get();
    if (s == null) {
      apiError(rc, 404, "not_found", "sharding is not configured");
      return;
    }
    String raw = Query.of(rc).first("modulus");
    int modulus = raw == null ? -1 : modulusParam(raw);
    if (modulus < 0) {
      apiError(rc, 400, "bad_data", raw == null
          ? "modulus is required: the number of shards to compare with"
          : "modulus must be a whole number from 1 to " + ShardingConfig.MAX_MODULUS + ", got \""
              + (raw.length() > 32 ? raw.substring(0, 32) + "..." : raw) + "\"");
      return;
    }
    Assignment a = s.current();
    if (a == null) {
      notComputedApi(rc);
      return;
    }
    // Rendezvous weighs every target against every shard: off the event loop.
    rc.vertx().executeBlocking(() -> {
      ReshardPreview p = ReshardPreview.of(a.hashed, modulus);
      JsonArray moves = new JsonArray(new ArrayList<>(p.moving()));
      for (Assignment.Move m : p.moves()) {
        moves.add(move(m));
      }
      return new JsonObject().put("status", "success").put("data", new JsonObject()
          .put("fromModulus", p.fromModulus())
          .put("toModulus", p.toModulus())
          .put("algorithm", p.algorithm().yamlName())
          .put("targets", p.targets())
          .put("moving", p.moving())
          .put("moves", moves)).toBuffer();
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        apiError(rc, 500, "internal", "preview failed: " + ar.cause());
      } else {
        rc.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(ar.result());
      }
    });
  }

  private static JsonObject move(Assignment.Move m) {
    return new JsonObject().put("target", m.target()).put("from", m.from()).put("to", m.to());
  }

  /** A canonical decimal in [1, MAX_MODULUS], else -1. */
  static int modulusParam(String p) {
    if (p.isEmpty() || p.length() > 4 || p.charAt(0) == '0') {
      return -1;
    }
    int m = 0;
    for (int k = 0; k < p.length(); k++) {
      char c = p.charAt(k);
      if (c < '0' || c > '9') {
        return -1;
      }
      m = m * 10 + (c - '0');
    }
    return m <= ShardingConfig.MAX_MODULUS ? m : -1;
  }

  /** {@code GET /api/v1/shards/{index}/scrape_config} */
  public void scrapeConfig(RoutingContext rc) {
    Sharding s = sharding.get();
    int i = shardOr404(rc, s);
    if (i < 0) {
      return;
    }
    String sdParam = Query.of(rc).first("sd");
    ScrapeConfigWriter.Discovery discovery =
        sdParam == null ? ScrapeConfigWriter.Discovery.PROMGATE : ScrapeConfigWriter.Discovery.of(sdParam);
    if (discovery == null) {
      text(rc, 400, "sd must be \"promgate\" or \"sources\", got \"" + sdParam + "\"");
      return;
    }
    if (discovery == ScrapeConfigWriter.Discovery.SOURCES && !s.config().keepGuard()) {
      text(rc, 400, "sd=sources needs the hashmod keep rule, which "
          + (s.config().failover() ? "sharding.failover_after" : "sharding.algorithm: rendezvous")
          + " rules out: use sd=promgate");
      return;
    }
    String base = Query.of(rc).first("url");
    if (base != null) {
      String problem = baseUrlProblem(base);
      if (problem != null) {
        text(rc, 400, "url: " + problem);
        return;
      }
      base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    } else if (discovery == ScrapeConfigWriter.Discovery.PROMGATE) {
      HostAndPort authority = rc.request().authority();
      if (authority == null || authority.host().isEmpty()) {
        text(rc, 400, "no Host header: pass promgate's base URL as ?url=");
        return;
      }
      base = rc.request().scheme() + "://" + authority(authority);
    }
    String yaml = ScrapeConfigWriter.write(s.config(), i, discovery, base + sdPath.apply(i));
    rc.response().setStatusCode(200).putHeader("Content-Type", "application/yaml; charset=utf-8").end(yaml);
  }

  /** The shard index of the path: a canonical decimal below the modulus, else -1. */
  /** The shard the path names, or -1 after answering 404 (sharding off, or no such shard). */
  private static int shardOr404(RoutingContext rc, Sharding s) {
    if (s == null) {
      text(rc, 404, "sharding is not configured");
      return -1;
    }
    int i = index(rc, s);
    if (i < 0) {
      text(rc, 404, unknownShard(rc, s));
    }
    return i;
  }

  /** 503 + Retry-After: the first assignment is still being computed. */
  private static void notComputedApi(RoutingContext rc) {
    rc.response().putHeader("Retry-After", "1");
    apiError(rc, 503, "unavailable", "the shard assignment is not computed yet");
  }

  private static int index(RoutingContext rc, Sharding s) {
    String p = rc.pathParam("index");
    if (p == null || p.isEmpty() || p.length() > 4 || (p.length() > 1 && p.charAt(0) == '0')) {
      return -1;
    }
    int i = 0;
    for (int k = 0; k < p.length(); k++) {
      char c = p.charAt(k);
      if (c < '0' || c > '9') {
        return -1;
      }
      i = i * 10 + (c - '0');
    }
    return i < s.config().modulus() ? i : -1;
  }

  private static String unknownShard(RoutingContext rc, Sharding s) {
    String p = rc.pathParam("index");
    String shown = p == null ? "" : p.length() > 32 ? p.substring(0, 32) + "..." : p;
    return "unknown shard \"" + shown + "\": shards are 0 to " + (s.config().modulus() - 1);
  }

  /** Why {@code url} cannot be promgate's base URL, or null when it can. */
  static String baseUrlProblem(String url) {
    try {
      URI u = new URI(url);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        return "scheme must be http or https";
      }
      if (u.getHost() == null) {
        return "host is missing";
      }
      if (u.getRawQuery() != null || u.getRawFragment() != null) {
        return "must not have a query or fragment";
      }
      return null;
    } catch (URISyntaxException e) {
      return "not a URL: " + e.getMessage();
    }
  }

  private static String authority(HostAndPort a) {
    String host = a.host();
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]"; // IPv6 literal
    }
    return a.port() >= 0 ? host + ":" + a.port() : host;
  }

  private static void text(RoutingContext rc, int status, String message) {
    PlainText.reply(rc, status, message + "\n");
  }

  private static void apiError(RoutingContext rc, int status, String type, String message) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "error").put("errorType", type).put("error", message).toBuffer());
  }
}
