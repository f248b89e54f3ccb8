package io.promgate.federate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A tiny real HTTP server for what a test needs to control exactly: a scrape target with a
 * fixed text, an upstream that ignores match[], answers slowly, garbles its answer or wants
 * credentials. Close it.
 */
final class StaticServer implements AutoCloseable {
  private final HttpServer server;

  private StaticServer(HttpServer server) {
    this.server = server;
  }

  /** Serves {@code body.get()} as text format at every path. */
  static StaticServer text(Supplier<String> body) {
    return handler(ex -> reply(ex, 200, body.get()));
  }

  interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  static StaticServer handler(Handler handler) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "static-server");
        t.setDaemon(true);
        return t;
      }));
      server.createContext("/", ex -> {
        try (ex) {
          handler.handle(ex);
        } catch (IOException e) {
          // client went away
        }
      });
      server.start();
      return new StaticServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      ex.getResponseBody().write(b);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  String target() {
    return "127.0.0.1:" + port();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
