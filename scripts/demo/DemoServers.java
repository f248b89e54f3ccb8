// The small servers of scripts/demo.sh, in one JVM and one file (run as `java DemoServers.java`,
// no build step, nothing beyond the JDK the project needs anyway):
//
//   --targets PORT,PORT,...   synthetic scrape targets, one per port, each serving /metrics with a
//                             few series (counters that grow at a per-target rate, a gauge), so the
//                             shards have something to split; POST /down and POST /up make a target
//                             answer 503 or 200 (try the InstanceDown alert).
//   --webhook PORT FILE       an Alertmanager webhook receiver: each notification it gets is appended
//                             to FILE as one JSON object a line, with "receivedAt" added first, so
//                             "notified once" can be seen (or not) in the file.
//   --pair I=URL,URL          on the webhook's port, GET /shards/I/-/ready answers 200 while any of
//                             the URLs' /-/ready does (503 when none): an HA pair's health as a
//                             Kubernetes Service over both replicas gives it, for promgate's
//                             sharding.shard_urls (a shard is down only when both replicas are).
//
// Loopback only. Stops on SIGTERM/SIGINT.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

public class DemoServers {
  private static final long START = System.nanoTime();

  public static void main(String[] args) throws Exception {
    List<HttpServer> servers = new ArrayList<>();
    List<String> pairs = new ArrayList<>();
    HttpServer webhook = null;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--targets" -> {
          for (String p : args[++i].split(",")) {
            if (!p.isBlank()) {
              servers.add(target(Integer.parseInt(p.trim())));
            }
          }
        }
        case "--webhook" -> {
          int port = Integer.parseInt(args[++i]);
          webhook = webhook(port, Path.of(args[++i]));
          servers.add(webhook);
        }
        case "--pair" -> pairs.add(args[++i]);
        default -> {
          System.err.println("usage: java DemoServers.java [--targets PORT,PORT,...] [--webhook PORT FILE [--pair I=URL,URL]...]");
          System.exit(2);
        }
      }
    }
    for (String pair : pairs) {
      if (webhook == null) {
        System.err.println("--pair needs --webhook (it is served on the webhook's port)");
        System.exit(2);
      }
      String[] kv = pair.split("=", 2);
      pair(webhook, kv[0], List.of(kv[1].split(",")));
    }
    for (HttpServer s : servers) {
      s.setExecutor(pool);
      s.start();
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(s -> s.stop(0))));
    System.out.println("demo servers: " + servers.size() + " ports");
    Thread.currentThread().join();
  }

  private static HttpServer bind(int port) throws IOException {
    try {
      return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    } catch (IOException e) {
      throw new IOException("port " + port + ": " + e.getMessage(), e);
    }
  }

  /** A target whose series differ by port, so each shard's aggregates differ too. */
  private static HttpServer target(int port) throws IOException {
    HttpServer s = bind(port);
    AtomicBoolean down = new AtomicBoolean();
    s.createContext("/down", ex -> { down.set(true); reply(ex, 200, "down\n"); });
    s.createContext("/up", ex -> { down.set(false); reply(ex, 200, "up\n"); });
    s.createContext("/metrics", ex -> {
      if (down.get()) {
        reply(ex, 503, "this target was told to be down (POST /up)\n");
        return;
      }
      double secs = (System.nanoTime() - START) / 1e9;
      int rate = 1 + port % 7;
      StringBuilder b = new StringBuilder(512);
      b.append("# HELP demo_requests_total Requests this synthetic target pretends to have served.\n");
      b.append("# TYPE demo_requests_total counter\n");
      b.append("demo_requests_total{code=\"200\"} ").append((long) (secs * rate * 10)).append('\n');
      b.append("demo_requests_total{code=\"500\"} ").append((long) (secs * rate / 10)).append('\n');
      b.append("# HELP demo_queue_length A gauge that wanders with time.\n");
      b.append("# TYPE demo_queue_length gauge\n");
      b.append("demo_queue_length ").append(Math.round(50 + 40 * Math.sin(secs / 30 + port))).append('\n');
      b.append("# HELP demo_target_port The port this target listens on.\n");
      b.append("# TYPE demo_target_port gauge\n");
      b.append("demo_target_port ").append(port).append('\n');
      reply(ex, 200, b.toString());
    });
    return s;
  }

  private static HttpServer webhook(int port, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    HttpServer s = bind(port);
    s.createContext("/", ex -> {
      if (!"POST".equals(ex.getRequestMethod())) {
        reply(ex, 405, "POST Alertmanager notifications here\n");
        return;
      }
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!body.startsWith("{")) {
        reply(ex, 400, "expected a JSON object\n");
        return;
      }
      // JSON strings cannot hold raw line breaks, so removing them keeps the object intact.
      String rest = body.substring(1).replace("\r", "").replace("\n", "");
      String line = "{\"receivedAt\":\"" + Instant.now() + "\"" + (rest.strip().startsWith("}") ? "" : ",") + rest + "\n";
      synchronized (DemoServers.class) {
        Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      reply(ex, 200, "ok\n");
    });
    return s;
  }

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();

  private static void pair(HttpServer s, String index, List<String> replicas) {
    s.createContext("/shards/" + index + "/-/ready", ex -> {
      StringBuilder why = new StringBuilder();
      for (String replica : replicas) {
        try {
          HttpRequest req = HttpRequest.newBuilder(URI.create(replica + "/-/ready")).timeout(Duration.ofSeconds(1)).build();
          int code = CLIENT.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
          if (code == 200) {
            reply(ex, 200, replica + " is ready\n");
            return;
          }
          why.append(replica).append(": ").append(code).append("; ");
        } catch (IOException e) {
          why.append(replica).append(": ").append(e.getClass().getSimpleName()).append("; ");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      reply(ex, 503, "no replica of shard " + index + " is ready: " + why + "\n");
    });
  }

  private static void reply(HttpExchange ex, int code, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
