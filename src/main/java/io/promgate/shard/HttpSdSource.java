package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.regex.Pattern;

/**
 * One {@code http_sd_configs} entry, with Prometheus's semantics ({@code discovery/http}, SPEC
 * §7): {@code GET url} at start and every {@code refresh_interval}, which is also the request's
 * deadline; anything but a 200 with {@code Content-Type: application/json} and a valid body is a
 * failed refresh that keeps the previous targets; each group gets {@code __meta_url}.
 *
 * <p>The body is hostile: it is collected only up to {@link TargetGroups#MAX_BYTES} (the
 * connection is reset beyond) and parsed on a worker thread.
 */
final class HttpSdSource extends PolledSource {
  /** Prometheus's {@code matchContentType}. */
  private static final Pattern JSON_CONTENT_TYPE =
      Pattern.compile("(?i)application/json(;\\s*charset=(\"utf-8\"|utf-8))?");

  private final HttpClient client;
  private final ShardingConfig.HttpSdConfig config;
  private final long refreshMillis;
  private boolean inFlight; // context thread only

  HttpSdSource(String name, Context context, HttpClient client, ShardingConfig.HttpSdConfig config,
      Metrics.Shards.Source meters) {
    super(name, meters, context, config.refreshInterval().toMillis());
    this.client = client;
    this.config = config;
    this.refreshMillis = config.refreshInterval().toMillis();
  }

  @Override
  void poll() {
    if (inFlight || closed) {
      return;
    }
    inFlight = true;
    fetch().compose(body -> context.executeBlocking(
            () -> TargetGroups.parseJson(body, config.url(), "__meta_url", config.url()), false))
        .onComplete(ar -> {
          inFlight = false;
          if (ar.succeeded()) {
            refreshDone(ar.result(), null);
          } else {
            refreshDone(null, String.valueOf(ar.cause().getMessage()));
          }
        });
  }

  /** The response body of one GET, or a failure saying why it is not a usable answer. */
  private Future<Buffer> fetch() {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(config.url())
        .setFollowRedirects(true)
        .putHeader("User-Agent", "promgate")
        .putHeader("Accept", "application/json")
        .putHeader("X-Prometheus-Refresh-Interval-Seconds", seconds(refreshMillis));
    Promise<Buffer> body = Promise.promise();
    // Prometheus sets the client timeout to refresh_interval: connect, headers and body together.
    long deadline = context.owner().setTimer(refreshMillis, id ->
        body.tryFail("no complete answer within refresh_interval (" + seconds(refreshMillis) + "s)"));
    client.request(options)
        .compose(req -> {
          body.future().onFailure(e -> req.reset());
          return req.send();
        })
        .onSuccess(resp -> collect(resp, body))
        .onFailure(e -> body.tryFail(e.toString()));
    return body.future().onComplete(ar -> context.owner().cancelTimer(deadline));
  }

  private static void collect(HttpClientResponse resp, Promise<Buffer> body) {
    // First: a failure below resets the stream, which the response then reports here.
    resp.exceptionHandler(e -> body.tryFail(e.toString()));
    if (resp.statusCode() != 200) {
      body.tryFail("server returned HTTP status " + resp.statusCode() + " " + resp.statusMessage());
      return;
    }
    String type = resp.getHeader("Content-Type");
    if (type == null || !JSON_CONTENT_TYPE.matcher(type.strip()).matches()) {
      body.tryFail("unsupported content type \"" + (type == null ? "" : type) + "\"");
      return;
    }
    Buffer buf = Buffer.buffer();
    resp.handler(chunk -> {
      if (buf.length() + chunk.length() > TargetGroups.MAX_BYTES) {
        body.tryFail("answer larger than " + TargetGroups.MAX_BYTES + " bytes");
      } else if (!body.future().isComplete()) {
        buf.appendBuffer(chunk);
      }
    });
    resp.endHandler(v -> body.tryComplete(buf));
  }

  private static String seconds(long millis) {
    return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
  }
}
