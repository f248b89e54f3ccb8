package io.promgate.shard;

import io.promgate.config.FederationConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.config.TlsConfig;
import io.promgate.federate.UpstreamClients;
import io.promgate.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jboss.logging.Logger;

/**
 * Follows the health of the shard Prometheus servers ({@code sharding.shard_urls}): one
 * {@code GET <url>/-/ready} per shard per {@link #probeInterval}, never two in flight for one
 * shard (a tick that finds the last probe still running skips it), each bounded by
 * {@link #probeTimeout} (connect, headers and body together), so N shards cost at most N
 * requests per interval per promgate whatever happens. A probe talks to a shard the way
 * {@code /federate} talks to the federation upstream with the same URL (scheme, host, port,
 * path): its TLS settings and credentials ({@link UpstreamClients#options}); a shard that is no
 * upstream gets a plain client.
 *
 * <p>Failover with hysteresis ({@link #next}): a shard whose probes have all failed for
 * {@code failover_after} is failed over (its targets go to the live shards); a failed-over shard
 * whose probes have all passed for {@code failover_after} again takes its targets back. Any
 * probe of the other kind restarts the clock, so a flapping shard stays where it is, in or out.
 *
 * <p>Probes run on the sharding's context; each shard's {@link State} is immutable and published
 * through an atomic array, read by endpoints and the assigner on other threads.
 */
