package io.promgate.federate;

import io.netty.buffer.ByteBuf;
import io.promgate.config.FederationConfig;
import io.promgate.metrics.Metrics;
import io.promgate.model.Labels;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.jboss.logging.Logger;

/**
 * Fan-out to every upstream's {@code /federate} at once, and a streaming merge of their answers.
 *
 * <p><b>Why the merge can stream.</b> Prometheus sorts its {@code /federate} answer by metric name
 * (web/federate.go sorts the whole vector by {@code __name__} before encoding; checked against
 * Prometheus 2.42 in {@code FederateUpstreamsIT}). So each upstream answer is a sequence of
 * families in ascending name order, and grouping by name across upstreams is a k-way merge: when
 * every upstream still answering has a complete family at its head, the smallest name among the
 * heads is final — no upstream can send that name again — and is merged and written. An upstream
 * whose head is ready is paused (its socket is not read) until its head is taken.
 *
 * <p><b>Memory.</b> At most, per upstream, its ready family, the family it is still receiving,
 * and one network chunk: bounded by the upstream count times the largest family, never by the
 * whole answer. An upstream that is <em>not</em> sorted by name still has every series served,
 * but a family it sends out of order may be written as a second group under its own {@code #
 * TYPE} line, and its series are then not de-duplicated against the first group;
 * {@code promgate_federate_upstream_unsorted_families_total} counts such answers.
 *
 * <p><b>Merge.</b> Within a family, series are keyed by their labels minus {@code dedup_labels};
 * the freshest sample wins (on a tie, the upstream listed first), the others count in
 * {@code promgate_federate_deduplicated_series_total}. Series keep the order in which they first
 * appeared.
 *
 * <p><b>Failures.</b> Each upstream has its own deadline ({@code federation.timeout}, shortened
 * to 90% of the scraper's {@code X-Prometheus-Scrape-Timeout-Seconds}). An upstream that cannot
 * be reached, answers non-200, sends an unparsable line or misses its deadline is dropped from
 * the merge — the families it completed are kept, the one it was sending is not — and the rest
 * are served. Only when every upstream failed before any family was produced does the request
 * fail ({@link UpstreamsUnavailableException}, 503).
 *
 * <p><b>Threads.</b> Each upstream's request, its parsing and its flow control run on an event
 * loop of their own (a fresh event-loop context per upstream, round-robin over the loops), so on
 * a machine with several cores the upstreams are parsed in parallel with each other and with the
 * merge and the writing of the answer, which run on the event loop of the incoming request. The
 * two sides share nothing mutable: a stream hands each complete family, and finally its end or
 * failure, to the merge's context as a task ({@link Context#runOnContext}, in order), and the
 * merge asks a stream to resume or to stop the same way. The merge keeps its own view of each
 * stream (its queue of ready families, whether it ended and why), so it needs no locks.
 */
final class UpstreamSource implements FamilySource {
  private static final Logger LOG = Logger.getLogger(UpstreamSource.class);
  private static final int MAX_ERROR_BODY = 512;

  private final Vertx vertx;
  private final Context mergeContext;
  private final Selectors selectors;
  private final FederationConfig config;
  private final Metrics.Federate metrics;
  private final List<Stream> streams = new ArrayList<>();
  private Promise<Family> waiting;
  private boolean produced;
  private volatile boolean cancelled;

  private UpstreamSource(Vertx vertx, Selectors selectors, FederationConfig config, Metrics.Federate metrics) {
    this.vertx = vertx;
    this.mergeContext = vertx.getOrCreateContext();
    this.selectors = selectors;
    this.config = config;
    this.metrics = metrics;
  }

  /** Sends every upstream request now; families are pulled with {@link #next()}. */
  static UpstreamSource open(Vertx vertx, UpstreamClients clients, Selectors selectors, long deadlineMs,
      Metrics.Federate metrics) {
    UpstreamSource source = new UpstreamSource(vertx, selectors, clients.config, metrics);
    String query = query(selectors);
    for (UpstreamClients.Client c : clients.clients) {
      source.streams.add(source.new Stream(c, metrics.upstream(c.upstream().name())));
    }
    for (Stream s : source.streams) {
      s.start(query, deadlineMs);
    }
    return source;
  }

