package io.promgate.influx;

import io.promgate.config.InfluxDbConfig;
import io.promgate.config.Redaction;
import io.promgate.config.TlsConfig;
import io.promgate.influx.storage.StoragePredicate;
import io.promgate.influx.storage.StorageRpc;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * InfluxDB's v1 HTTP API ({@code /write}, {@code /query}, {@code /ping}) over one pooled,
 * keep-alive Vert.x web client. Served natively by InfluxDB 1.x and as the v1 compatibility API by
 * 2.x and 3.x, which is why promgate does not use influxdb-client-java (2.x {@code /api/v2} only).
 *
 * <p>Every failure is classified once here into a {@link StorageException} so the HTTP handlers
 * only map kinds to statuses.
 */
public final class InfluxClient implements AutoCloseable {
  private final InfluxDbConfig config;
  private final WebClient client;
  private final String writeUri;
  private final String authHeader;
  private final boolean owner;
  private final Vertx vertx;
  private final WebClientOptions options;
  // Created on first use; a view shares its root's.
  private final Lazy<HttpClient> queryClient;
  private final Lazy<NetClient> storageClient;

  public InfluxClient(Vertx vertx, InfluxDbConfig config) {
    this.config = config;
    boolean tls = "https".equals(config.url().getScheme());
    int port = config.url().getPort() > 0 ? config.url().getPort() : tls ? 443 : 80;
    WebClientOptions options =
        new WebClientOptions()
            .setDefaultHost(config.url().getHost())
            .setDefaultPort(port)
            .setSsl(tls)
            .setKeepAlive(true)
            .setMaxPoolSize(config.maxConcurrentWrites() + 4)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
            .setUserAgent("promgate");
    applyTls(options, config.tls());
    this.client = WebClient.create(vertx, options);
    this.writeUri = writeUri(config);
    this.authHeader = authHeader(config);
    this.owner = true;
    this.vertx = vertx;
    this.options = options;
    // Streaming reads get their own pool: a long remote-read answer must not hold a connection the
    // write path (max_concurrent_writes) is waiting for.
    this.queryClient = new Lazy<>(() -> vertx.createHttpClient(new HttpClientOptions(options).setMaxPoolSize(64)));
    // No idle timeout: closing a read InfluxDB is still sending kills influxd 1.6.7 (see
    // StorageRpc#fail), and a paused read is legitimately idle; yamux pings keep it alive.
    this.storageClient = new Lazy<>(() -> vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
        .setTcpNoDelay(true)
        .setReceiveBufferSize(1 << 20)));
  }

  /**
   * A view of {@code root} for another database (tenancy), sharing all of its connection pools
   * (write, query, storage service): views own nothing, so closing the root closes every
   * connection its tenants used, and a tenant costs no pool of its own.
   */
  private InfluxClient(InfluxClient root, InfluxDbConfig config) {
    this.config = config;
    this.client = root.client;
    this.writeUri = writeUri(config);
    this.authHeader = root.authHeader;
    this.owner = false;
    this.vertx = root.vertx;
    this.options = root.options;
    this.queryClient = root.queryClient;
    this.storageClient = root.storageClient;
  }

  /** The same server, credentials and connection pool, writing to {@code database}. */
  public InfluxClient forDatabase(String database) {
    return new InfluxClient(this, config.withDatabase(database));
  }

  private static String writeUri(InfluxDbConfig config) {
    String base = config.url().getRawPath() == null ? "" : config.url().getRawPath();
    StringBuilder uri = new StringBuilder(base).append("/write?db=").append(enc(config.database()));
    if (!config.retentionPolicy().isEmpty()) {
      uri.append("&rp=").append(enc(config.retentionPolicy()));
    }
    return uri.append("&precision=ms").toString();
  }

  private static String authHeader(InfluxDbConfig config) {
    String authHeader;
    if (!config.token().isEmpty()) {
      authHeader = "Token " + config.token();
    } else if (!config.username().isEmpty()) {
      authHeader =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
    } else {
      authHeader = null;
    }
    return authHeader;
  }

  /** Prometheus tls_config semantics on a Vert.x client: CA, client certificate, SNI name, skip-verify. */
  public static void applyTls(WebClientOptions options, TlsConfig tls) {
    if (!tls.caFile().isEmpty()) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(tls.caFile()));
    }
    if (!tls.certFile().isEmpty()) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile()));
    }
    if (tls.insecureSkipVerify()) {
      options.setTrustAll(true).setVerifyHost(false);
    }
  }

  public InfluxDbConfig config() {
    return config;
  }

  /** POSTs line protocol (precision ms); succeeds only on InfluxDB's 2xx acknowledgement. */
  public Future<Void> write(Buffer lineProtocol) {
    HttpRequest<Buffer> req = request(HttpMethod.POST, writeUri);
    req.putHeader("Content-Type", "text/plain; charset=utf-8");
    return req.sendBuffer(lineProtocol).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(unreachable(ar.cause()));
      }
      HttpResponse<Buffer> resp = ar.result();
      int code = resp.statusCode();
      if (code / 100 == 2) {
        return Future.succeededFuture();
      }
      return Future.failedFuture(classify(code, errorText(resp)));
    });
  }

  /** {@code GET /ping}: InfluxDB answers 204 when it is up. */
  public Future<Void> ping() {
    return request(HttpMethod.GET, path("/ping")).send().transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(unreachable(ar.cause()));
      }
      int code = ar.result().statusCode();
      return code / 100 == 2
          ? Future.succeededFuture()
          : Future.failedFuture(new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB /ping answered " + code));
    });
  }

  /**
   * {@code GET /ping} for the operator UI: InfluxDB's version from its {@code X-Influxdb-Version}
   * header ("" when absent), failing as {@link #ping()} does.
   */
  public Future<String> version() {
    return request(HttpMethod.GET, path("/ping")).send().transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(unreachable(ar.cause()));
      }
      int code = ar.result().statusCode();
      String v = ar.result().getHeader("X-Influxdb-Version");
      return code / 100 == 2
          ? Future.succeededFuture(v == null ? "" : v)
          : Future.failedFuture(new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB /ping answered " + code));
    });
  }

  /** Runs one InfluxQL statement that returns no rows (CREATE DATABASE ...). */
  public Future<Void> execute(String influxql) {
    return postQuery(path("/query"), influxql).compose(resp -> {
      String err = firstStatementError(resp.bodyAsString());
      return err == null
          ? Future.succeededFuture()
          : Future.failedFuture(new StorageException(StorageException.Kind.REJECTED, err));
    });
  }

  /** POSTs {@code q=influxql} to {@code uri}: the 2xx answer, else a failed {@link StorageException}. */
  private Future<HttpResponse<Buffer>> postQuery(String uri, String influxql) {
    HttpRequest<Buffer> req = request(HttpMethod.POST, uri);
    return req.sendForm(MultiMap.caseInsensitiveMultiMap().add("q", influxql)).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(unreachable(ar.cause()));
      }
      HttpResponse<Buffer> resp = ar.result();
      if (resp.statusCode() / 100 != 2) {
        return Future.failedFuture(classify(resp.statusCode(), errorText(resp)));
      }
      return Future.succeededFuture(resp);
    });
  }

  /**
   * Runs read-only InfluxQL (one or more {@code ;}-separated statements) against the configured
   * database with ms timestamps ({@code epoch=ms}) and returns the whole parsed answer. Meant for
   * small answers (the federation source asks one metric family at a time); a statement error
   * fails the future as {@link StorageException.Kind#REJECTED}.
   */
  public Future<JsonObject> queryJson(String influxql) {
    StringBuilder uri = new StringBuilder(path("/query")).append("?db=").append(enc(config.database()));
    if (!config.retentionPolicy().isEmpty()) {
      uri.append("&rp=").append(enc(config.retentionPolicy()));
    }
    uri.append("&epoch=ms");
    return postQuery(uri.toString(), influxql).compose(resp -> {
      JsonObject answer;
      try {
        answer = new JsonObject(resp.body());
      } catch (DecodeException e) {
        return Future.failedFuture(new StorageException(StorageException.Kind.REJECTED, "unreadable InfluxDB answer"));
      }
      String err = queryError(answer);
      return err == null
          ? Future.succeededFuture(answer)
          : Future.failedFuture(new StorageException(StorageException.Kind.REJECTED, err));
    });
  }

  /** The first error in a parsed /query answer (whole request or one statement), or null. */
  private static String queryError(JsonObject answer) {
    Object top = answer.getValue("error");
    if (top != null) {
      return String.valueOf(top);
    }
    var results = answer.getJsonArray("results");
    for (int i = 0; results != null && i < results.size(); i++) {
      Object e = results.getJsonObject(i).getValue("error");
      if (e != null) {
        return String.valueOf(e);
      }
    }
    return null;
  }

  public Future<Void> createDatabase() {
    return execute("CREATE DATABASE " + InfluxQl.quoteIdentifier(config.database()));
  }

  /**
   * Starts one read-only InfluxQL statement with {@code chunked=true} and streams InfluxDB's answer
   * through {@code reader} as it arrives (see {@link QueryStream}), asking for MessagePack rather
   * than JSON when {@code msgpack}; while {@code flow}'s write queue is full the answer is paused,
   * so a slow reader of the result holds InfluxDB back instead of filling memory. {@code flow} may
   * be null.
   */
  public QueryStream query(String influxql, int chunkSize, boolean msgpack, ChunkedQueryReader reader, WriteStream<?> flow) {
    StringBuilder uri = new StringBuilder(path("/query")).append("?db=").append(enc(config.database()));
    if (!config.retentionPolicy().isEmpty()) {
      uri.append("&rp=").append(enc(config.retentionPolicy()));
    }
    uri.append("&epoch=ms&chunked=true&chunk_size=").append(chunkSize);
    return QueryStream.start(this, queryClient.get(), uri.toString(), influxql, msgpack, reader, flow);
  }

  /**
   * Starts a read on InfluxDB 1.6's storage service at {@code host:port} (its {@code [ifql]
   * bind-address}); the request is made for this client's database and retention policy by
   * {@link StoragePredicate}. While {@code flow}'s write queue is full the answer waits.
   */
  public StorageRpc storageRead(String host, int port, StoragePredicate predicate, StoragePredicate.Fields fields,
      boolean count, List<String[]> series, ChunkedQueryReader.Handler handler, WriteStream<?> flow) {
    return storageRead(host, port, predicate, fields, count, series, handler, flow, null);
  }

  /** As above; {@code beforeSeries} may hold the read before each series (see {@link StorageRpc}). */
  public StorageRpc storageRead(String host, int port, StoragePredicate predicate, StoragePredicate.Fields fields,
      boolean count, List<String[]> series, ChunkedQueryReader.Handler handler, WriteStream<?> flow,
      Supplier<Future<Void>> beforeSeries) {
    return StorageRpc.start(storageClient.get(), host, port, predicate.request(fields, count, series), handler, flow,
        beforeSeries);
  }

  Vertx vertx() {
    return vertx;
  }

    String authHeader() {
    return authHeader;
  }

  HttpRequest<Buffer> request(HttpMethod method, String uri) {
    HttpRequest<Buffer> req = client.request(method, uri).timeout(config.timeout().toMillis());
    if (!config.tls().serverName().isEmpty()) {
      req.virtualHost(config.tls().serverName()); // SNI and certificate name check against server_name
    }
    if (authHeader != null) {
      req.putHeader("Authorization", authHeader);
    }
    return req;
  }

  String path(String p) {
    String base = config.url().getRawPath() == null ? "" : config.url().getRawPath();
    return base + p;
  }

  StorageException unreachable(Throwable cause) {
    String what;
    if (cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout")) {
      what = "InfluxDB did not answer within " + config.timeout().toMillis() + "ms";
    } else if (cause instanceof ConnectException || cause instanceof IOException
        || cause instanceof HttpClosedException) {
      // Refused, reset, or a pooled keep-alive connection closed under us (InfluxDB restarting):
      // all the same to the sender, who retries.
      what = "InfluxDB unreachable at " + Redaction.url(config.url()) + ": "
          + Redaction.url(cause.getMessage());
    } else {
      what = "InfluxDB request failed: " + Redaction.url(String.valueOf(cause));
    }
    return new StorageException(StorageException.Kind.UNAVAILABLE, what);
  }

  /**
   * 5xx, a missing database and refused credentials are operator or outage problems, not bad
   * data: they are retryable so Prometheus keeps the samples until someone fixes them.
   */
  static StorageException classify(int code, String error) {
    String msg = "InfluxDB answered " + code + (error.isEmpty() ? "" : ": " + error);
    if (code == 413) {
      // The body was over InfluxDB's [http] max-body-size: the data is fine, the batch size is not.
      return new StorageException(StorageException.Kind.UNAVAILABLE,
          msg + " (lower storage.influxdb.max_batch_bytes below InfluxDB's max-body-size)");
    }
    boolean retry =
        code >= 500 || code == 401 || code == 403 || code == 429 || code == 408
            || (code == 404 && error.contains("database not found"));
    return new StorageException(retry ? StorageException.Kind.UNAVAILABLE : StorageException.Kind.REJECTED, msg);
  }

  /** InfluxDB reports errors as {@code {"error":"..."}}; fall back to the raw body, one line. */
  static String errorText(HttpResponse<Buffer> resp) {
    Buffer body = resp.body();
    if (body == null || body.length() == 0) {
      String h = resp.getHeader("X-Influxdb-Error");
      return h == null ? "" : h;
    }
    String s = body.toString(StandardCharsets.UTF_8).trim();
    try {
      Object e = new JsonObject(s).getValue("error");
      if (e != null) {
        s = String.valueOf(e);
      }
    } catch (DecodeException | ClassCastException ignored) {
      // not JSON: keep the text
    }
    s = s.replace('\n', ' ');
    return s.length() > 500 ? s.substring(0, 500) + "…" : s;
  }

  static String firstStatementError(String body) {
    try {
      JsonObject o = new JsonObject(body);
      if (o.getString("error") != null) {
        return o.getString("error");
      }
      var results = o.getJsonArray("results");
      if (results != null) {
        for (int i = 0; i < results.size(); i++) {
          String e = results.getJsonObject(i).getString("error");
          if (e != null) {
            return e;
          }
        }
      }
      return null;
    } catch (DecodeException | ClassCastException e) {
      return "unreadable InfluxDB answer: " + body;
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (!owner) {
      return; // views share the root's pools; only the root closes them
    }
    client.close();
    queryClient.ifCreated(HttpClient::close);
    storageClient.ifCreated(NetClient::close);
  }

  /** A value created on first use, at most once (double-checked). */
  private static final class Lazy<T> {
    private final Supplier<T> create;
    private volatile T value;

    Lazy(Supplier<T> create) {
      this.create = create;
    }

    T get() {
      T v = value;
      if (v == null) {
        synchronized (this) {
          if (value == null) {
            value = create.get();
          }
          v = value;
        }
      }
      return v;
    }

    void ifCreated(Consumer<T> action) {
      T v = value;
      if (v != null) {
        action.accept(v);
      }
    }
  }
}
