package io.promgate.influx;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.WriteStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * One InfluxDB {@code /query?chunked=true} call whose answer is parsed as it arrives. Uses the core
 * Vert.x HTTP client rather than the web client so that the response can be paused (back-pressure
 * from whoever consumes the rows) and the request reset (when that consumer goes away or the
 * answer turns out to be bad), which stops InfluxDB's query instead of letting it run to the end.
 *
 * <p>The statement travels as a form body ({@code POST}), so long FROM lists and series conditions
 * are not limited by URL length. The idle timeout is {@code storage.influxdb.timeout}: it also
 * fires when the consumer keeps the answer paused that long.
 */
public final class QueryStream {
  private static final int MAX_ERROR_BODY = 4096;

  private final InfluxClient client;
  private final ChunkedQueryReader reader;
  private final WriteStream<?> flow;
  private final Promise<Void> done = Promise.promise();
  private HttpClientRequest request;
  private boolean cancelled;
  private volatile boolean responded;
  private volatile boolean paused;
  private volatile long lastData = System.nanoTime();

  private QueryStream(InfluxClient client, ChunkedQueryReader reader, WriteStream<?> flow) {
    this.client = client;
    this.reader = reader;
    this.flow = flow;
  }

  static QueryStream start(InfluxClient client, HttpClient http, String uri, String influxql, boolean msgpack,
      ChunkedQueryReader reader, WriteStream<?> flow) {
    QueryStream s = new QueryStream(client, reader, flow);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setURI(uri)
            .setIdleTimeout(client.config().timeout().toMillis())
            .setHeaders(headers(client, msgpack));
    Buffer body = Buffer.buffer("q=" + URLEncoder.encode(influxql, StandardCharsets.UTF_8));
    // storage.influxdb.timeout without a byte from InfluxDB while promgate is not holding the answer
    // back fails the query: InfluxDB sends its headers at once and may then work for minutes on a
    // statement with thousands of conditions (the request's idle timeout ends with the headers).
    // InfluxDB keeps running it; limits.QueryReaper kills it there.
    long timeoutMs = client.config().timeout().toMillis();
    client.vertx().setPeriodic(Math.max(100, timeoutMs / 4), id -> {
      if (s.done.future().isComplete()) {
        client.vertx().cancelTimer(id);
      } else if (!s.paused && System.nanoTime() - s.lastData > timeoutMs * 1_000_000L) {
        client.vertx().cancelTimer(id);
        s.fail(new StorageException(StorageException.Kind.UNAVAILABLE,
            "InfluxDB did not answer within " + timeoutMs + "ms"));
        if (s.request != null) {
          s.request.reset();
        }
      }
    });
    http.request(options).onComplete(ar -> {
      if (ar.failed()) {
        s.fail(client.unreachable(ar.cause()));
        return;
      }
      s.request = ar.result();
      if (s.cancelled) {
        s.request.reset();
        return;
      }
      s.request.send(body).onComplete(rar -> {
        if (rar.failed()) {
          s.fail(client.unreachable(rar.cause()));
        } else {
          s.receive(rar.result());
        }
      });
    });
    return s;
  }

  // InfluxDB matches Accept exactly and answers JSON for anything it does not know; the answer is
  // read by its Content-Type, so a server that ignores the wish for MessagePack still works.
  private static MultiMap headers(InfluxClient client, boolean msgpack) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/x-www-form-urlencoded")
        .add("Accept", msgpack ? "application/x-msgpack" : "application/json");
    if (client.authHeader() != null) {
      h.add("Authorization", client.authHeader());
    }
    return h;
  }

  /** Completes when the whole answer was read; fails with a {@link StorageException}. */
  public Future<Void> done() {
    return done.future();
  }

  /** Stops reading and resets the connection to InfluxDB; {@link #done()} fails. */
  public void cancel() {
    cancelled = true;
    if (request != null && !done.future().isComplete()) {
      request.reset();
    }
    done.tryFail(new StorageException(StorageException.Kind.UNAVAILABLE, "query cancelled"));
  }

  private void receive(HttpClientResponse resp) {
    responded = true;
    if (cancelled) {
      request.reset();
      return;
    }
    int status = resp.statusCode();
    String contentType = resp.getHeader("Content-Type");
    if (status != 200) {
      Buffer error = Buffer.buffer();
      resp.handler(b -> {
        if (error.length() < MAX_ERROR_BODY) {
          error.appendBuffer(b, 0, Math.min(b.length(), MAX_ERROR_BODY - error.length()));
        }
      });
      resp.exceptionHandler(t -> fail(client.unreachable(t)));
      resp.endHandler(v -> fail(InfluxClient.classify(status, errorText(error, contentType, resp.getHeader("X-Influxdb-Error")))));
      return;
    }
    reader.contentType(contentType);
    resp.handler(b -> {
      lastData = System.nanoTime();
      if (done.future().isComplete()) {
        return;
      }
      try {
        reader.feed(b);
      } catch (RuntimeException e) {
        fail(e); // first: resetting may report the reset as an error of its own
        request.reset();
        return;
      }
      if (flow != null && flow.writeQueueFull()) {
        resp.pause();
        paused = true;
        flow.drainHandler(v -> {
          if (!done.future().isComplete()) {
            paused = false;
            lastData = System.nanoTime();
            resp.resume();
          }
        });
      }
    });
    resp.exceptionHandler(t -> fail(client.unreachable(t)));
    resp.endHandler(v -> {
      if (done.future().isComplete()) {
        return;
      }
      try {
        reader.end();
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      done.tryComplete();
    });
  }

  /** Fails with {@code t} as it is: the reader's handler may throw its own exception types. */
  private void fail(Throwable t) {
    done.tryFail(t);
  }

  /** InfluxDB's {@code {"error": ...}} in either encoding; else the raw text, one line. */
  private static String errorText(Buffer body, String contentType, String header) {
    if (body.length() == 0) {
      return header == null ? "" : header;
    }
    ChunkedQueryReader r = new ChunkedQueryReader(new ChunkedQueryReader.Handler() {
      @Override
      public void series(String m, String[] k, String[] v, int n, String[] c, int cn) {}

      @Override
      public void row(ChunkedQueryReader.Row row) {}
    });
    r.contentType(contentType);
    String s;
    try {
      r.feed(body);
      s = body.toString(StandardCharsets.UTF_8).trim();
    } catch (StorageException e) {
      s = e.getMessage().startsWith("InfluxDB: ") ? e.getMessage().substring(10) : body.toString(StandardCharsets.UTF_8).trim();
    }
    s = s.replace('\n', ' ');
    return s.length() > 500 ? s.substring(0, 500) + "…" : s;
  }
}