  /** {@code match[]=...&match[]=...}, form-encoded as Go's ParseForm reads it. */
  static String query(Selectors selectors) {
    StringBuilder q = new StringBuilder();
    for (String m : selectors.raw()) {
      if (q.length() > 0) {
        q.append('&');
      }
      q.append("match%5B%5D=").append(URLEncoder.encode(m, StandardCharsets.UTF_8));
    }
    return q.toString();
  }

  @Override
  public Future<Family> next() {
    Family f;
    try {
      f = tryNext();
    } catch (UpstreamsUnavailableException e) {
      return Future.failedFuture(e);
    }
    if (f != null) {
      return Future.succeededFuture(f);
    }
    if (allFinished()) {
      return Future.succeededFuture();
    }
    waiting = Promise.promise();
    return waiting.future();
  }

  /** A stream got a family or finished: answer a waiting {@link #next()} if it can be now. */
  private void progress() {
    if (waiting == null) {
      return;
    }
    Family f;
    try {
      f = tryNext();
    } catch (UpstreamsUnavailableException e) {
      Promise<Family> w = waiting;
      waiting = null;
      w.fail(e);
      return;
    }
    if (f != null || allFinished()) {
      Promise<Family> w = waiting;
      waiting = null;
      w.complete(f);
    }
  }

  private boolean allFinished() {
    for (Stream s : streams) {
      if (!s.ready.isEmpty() || !s.ended) {
        return false;
      }
    }
    return true;
  }

  /** The next merged family, or null when one is not decidable yet (or at the end). */
  private Family tryNext() {
    while (true) {
      String min = null;
      for (Stream s : streams) {
        if (s.ready.isEmpty()) {
          if (!s.ended) {
            return null; // its next family could still sort first
          }
          continue;
        }
        String n = s.ready.peekFirst().name;
        if (min == null || n.compareTo(min) < 0) {
          min = n;
        }
      }
      if (min == null) {
        if (!produced && !streams.isEmpty() && allFailed()) {
          throw new UpstreamsUnavailableException(failures());
        }
        return null;
      }
      List<Family> group = new ArrayList<>(streams.size());
      for (Stream s : streams) {
        if (!s.ready.isEmpty() && s.ready.peekFirst().name.equals(min)) {
          group.add(s.ready.pollFirst());
          s.taken();
        }
      }
      Family merged = merge(group);
      if (!merged.series.isEmpty()) {
        produced = true;
        return merged;
      }
    }
  }

  private boolean allFailed() {
    for (Stream s : streams) {
      if (s.endFailure == null) {
        return false;
      }
    }
    return true;
  }

  private String failures() {
    StringBuilder sb = new StringBuilder("no upstream answered:");
    for (Stream s : streams) {
      sb.append(' ').append(s.client.upstream().name()).append(": ").append(s.endFailure).append(';');
    }
    sb.setLength(sb.length() - 1);
    return sb.toString();
  }

  private Family merge(List<Family> group) {
    if (group.size() == 1 && config.dedupLabels().isEmpty()) {
      return group.get(0);
    }
    int total = 0;
    for (Family f : group) {
      total += f.series.size();
    }
    // Insertion order is first appearance; a fresher copy replaces the value in place.
    Map<Labels, Series> merged = new LinkedHashMap<>(total * 2);
    long dropped = 0;
    for (Family f : group) {
      for (Series s : f.series) {
        Series prev = merged.putIfAbsent(s.key, s);
        if (prev != null) {
          dropped++;
          if (s.timestampMs > prev.timestampMs) {
            merged.put(s.key, s);
          }
        }
      }
    }
    if (dropped > 0) {
      metrics.deduplicated.increment(dropped);
    }
    return new Family(group.get(0).name, new ArrayList<>(merged.values()));
  }

  @Override
  public void cancel() {
    cancelled = true;
    for (Stream s : streams) {
      s.context.runOnContext(v -> s.fail("reset", "request cancelled: the scraper went away", false));
    }
    waiting = null;
  }