final class ShardHealth implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ShardHealth.class);
  /** Bounds of the probe interval, derived from {@code failover_after} (no key of its own). */
  static final Duration MIN_INTERVAL = Duration.ofMillis(500);
  static final Duration MAX_INTERVAL = Duration.ofSeconds(10);
  /**
   * Least time a probe may take: a busy but healthy Prometheus (or promgate) must not count as
   * down because of a sub-second interval.
   */
  static final Duration MIN_TIMEOUT = Duration.ofSeconds(2);
  /** Most characters of a failed probe's answer kept in its error. */
  private static final int MAX_ERROR_BODY = 200;

  /** What the latest probe said. */
  enum Health {
    UNKNOWN("unknown"),
    UP("up"),
    DOWN("down");

    final String json;

    Health(String json) {
      this.json = json;
    }
  }

  /**
   * One shard's health: the latest probe's verdict since {@code sinceNanos} (monotonic) /
   * {@code sinceMillis} (wall clock, for display), that probe's error ("" when it passed), and
   * whether the shard is failed over.
   */
  record State(Health health, long sinceNanos, long sinceMillis, String lastError, boolean failedOver) {
    static final State INITIAL = new State(Health.UNKNOWN, 0, 0, "", false);
  }

  private final Context context;
  private final List<URI> urls;
  private final long failoverAfterNanos;
  private final long intervalMillis;
  private final long timeoutMillis;
  private final Metrics.Shards meters;
  private final Runnable onFailoverChange;
  private final List<HttpClient> clients = new ArrayList<>();
  private final List<String> authorizations = new ArrayList<>();
  private final AtomicReferenceArray<State> states;
  private final boolean[] inFlight; // context thread only
  private long timer = -1;
  private volatile boolean closed;

  /**
   * @param previous the shard states of the sharding this one replaces (by URL), so that a reload
   *     neither forgets a failed-over shard nor restarts its clock
   */
  ShardHealth(Context context, ShardingConfig config, List<FederationConfig.Upstream> upstreams,
      Metrics.Shards meters, Map<URI, State> previous, Runnable onFailoverChange) {
    this.context = context;
    this.urls = config.shardUrls();
    this.failoverAfterNanos = config.failoverAfter().toNanos();
    Duration interval = probeInterval(config.failoverAfter());
    this.intervalMillis = interval.toMillis();
    Duration timeout = probeTimeout(interval);
    this.timeoutMillis = timeout.toMillis();
    this.meters = meters;
    this.onFailoverChange = onFailoverChange;
    this.states = new AtomicReferenceArray<>(urls.size());
    this.inFlight = new boolean[urls.size()];
    for (int i = 0; i < urls.size(); i++) {
      URI url = urls.get(i);
      FederationConfig.Upstream u = upstreamFor(url, upstreams);
      if (u == null) {
        u = new FederationConfig.Upstream("shard " + i, url, "", "", "", TlsConfig.NONE);
      }
      clients.add(context.owner().createHttpClient(UpstreamClients.options(u, timeout).setMaxPoolSize(1)));
      authorizations.add(UpstreamClients.authorization(u));
      State s = previous.getOrDefault(url, State.INITIAL);
      if (!config.failover() && s.failedOver) {
        s = new State(s.health, s.sinceNanos, s.sinceMillis, s.lastError, false);
      }
      states.set(i, s);
      publish(i, s);
      meters.failovers(i); // registered at 0 before the first failover
    }
  }

  /**
   * A third of {@code failover_after} (a failed-over decision then rests on about three probes),
   * within [{@link #MIN_INTERVAL}, {@link #MAX_INTERVAL}]; {@link #MAX_INTERVAL} with failover off.
   */
  static Duration probeInterval(Duration failoverAfter) {
    if (failoverAfter.isZero()) {
      return MAX_INTERVAL;
    }
    Duration third = failoverAfter.dividedBy(3);
    return third.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : third.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : third;
  }

  /** The probe interval, but at least {@link #MIN_TIMEOUT} (and at most {@link #MAX_INTERVAL}). */
  static Duration probeTimeout(Duration interval) {
    return interval.compareTo(MIN_TIMEOUT) < 0 ? MIN_TIMEOUT : interval;
  }

  /** The federation upstream at the same URL as shard {@code url}, or null. */
  static FederationConfig.Upstream upstreamFor(URI url, List<FederationConfig.Upstream> upstreams) {
    for (FederationConfig.Upstream u : upstreams) {
      if (sameServer(url, u.url())) {
        return u;
      }
    }
    return null;
  }

  private static boolean sameServer(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b)
        && path(a).equals(path(b));
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private static String path(URI u) {
    String p = u.getRawPath() == null ? "" : u.getRawPath();
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  /**
   * The state after one probe at {@code nowNanos}: the verdict's clock restarts when the verdict
   * changes; the shard fails over after {@code failoverAfterNanos} of failures and comes back
   * after as long of passes (0: never fails over).
   */
  static State next(State s, boolean ok, String error, long nowNanos, long nowMillis, long failoverAfterNanos) {
    Health h = ok ? Health.UP : Health.DOWN;
    boolean same = s.health == h;
    long sinceNanos = same ? s.sinceNanos : nowNanos;
    long sinceMillis = same ? s.sinceMillis : nowMillis;
    boolean failedOver = s.failedOver;
    if (failoverAfterNanos > 0 && nowNanos - sinceNanos >= failoverAfterNanos) {
      failedOver = h == Health.DOWN;
    }
    return new State(h, sinceNanos, sinceMillis, ok ? "" : error, failedOver);
  }

  void start() {
    if (urls.isEmpty()) {
      return;
    }
    context.runOnContext(v -> {
      if (!closed) {
        probeAll();
        timer = context.owner().setPeriodic(intervalMillis, id -> probeAll());
      }
    });
  }

  int size() {
    return urls.size();
  }

  URI url(int i) {
    return urls.get(i);
  }

  State state(int i) {
    return states.get(i);
  }

  /** Every shard's state by URL, for the sharding that replaces this one. */
  Map<URI, State> byUrl() {
    Map<URI, State> m = new HashMap<>();
    for (int i = 0; i < urls.size(); i++) {
      m.put(urls.get(i), states.get(i));
    }
    return m;
  }

  /** Which of {@code modulus} shards are failed over now. */
  boolean[] failedOver(int modulus) {
    boolean[] out = new boolean[modulus];
    for (int i = 0; i < Math.min(modulus, urls.size()); i++) {
      out[i] = states.get(i).failedOver;
    }
    return out;
  }

  private void probeAll() {
    for (int i = 0; i < urls.size(); i++) {
      if (!inFlight[i]) {
        probe(i);
      }
    }
  }

  private void probe(int i) {
    inFlight[i] = true;
    Promise<Void> done = Promise.promise();
    // The deadline covers connect, headers and body: a shard that accepts and then stalls is down.
    long deadline = context.owner().setTimer(timeoutMillis, id ->
        done.tryFail("no answer within " + timeoutMillis + "ms"));
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(urls.get(i).toString() + "/-/ready")
        .putHeader("User-Agent", "promgate");
    if (authorizations.get(i) != null) {
      options.putHeader("Authorization", authorizations.get(i));
    }
    clients.get(i).request(options)
        .compose(req -> {
          done.future().onFailure(e -> req.reset());
          return req.send();
        })
        .onSuccess(resp -> answer(resp, done))
        .onFailure(e -> done.tryFail(String.valueOf(e.getMessage() == null ? e : e.getMessage())));
    done.future().onComplete(ar -> {
      context.owner().cancelTimer(deadline);
      inFlight[i] = false;
      if (!closed) {
        record(i, ar.succeeded(), ar.succeeded() ? "" : ar.cause().getMessage());
      }
    });
  }

  /** 200 is ready; anything else is down, with the start of Prometheus's reason. */
  private static void answer(HttpClientResponse resp, Promise<Void> done) {
    resp.exceptionHandler(e -> done.tryFail(String.valueOf(e.getMessage())));
    StringBuilder body = new StringBuilder();
    resp.handler(chunk -> {
      if (body.length() < MAX_ERROR_BODY) {
        body.append(chunk.toString(StandardCharsets.UTF_8));
      }
    });
    resp.endHandler(v -> {
      if (resp.statusCode() == 200) {
        done.tryComplete();
      } else {
        String text = body.length() > MAX_ERROR_BODY ? body.substring(0, MAX_ERROR_BODY) : body.toString();
        done.tryFail("HTTP " + resp.statusCode() + (text.isBlank() ? "" : ": " + text.strip()));
      }
    });
  }

  private void record(int i, boolean ok, String error) {
    State old = states.get(i);
    State s = next(old, ok, Objects.requireNonNullElse(error, "probe failed"), System.nanoTime(),
        System.currentTimeMillis(), failoverAfterNanos);
    states.set(i, s);
    publish(i, s);
    if (old.health != s.health) {
      if (s.health == Health.DOWN) {
        LOG.warnf("sharding: shard %d (%s) is not ready: %s", i, urls.get(i), s.lastError);
      } else if (old.health == Health.DOWN) {
        LOG.infof("sharding: shard %d (%s) is ready again", i, urls.get(i));
      }
    }
    if (old.failedOver != s.failedOver) {
      if (s.failedOver) {
        meters.failovers(i).increment();
        LOG.warnf("sharding: shard %d (%s) failed over: not ready for %dms, its targets go to the live shards",
            i, urls.get(i), (s.sinceNanos == 0 ? 0 : (System.nanoTime() - s.sinceNanos) / 1_000_000));
      } else {
        LOG.infof("sharding: shard %d (%s) takes its targets back: ready for %dms", i, urls.get(i),
            (System.nanoTime() - s.sinceNanos) / 1_000_000);
      }
      onFailoverChange.run();
    }
  }

  private void publish(int i, State s) {
    meters.up(i).set(s.health == Health.UP ? 1 : s.health == Health.DOWN ? 0 : -1);
  }

  @Override
  public void close() {
    closed = true;
    context.runOnContext(v -> {
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
      }
      clients.forEach(HttpClient::close);
    });
  }
}
