package io.promgate.shard;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The {@code sharding} section of the promgate every {@code @QuarkusTest} runs (written by
 * {@code PromgateWithInfluxDb}): a few hundred loopback targets from every kind of source, with
 * rules that drop some and hash others on a rewritten address ({@code source_labels: [__tmp_key]}:
 * {@code localhost:p} hashes as {@code 127.0.0.1:p}).
 *
 * <p>The rules add labels rather than rewrite discovered ones: Prometheus 2.42's
 * {@code /api/v1/targets} shows a rewritten value of an existing label (such as
 * {@code __address__}) in {@code discoveredLabels} too, which would hide what it discovered.
 *
 * <ul>
 *   <li>static: 150 {@code 127.0.0.1:30000+} (env a), 50 {@code localhost:31000+} (env b,
 *       hashed as 127.0.0.1), 10 with {@code drop: yes} (dropped), 1 URL-like
 *       {@code 127.0.0.1:39999/metrics} (kept by the rules, refused by Prometheus: invalid);
 *   <li>file_sd: 60 in {@code targets.json} (env c), 40 in {@code more.yml} (env d);
 *   <li>http_sd: 40 at {@link #httpSdUrl()} (env e) and {@link #INVALID_HTTP_TARGET}, and
 *       {@code /broken} answering 500.
 * </ul>
 * The targets need not answer: Prometheus lists them as down targets all the same.
 */
public final class ShardingFixture {
  public static final int MODULUS = 4;
  public static final int DISCOVERED = 150 + 50 + 10 + 1 + 60 + 40 + 41;
  public static final int DROPPED = 10;
  public static final int INVALID = 2;
  /** In static_configs: left out of generated configs (promtool would refuse them). */
  public static final String INVALID_STATIC_TARGET = "127.0.0.1:39999/metrics";
  /** Served by the http_sd fixture: Prometheus lists it as dropped except on its hash's shard. */
  public static final String INVALID_HTTP_TARGET = "127.0.0.1:39998/metrics";

  private static HttpServer server;

  private ShardingFixture() {}

  /** Writes the file_sd files into {@code dir}, starts the http_sd server, returns the YAML. */
  public static synchronized String configSection(Path dir) {
    startHttpSd();
    try {
      Files.writeString(dir.resolve("targets.json"), "[{\"targets\": [" + targets("127.0.0.1", 32000, 60)
          .stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "))
          + "], \"labels\": {\"env\": \"c\"}}]");
      Files.writeString(dir.resolve("more.yml"), "- targets: [" + String.join(", ", targets("127.0.0.1", 33000, 40))
          + "]\n  labels: {env: d, canary: yes}\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return """
        sharding:
          modulus: %d
          static_configs:
            - targets: [%s]
              labels: {env: a}
            - targets: [%s]
              labels: {env: b}
            - targets: [%s]
              labels: {drop: 'yes'}
            - targets: ['%s']
          file_sd_configs:
            - files: ['%s', '%s']
          http_sd_configs:
            - url: %s
            - url: %s
          source_labels: [__tmp_key]
          relabel_configs:
            - source_labels: [drop]
              regex: 'yes'
              action: drop
            - source_labels: [__address__]
              target_label: __tmp_key
            - source_labels: [__address__]
              regex: 'localhost:(\\d+)'
              target_label: __tmp_key
              replacement: '127.0.0.1:$1'
            - source_labels: [env]
              target_label: team
              replacement: 'team-$1'
        """.formatted(MODULUS,
            String.join(", ", targets("127.0.0.1", 30000, 150)),
            String.join(", ", targets("localhost", 31000, 50)),
            String.join(", ", targets("127.0.0.1", 34000, 10)),
            INVALID_STATIC_TARGET,
            dir.resolve("*.json"), dir.resolve("more.yml"),
            httpSdUrl(), brokenHttpSdUrl());
  }

  public static String httpSdUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/targets";
  }

  public static String brokenHttpSdUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/broken";
  }

  private static List<String> targets(String host, int firstPort, int n) {
    return IntStream.range(0, n).mapToObj(i -> host + ":" + (firstPort + i)).collect(Collectors.toCollection(ArrayList::new));
  }

  private static void startHttpSd() {
    if (server != null) {
      return;
    }
    List<String> served = targets("127.0.0.1", 35000, 40);
    served.add(INVALID_HTTP_TARGET);
    byte[] body = ("[{\"targets\": [" + served.stream().map(t -> "\"" + t + "\"")
        .collect(Collectors.joining(", ")) + "], \"labels\": {\"env\": \"e\"}}]").getBytes(StandardCharsets.UTF_8);
    // Created from a daemon thread, so that its dispatcher thread (which inherits that) never
    // keeps the test JVM alive; it serves both promgate and the Prometheus servers of the tests.
    Thread t = new Thread(() -> {
      try {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        s.createContext("/targets", ex -> {
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
        s.createContext("/broken", ex -> {
          ex.sendResponseHeaders(500, -1);
          ex.close();
        });
        s.start();
        server = s;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    t.setDaemon(true);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (server == null) {
      throw new IllegalStateException("http_sd fixture server did not start");
    }
  }
}