  /**
   * One upstream request: its parser and its flow control, on its own event-loop context; and the
   * merge's view of it ({@link #ready}, {@link #ended}, {@link #endFailure}), on the merge's.
   */
  private final class Stream {
    final UpstreamClients.Client client;
    final Metrics.Federate.Upstream upstreamMetrics;
    final Context context;
    // ---- the merge's view, only touched on mergeContext ----
    final ArrayDeque<Family> ready = new ArrayDeque<>(2);
    boolean ended;
    String endFailure;
    // ---- the stream's own state, only touched on context ----
    /** Families handed to the merge and not taken yet: the stream is paused while there are any. */
    final AtomicInteger outstanding = new AtomicInteger();
    final ExpositionParser parser;
    final long startNanos = System.nanoTime();
    HttpClientRequest request;
    HttpClientResponse response;
    boolean paused;
    boolean finished;
    long timer = -1;
    byte[] scratch = new byte[16 * 1024];

    Stream(UpstreamClients.Client client, Metrics.Federate.Upstream upstreamMetrics) {
      this.client = client;
      this.upstreamMetrics = upstreamMetrics;
      this.context = ((VertxInternal) vertx).createEventLoopContext();
      this.parser = new ExpositionParser(selectors, config.dedupLabels(), config.sampleLimit(),
          System.currentTimeMillis(), this::handOver);
    }

    /** On the stream's context: a complete family goes to the merge. */
    private void handOver(Family f) {
      outstanding.incrementAndGet();
      mergeContext.runOnContext(v -> {
        if (!ended) {
          ready.addLast(f);
          progress();
        }
      });
    }

    /** On the stream's context: tells the merge this stream ended (failure null: completely). */
    private void handOverEnd(String failure) {
      mergeContext.runOnContext(v -> {
        ended = true;
        endFailure = failure;
        progress();
      });
    }

    /** On the merge's context: a family of this stream was taken; the last one resumes it. */
    void taken() {
      if (outstanding.decrementAndGet() == 0) {
        context.runOnContext(v -> resumeIfDrained());
      }
    }

    void start(String query, long deadlineMs) {
      context.runOnContext(v -> send(query, deadlineMs));
    }

    private void send(String query, long deadlineMs) {
      if (finished) {
        return; // cancelled before it started
      }
      timer = vertx.setTimer(Math.max(1, deadlineMs), id -> {
        timer = -1;
        fail("timeout", "no complete answer within " + deadlineMs + "ms", true);
      });
      RequestOptions options = new RequestOptions()
          .setMethod(HttpMethod.GET)
          .setHost(client.host())
          .setPort(client.port())
          .setSsl(client.ssl())
          .setURI(client.federatePath() + "?" + query)
          .putHeader("Accept", "text/plain;version=0.0.4")
          .putHeader("User-Agent", "promgate");
      if (client.authorization() != null) {
        options.putHeader("Authorization", client.authorization());
      }
      String serverName = client.upstream().tls().serverName();
      if (client.ssl() && !serverName.isEmpty()) {
        // tls_config.server_name: connect to the URL's host, but ask for (SNI) and verify the
        // certificate of server_name; the Host header stays the URL's, as Prometheus sends it.
        options.setServer(SocketAddress.inetSocketAddress(client.port(), client.host()))
            .setHost(serverName)
            .putHeader("Host", client.host() + ":" + client.port());
      }
      client.http().request(options).onComplete(ar -> {
        if (finished) {
          if (ar.succeeded()) {
            ar.result().reset();
          }
          return;
        }
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        request = ar.result();
        request.exceptionHandler(this::fail);
        request.send().onComplete(rr -> {
          if (finished) {
            return;
          }
          if (rr.failed()) {
            fail(rr.cause());
            return;
          }
          receive(rr.result());
        });
      });
    }

