package io.promgate.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.promgate.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * Debian's headless Chromium driven through its chromedriver with the W3C WebDriver protocol,
 * spoken directly as JSON over java.net.http: no Selenium, and so nothing that could try to
 * download a browser or a driver. Both binaries are the system's ({@code /usr/bin/chromium},
 * {@code /usr/bin/chromedriver}; {@code apt-get install chromium chromium-driver}).
 */
final class Chromium implements AutoCloseable {
  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process driver;
  private final Path profile;
  private final String base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private String session;

  private Chromium(Process driver, Path profile, String base) {
    this.driver = driver;
    this.profile = profile;
    this.base = base;
  }

  /** Starts chromedriver and one headless browser session with a {@code width}×{@code height} window. */
  static Chromium start(int width, int height) {
    if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
      throw new IllegalStateException("browser tests need Debian's chromium and chromium-driver: "
          + "apt-get install chromium chromium-driver");
    }
    int port = FreePorts.next();
    try {
      Path profile = Files.createTempDirectory("promgate-chromium-");
      Path log = profile.resolve("chromedriver.log");
      Process p = new ProcessBuilder(DRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Chromium c = new Chromium(p, profile, "http://127.0.0.1:" + port);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (true) {
        try {
          JsonNode status = c.call("GET", "/status", null);
          if (status.path("ready").asBoolean()) {
            break;
          }
        } catch (UncheckedIOException e) {
          // not listening yet
        }
        if (System.nanoTime() > deadline || !p.isAlive()) {
          c.close();
          throw new IllegalStateException("chromedriver did not start: " + Files.readString(log));
        }
        Thread.sleep(100);
      }
      c.newSession(width, height);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void newSession(int width, int height) {
    ObjectNode options = JSON.createObjectNode();
    options.put("binary", BROWSER.toString());
    ArrayNode args = options.putArray("args");
    for (String a : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile.resolve("profile"),
        "--window-size=" + width + "," + height)) {
      args.add(a);
    }
    ObjectNode body = JSON.createObjectNode();
    ObjectNode always = body.putObject("capabilities").putObject("alwaysMatch");
    always.put("browserName", "chrome");
    always.set("goog:chromeOptions", options);
    JsonNode v = call("POST", "/session", body);
    session = v.path("sessionId").asText();
  }

  void get(String url) {
    cmd("POST", "/url", JSON.createObjectNode().put("url", url));
  }

  /** The id of the first element matching {@code css}; fails when there is none. */
  String find(String css) {
    JsonNode v = cmd("POST", "/element", JSON.createObjectNode().put("using", "css selector").put("value", css));
    return v.path(ELEMENT).asText();
  }

  /** The first element matching {@code css} inside {@code parent}. */
  String findIn(String parent, String css) {
    JsonNode v = cmd("POST", "/element/" + parent + "/element",
        JSON.createObjectNode().put("using", "css selector").put("value", css));
    return v.path(ELEMENT).asText();
  }

  List<String> findAll(String css) {
    JsonNode v = cmd("POST", "/elements", JSON.createObjectNode().put("using", "css selector").put("value", css));
    List<String> ids = new ArrayList<>();
    v.forEach(e -> ids.add(e.path(ELEMENT).asText()));
    return ids;
  }

  String text(String element) {
    return cmd("GET", "/element/" + element + "/text", null).asText();
  }

  void click(String element) {
    cmd("POST", "/element/" + element + "/click", JSON.createObjectNode());
  }

  void clear(String element) {
    cmd("POST", "/element/" + element + "/clear", JSON.createObjectNode());
  }

  /** Types {@code text} into the element as key presses. */
  void type(String element, String text) {
    cmd("POST", "/element/" + element + "/value", JSON.createObjectNode().put("text", text));
  }

  /** Runs {@code script} (a function body; {@code arguments} available) and returns its value as JSON. */
  JsonNode script(String script, Object... args) {
    ObjectNode body = JSON.createObjectNode().put("script", script);
    ArrayNode a = body.putArray("args");
    for (Object o : args) {
      a.addPOJO(o);
    }
    return cmd("POST", "/execute/sync", body);
  }

  String pageSource() {
    return cmd("GET", "/source", null).asText();
  }

  String title() {
    return cmd("GET", "/title", null).asText();
  }

  void windowSize(int width, int height) {
    cmd("POST", "/window/rect", JSON.createObjectNode().put("width", width).put("height", height));
  }

  /** A PNG of the viewport, written to {@code file}. */
  void screenshot(Path file) {
    byte[] png = Base64.getDecoder().decode(cmd("GET", "/screenshot", null).asText());
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode cmd(String method, String path, JsonNode body) {
    return call(method, "/session/" + session + path, body);
  }

  private JsonNode call(String method, String path, JsonNode body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.method(method, HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", "application/json");
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode value = JSON.readTree(r.body()).path("value");
      if (r.statusCode() != 200) {
        throw new IllegalStateException("WebDriver " + method + " " + path + " answered " + r.statusCode() + ": "
            + value.path("error").asText() + ": " + value.path("message").asText());
      }
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      if (session != null) {
        call("DELETE", "/session/" + session, null);
      }
    } catch (RuntimeException ignored) {
      // the driver going away below ends the browser too
    } finally {
      driver.destroy();
      try {
        driver.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      deleteRecursively(profile);
    }
  }

  private static void deleteRecursively(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temp dir
    }
  }
}
