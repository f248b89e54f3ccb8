package io.promgate.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promgate.relabel.Relabeler;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web UI in a real headless Chromium (Debian's, through chromedriver: {@link Chromium})
 * against the packaged promgate with a real InfluxDB, sharding over static targets (one with
 * {@code <script>} in its address and a label value) and two federation upstreams: a real
 * Prometheus and a closed port. Screenshots of every page, desktop (1280×800) and phone
 * (390×844), go to {@code target/ui-screenshots/}.
 */
class UiBrowserIT {
  static final String XSS_TARGET = "<script>alert(1)</script>:80";
  static final String XSS_LABEL = "<img src=x onerror=alert(2)><script>alert(\"x\")</script>";
  /** Every secret of the config below; none may reach any page. */
  static final List<String> SECRETS = List.of("influx-pw-SECRET1", "upstream-pw-SECRET2", "bearer-SECRET3", "url-pw-SECRET4");
  static final Path SHOTS = Path.of("target", "ui-screenshots");

  private static RealPrometheus prometheus;
  private static PromgateProcess promgate;
  private static Chromium browser;

  @BeforeAll
  static void start() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("ui");
    prometheus = RealPrometheus.start(port -> """
        global: {scrape_interval: 1s, external_labels: {shard: '0'}}
        scrape_configs:
          - job_name: prometheus
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """.formatted(port));
    promgate = PromgateProcess.start("""
        storage:
          influxdb: {url: '%s', database: %s, username: ui, password: influx-pw-SECRET1}
        sharding:
          modulus: 3
          static_configs:
            - targets: ['node-1:9100', 'node-2:9100', 'node-3:9100', 'node-4:9100', '%s', 'canary:9100']
              labels: {env: prod, note: '%s'}
          http_sd_configs: [{url: 'http://sd:url-pw-SECRET4@127.0.0.1:9/targets', refresh_interval: 1h}]
          relabel_configs:
            - {source_labels: [__address__], regex: 'canary:.*', action: drop}
        federation:
          source: upstreams
          timeout: 5s
          upstreams:
            - name: shard-0
              url: %s
              basic_auth: {username: promgate, password: upstream-pw-SECRET2}
            - name: shard-1
              url: http://127.0.0.1:9
              bearer_token: bearer-SECRET3
        """.formatted(influx.url(), db, XSS_TARGET.replace("'", "''"), XSS_LABEL.replace("'", "''"), prometheus.url()));
    Await.until(Duration.ofSeconds(60), "Prometheus scraped itself",
        () -> prometheus.query("up", System.currentTimeMillis() / 1000.0).path("result").size() > 0);
    // One /federate scrape, so /upstreams has a last answer from each upstream.
    assertEquals(200, Http.get(promgate.url() + "/federate?match[]=" + Http.param("{job=\"prometheus\"}")).status());
    browser = Chromium.start(1280, 800);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (promgate != null) {
      promgate.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
  }

  private String open(String path) {
    browser.get(promgate.url() + path);
    return browser.pageSource();
  }

  /**
   * The text of the element {@code css} selects, found again when the page replaced it between
   * the find and the read (a click that submits a form loads a new page while the test reads on).
   */
  private String text(String css) {
    for (int attempt = 1; ; attempt++) {
      try {
        return browser.text(browser.find(css));
      } catch (IllegalStateException e) {
        if (attempt == 50 || !String.valueOf(e.getMessage()).contains("stale element")) {
          throw e;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  @Test
  void everyPage_rendersContent_headingAndNoSecret() {
    String[][] pages = {
      {"/", "Overview", "Remote write"},
      {"/shards", "Shards", "node-1:9100"},
      {"/relabel", "Relabel debugger", "relabel_configs (YAML)"},
      {"/ha", "HA tracker", "The HA tracker is off."},
      {"/upstreams", "Federation upstreams", "shard-0"},
      {"/config", "Configuration", "Effective configuration"},
    };
    for (String[] p : pages) {
      String html = open(p[0]);
      assertEquals(p[1], text("h1"), p[0]);
      assertTrue(text("main").contains(p[2]), p[0] + " shows " + p[2]);
      for (String secret : SECRETS) {
        assertFalse(html.contains(secret), p[0] + " leaks " + secret);
      }
      assertEquals(p[1] + " · promgate", browser.title());
    }
  }

  @Test
  void everyPage_noExternalRequest_strictCspAndNosniff() {
    for (String path : UiRoutes.PAGES) {
      open(path);
      JsonNode resources = browser.script(
          "return performance.getEntriesByType('resource').map(function (e) { return e.name; });");
      assertTrue(resources.size() >= 2, path + " loads its stylesheet and script: " + resources);
      for (JsonNode r : resources) {
        assertTrue(r.asText().startsWith(promgate.url() + "/"), path + " loaded " + r.asText());
      }
      Http.Response answer = Http.get(promgate.url() + path);
      assertEquals(UiRoutes.CSP, answer.headers().firstValue("Content-Security-Policy").orElse(""), path);
      assertEquals("nosniff", answer.headers().firstValue("X-Content-Type-Options").orElse(""), path);
      assertEquals("text/html; charset=utf-8", answer.headers().firstValue("Content-Type").orElse(""), path);
    }
  }

  @Test
  void overview_influxDbReachable_showsItsVersion() {
    open("/");
    String influx = browser.text(browser.findAll(".card").get(2));
    assertTrue(influx.contains("✔ yes"), influx);
    assertTrue(influx.contains("1."), "InfluxDB 1.x version: " + influx);
    assertEquals(3, browser.findAll("table.traffic tbody tr").size());
    browser.screenshot(SHOTS.resolve("overview-desktop.png"));
  }

  @Test
  void shards_scriptInLabelAndTarget_shownAsTextNeverRun() {
    open("/shards");
    assertEquals(1, browser.script("return document.scripts.length;").asInt(), "only /ui/app.js");
    assertEquals(0, browser.script("return document.querySelectorAll('img').length;").asInt());
    String page = text("#target-table");
    assertTrue(page.contains(XSS_TARGET), page);
    assertTrue(page.contains("note=\"" + XSS_LABEL + "\""), page);
    // An alert would make every later WebDriver command fail with "unexpected alert open".
    assertEquals("Shards", browser.title().replace(" · promgate", ""));
  }

  @Test
  void shards_everyTarget_listedWithItsShardOrDropped() {
    open("/shards");
    List<String> rows = browser.findAll("#target-table tbody tr");
    assertEquals(6, rows.size(), "the static targets; the unreachable http_sd lists none");
    for (String t : new String[] {"node-1:9100", "node-2:9100", "node-3:9100", "node-4:9100"}) {
      String row = rowText(t);
      assertTrue(row.contains("shard " + Relabeler.hashmod(t, 3)), row);
    }
    assertTrue(rowText("canary:9100").contains("dropped"));
    assertEquals(3, browser.findAll("#shards tbody tr, section[aria-labelledby=shards] tbody tr").size());
    browser.screenshot(SHOTS.resolve("shards-desktop.png"));
  }

  private String rowText(String target) {
    for (String row : browser.findAll("#target-table tbody tr")) {
      String t = browser.text(row);
      if (t.startsWith(target)) {
        return t;
      }
    }
    throw new AssertionError("no row for " + target);
  }

  @Test
  void shardsFilter_typing_hidesNonMatchingRows() {
    open("/shards");
    String box = browser.find("#q");
    browser.type(box, "node-2");
    JsonNode visible = browser.script("return Array.prototype.filter.call(document.querySelectorAll('#target-table tbody tr'),"
        + " function (r) { return !r.hidden; }).map(function (r) { return r.cells[0].textContent; });");
    assertEquals(1, visible.size(), visible.toString());
    assertTrue(visible.get(0).asText().startsWith("node-2:9100"));
    assertEquals("1 of 6 shown", text("#filter-count"));
    browser.clear(box);
    browser.type(box, "dropped");
    assertEquals("1 of 6 shown", text("#filter-count"));
  }

  @Test
  void shardsWhy_click_showsEachRuleAndTheHash() {
    open("/shards");
    for (String row : browser.findAll("#target-table tbody tr")) {
      if (browser.text(row).startsWith("node-3:9100")) {
        browser.click(browser.findIn(row, "a"));
        break;
      }
    }
    String why = text("#why");
    long shard = Relabeler.hashmod("node-3:9100", 3);
    assertTrue(why.contains("Why this shard: node-3:9100"), why);
    assertTrue(why.contains("#0 drop"), why);
    assertTrue(why.contains("hashmod: md5(node-3:9100) mod 3 = " + shard), why);
    assertTrue(why.contains("→ shard " + shard), why);
    browser.screenshot(SHOTS.resolve("shards-why-desktop.png"));
  }

  @Test
  void relabelDebugger_typeLabelsAndRules_showsStepsAndDroppingRule() {
    open("/relabel");
    String labels = browser.find("#labels");
    String config = browser.find("#config");
    browser.clear(labels);
    browser.type(labels, "{__address__=\"db-1:5432\", env=\"staging\", note=\"<script>alert(3)</script>\"}");
    browser.clear(config);
    browser.type(config, "- source_labels: [__address__]\n  regex: '([^:]+):.*'\n  target_label: host\n"
        + "- source_labels: [__address__]\n  modulus: 5\n  target_label: __tmp_hash\n  action: hashmod\n"
        + "- source_labels: [env]\n  regex: staging\n  action: drop\n");
    browser.click(browser.find("#run"));
    assertEquals("Dropped by rule #2.", text("#verdict"));
    List<String> steps = browser.findAll("ol.steps > li");
    assertEquals(3, steps.size());
    assertTrue(browser.text(steps.get(0)).contains("+ host=\"db-1\""), browser.text(steps.get(0)));
    assertTrue(browser.text(steps.get(1)).contains("mod 5 = " + Relabeler.hashmod("db-1:5432", 5)));
    assertTrue(browser.text(steps.get(2)).contains("Dropped by this rule."));
    assertEquals(1, browser.script("return document.scripts.length;").asInt());
    browser.screenshot(SHOTS.resolve("relabel-desktop.png"));
  }

  @Test
  void relabelDebugger_invalidRule_showsReason() {
    open("/relabel");
    String config = browser.find("#config");
    browser.clear(config);
    browser.type(config, "- action: hashmod\n");
    browser.click(browser.find("#run"));
    assertTrue(text("#relabel-error").startsWith("Cannot relabel: relabel_configs[0]"), text("#relabel-error"));
  }

  @Test
  void relabelDebugger_pickDiscoveredTarget_loadsItsLabelsAndShardingRules() {
    open("/relabel");
    browser.click(browser.find("#pick option[value='node-4:9100']"));
    browser.click(browser.find("#load"));
    assertTrue(browser.script("return document.getElementById('labels').value;").asText()
        .contains("__address__=\"node-4:9100\""));
    assertTrue(text("#verdict").contains("__tmp_promgate_shard=\"" + Relabeler.hashmod("node-4:9100", 3) + "\""),
        text("#verdict"));
  }

  @Test
  void upstreams_realPrometheusAndClosedPort_upWithSeriesAndDownWithError() {
    open("/upstreams");
    List<String> rows = browser.findAll("tbody tr");
    String up = browser.text(rows.get(0));
    String down = browser.text(rows.get(1));
    assertTrue(up.startsWith("shard-0") && up.contains("✔ up"), up);
    assertTrue(down.startsWith("shard-1") && down.contains("✘ down") && down.contains("unreachable"), down);
    browser.screenshot(SHOTS.resolve("upstreams-desktop.png"));
  }

  @Test
  void config_secrets_redacted() {
    String html = open("/config");
    assertTrue(text("pre.config").contains("password: \"<secret>\""));
    assertTrue(text("pre.config").contains("http://sd:<secret>@127.0.0.1:9/targets"));
    for (String secret : SECRETS) {
      assertFalse(html.contains(secret), secret);
    }
    browser.screenshot(SHOTS.resolve("config-desktop.png"));
  }

  @Test
  void everyPage_phoneWidth_noHorizontalPageScroll() {
    browser.windowSize(390, 844);
    try {
      for (String path : UiRoutes.PAGES) {
        open(path);
        JsonNode widths = browser.script("return [document.documentElement.scrollWidth, window.innerWidth];");
        assertTrue(widths.get(0).asInt() <= widths.get(1).asInt(), path + " is wider than the phone: " + widths);
        String name = path.equals("/") ? "overview" : path.substring(1);
        browser.screenshot(SHOTS.resolve(name + "-phone.png"));
      }
    } finally {
      browser.windowSize(1280, 800);
    }
    for (String path : new String[] {"/ha", "/relabel"}) {
      open(path);
      browser.screenshot(SHOTS.resolve(path.substring(1) + (path.equals("/relabel") ? "-example" : "") + "-desktop.png"));
    }
  }

  @Test
  void everyPage_credentialsConfigured_401WithoutThem() {
    String hash = OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new byte[16], 10);
    try (PromgateProcess secured = PromgateProcess.start("""
            storage: {influxdb: {url: 'http://127.0.0.1:9', create_database: false}}
            web: {basic_auth_users: {admin: '%s'}}
            """.formatted(hash))) {
      for (String path : new String[] {"/", "/shards", "/relabel", "/ha", "/upstreams", "/config", "/ui/app.js"}) {
        assertEquals(401, Http.get(secured.url() + path).status(), path);
      }
      assertEquals(401, Http.post(secured.url() + "/api/v1/relabel", "{}").status());
      assertEquals(200, Http.get(secured.url() + "/-/healthy").status());
    }
  }
}