    private void receive(HttpClientResponse resp) {
      response = resp;
      resp.exceptionHandler(this::fail);
      if (resp.statusCode() != 200) {
        Buffer head = Buffer.buffer();
        resp.handler(chunk -> {
          if (head.length() < MAX_ERROR_BODY) {
            head.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - head.length()));
          }
        });
        resp.endHandler(v -> fail("status", "answered " + resp.statusCode() + errorText(head), false));
        return;
      }
      resp.handler(this::chunk);
      resp.endHandler(v -> end());
    }

    private void chunk(Buffer chunk) {
      if (finished) {
        return;
      }
      try {
        ByteBuf bb = chunk.getByteBuf();
        int n = bb.readableBytes();
        if (bb.hasArray()) {
          parser.feed(bb.array(), bb.arrayOffset() + bb.readerIndex(), n);
        } else {
          // Netty reads into direct buffers: copy into one scratch array per upstream, reused
          if (scratch.length < n) {
            scratch = new byte[Math.max(n, 2 * scratch.length)];
          }
          bb.getBytes(bb.readerIndex(), scratch, 0, n);
          parser.feed(scratch, 0, n);
        }
      } catch (ExpositionException e) {
        fail(e.getMessage().startsWith("more than sample_limit") ? "sample_limit" : "parse",
            "invalid answer: " + e.getMessage(), true);
        return;
      }
      if (outstanding.get() > 0 && !paused) {
        paused = true;
        response.pause();
      }
    }

    private void end() {
      if (finished) {
        return;
      }
      try {
        parser.end();
      } catch (ExpositionException e) {
        fail("parse", "invalid answer: " + e.getMessage(), false);
        return;
      }
      finished = true;
      cancelTimer();
      upstreamMetrics.up.set(1);
      upstreamMetrics.series.increment(parser.series());
      upstreamMetrics.duration.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      upstreamMetrics.lastDurationNanos = System.nanoTime() - startNanos;
      upstreamMetrics.lastSeries = parser.series();
      upstreamMetrics.lastAnswerMillis = System.currentTimeMillis();
      if (parser.unsortedFamilies() > 0) {
        upstreamMetrics.unsortedFamilies.increment(parser.unsortedFamilies());
      }
      handOverEnd(null);
    }

    private void resumeIfDrained() {
      if (paused && outstanding.get() == 0 && !finished) {
        paused = false;
        response.resume();
      }
    }

    private void fail(Throwable t) {
      String name = t.getClass().getSimpleName();
      Throwable root = t;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      if (t instanceof SSLException || root instanceof SSLException
          || root instanceof CertificateException) {
        fail("tls", "TLS: " + root.getMessage(), false);
      } else if (t instanceof ConnectException || name.contains("Connect")) {
        fail("unreachable", "unreachable: " + t.getMessage(), false);
      } else if (name.contains("Timeout")) {
        fail("timeout", t.getMessage(), false);
      } else {
        fail("reset", String.valueOf(t.getMessage() == null ? t : t.getMessage()), false);
      }
    }

    /**
     * Drops this upstream from the merge. Complete families already queued stay; the family being
     * received (perhaps cut mid-way) is discarded with the parser.
     */
    void fail(String reason, String message, boolean resetConnection) {
      if (finished) {
        return;
      }
      finished = true;
      cancelTimer();
      if (!cancelled) {
        upstreamMetrics.up.set(0);
        upstreamMetrics.failed(reason);
        upstreamMetrics.duration.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        upstreamMetrics.lastDurationNanos = System.nanoTime() - startNanos;
        upstreamMetrics.lastError = message;
        upstreamMetrics.lastErrorMillis = System.currentTimeMillis();
        LOG.debugf("upstream %s failed (%s): %s", client.upstream().name(), reason, message);
      }
      if (request != null && (resetConnection || response == null || cancelled)) {
        request.reset();
      } else if (response != null && paused) {
        response.resume(); // let the rest of an abandoned answer drain so the connection can be reused
      }
      if (response != null) {
        response.handler(null);
      }
      handOverEnd(message);
    }

    private void cancelTimer() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }

  private static String errorText(Buffer head) {
    String s = head.toString(StandardCharsets.UTF_8).trim().replace('\n', ' ');
    return s.isEmpty() ? "" : ": " + s;
  }
}
