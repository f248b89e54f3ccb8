package io.promgate.ui;

import io.promgate.Gateway;
import io.promgate.config.FederationConfig;
import io.promgate.config.PromgateConfig;
import io.promgate.config.Redaction;
import io.promgate.metrics.Metrics;
import io.promgate.model.Labels;
import io.promgate.relabel.RelabelConfig;
import io.promgate.shard.ShardInspector;
import io.promgate.shard.Sharding;
import io.promgate.web.Query;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.ConfigProvider;

/** The six pages, each rendered from the live state of one {@link Gateway}. */
final class Pages {
  /** Most target rows one /shards page lists; the filter narrows the rest down. */
  static final int MAX_TARGET_ROWS = 2000;
  private static final Set<String> SCRAPE_LABELS =
      Set.of("__scrape_interval__", "__scrape_timeout__", "__metrics_path__", "__scheme__");

  private final Gateway gateway;
  private final RateHistory history;
  private final Supplier<JsonObject> haData;
  private final String version;

  Pages(Gateway gateway, RateHistory history, Supplier<JsonObject> haData) {
    this.gateway = gateway;
    this.history = history;
    this.haData = haData;
    this.version = ConfigProvider.getConfig().getOptionalValue("quarkus.application.version", String.class).orElse("unknown");
  }

  // ---------------------------------------------------------------- overview

  Future<String> overview() {
    return UiRoutes.orTimeout(gateway.vertx(), gateway.batcher().client().version(), 2000)
        .transform(ar -> Future.succeededFuture(overview(ar.succeeded(), ar.succeeded() ? ar.result()
            : ar.cause().getMessage())));
  }

  private String overview(boolean influxUp, String influxInfo) {
    PromgateConfig cfg = gateway.config();
    Html h = Html.page("/", "Overview");
    long start = ManagementFactory.getRuntimeMXBean().getStartTime();
    Gateway.ReloadStatus reload = gateway.lastReload();
    h.raw("<section class=\"cards\" aria-label=\"Status\">");
    h.raw("<div class=\"card\"><h2>promgate</h2><dl><dt>Version</dt><dd>").text(version)
        .raw("</dd><dt>Uptime</dt><dd>").text(Html.age(Duration.ofMillis(System.currentTimeMillis() - start)))
        .raw("</dd><dt>Started</dt><dd>").text(Html.time(start)).raw("</dd></dl></div>");
    h.raw("<div class=\"card\"><h2>Configuration</h2><dl><dt>File</dt><dd><code>").text(Redaction.text(cfg.source()))
        .raw("</code></dd><dt>Last reload</dt><dd>");
    if (reload.errors().isEmpty()) {
      h.raw("<span class=\"ok\">✔ successful</span>");
    } else {
      h.raw("<span class=\"bad\">✘ failed</span>");
    }
    h.raw(" at ").text(Html.time(reload.millis())).raw("</dd></dl>");
    reloadErrors(h, reload);
    h.raw("</div>");
    h.raw("<div class=\"card\"><h2>InfluxDB</h2><dl><dt>URL</dt><dd><code>")
        .text(Redaction.url(cfg.influxdb().url().toString())).raw("</code></dd><dt>Database</dt><dd><code>")
        .text(cfg.influxdb().database()).raw("</code></dd><dt>Reachable</dt><dd>");
    if (influxUp) {
      h.raw("<span class=\"ok\">✔ yes</span></dd><dt>Version</dt><dd>").text(influxInfo.isEmpty() ? "not reported" : influxInfo);
    } else {
      h.raw("<span class=\"bad\">✘ no</span></dd><dt>Error</dt><dd>").text(Redaction.text(String.valueOf(influxInfo)));
    }
    h.raw("</dd></dl></div>");
    Metrics m = gateway.metrics();
    h.raw("<div class=\"card\"><h2>In flight</h2><dl><dt>Remote write</dt><dd>").text(m.remoteWrite.inFlight.get())
        .raw("</dd><dt>Remote read</dt><dd>").text(m.remoteRead.inFlight.get())
        .raw("</dd><dt>Remote read queued</dt><dd>").text(m.remoteRead.queued.get()).raw("</dd></dl></div>");
    h.raw("</section>");

    h.raw("<section aria-labelledby=\"traffic\"><h2 id=\"traffic\">Requests</h2>"
        + "<p class=\"hint\">Per second, sampled every 10 s; charts cover the last 15 minutes"
        + " (<span class=\"key req\">requests</span>, <span class=\"key err\">errors</span>: answers other than 2xx).</p>"
        + "<div class=\"scroll\"><table class=\"traffic\"><thead><tr><th scope=\"col\">Endpoint</th>"
        + "<th scope=\"col\">req/s (1m)</th><th scope=\"col\">errors/s (1m)</th><th scope=\"col\">Last 15 min</th>"
        + "<th scope=\"col\">Total</th><th scope=\"col\">Errors</th></tr></thead><tbody>");
    for (RateHistory.Endpoint e : RateHistory.Endpoint.values()) {
      RateHistory.Series s = history.series(e);
      long[] totals = history.totals(e);
      h.raw("<tr><th scope=\"row\">").text(e.title).raw("</th><td class=\"num\">")
          .text(s.size() == 0 ? "–" : Html.num(s.recent(s.requests(), 6))).raw("</td><td class=\"num\">")
          .text(s.size() == 0 ? "–" : Html.num(s.recent(s.errors(), 6))).raw("</td><td>");
      if (s.size() == 0) {
        h.raw("<span class=\"hint\">collecting (first point after 10 s)</span>");
      } else {
        h.raw(RateHistory.sparkline(s.requests(), s.errors(), e.title + " requests and errors per second, last "
            + (s.size() * RateHistory.INTERVAL_MS / 60000.0) + " minutes"));
      }
      h.raw("</td><td class=\"num\">").text(totals[0]).raw("</td><td class=\"num\">").text(totals[1]).raw("</td></tr>");
    }
    h.raw("</tbody></table></div></section>");

    h.raw("<section aria-labelledby=\"pages\"><h2 id=\"pages\">Pages</h2><ul class=\"links\">"
        + "<li><a href=\"/shards\">Shards</a> — which shard scrapes each target, and why</li>"
        + "<li><a href=\"/relabel\">Relabel debugger</a> — a label set through relabel_configs, rule by rule</li>"
        + "<li><a href=\"/ha\">HA tracker</a> — elected replicas per cluster</li>"
        + "<li><a href=\"/upstreams\">Federation upstreams</a> — up, errors, latency</li>"
        + "<li><a href=\"/config\">Configuration</a> — the effective config, secrets redacted</li>"
        + "</ul></section>");
    return h.finish();
  }

  private static void reloadErrors(Html h, Gateway.ReloadStatus reload) {
    if (!reload.errors().isEmpty()) {
      h.raw("<p>The running configuration is still the previous one. Errors:</p><ul class=\"errors\">");
      for (String e : reload.errors()) {
        h.raw("<li>").text(Redaction.text(e)).raw("</li>");
      }
      h.raw("</ul>");
    }
  }

  // ---------------------------------------------------------------- shards

  String shards(HttpServerRequest req) {
    Html h = Html.page("/shards", "Shards");
    Sharding s = gateway.sharding();
    if (s == null) {
      return h.empty("Sharding is not configured.",
          "<p>Add a <code>sharding</code> section to promgate.yml (<code>modulus</code> and target sources) to split"
              + " scrape targets over shard Prometheus servers; see the README's “Sharding scrape targets”.</p>")
          .finish();
    }
    JsonObject data = ShardInspector.summary(s, i -> "/sd/shards/" + i);
    if (data == null) {
      return h.empty("The shard assignment is not computed yet.", "<p>Reload this page in a moment.</p>").finish();
    }
    String q = param(req, "q");
    String why = param(req, "why");
    String whySource = param(req, "source");
    List<ShardInspector.Target> targets = ShardInspector.targets(s);

    h.raw("<section class=\"cards\" aria-label=\"Summary\"><div class=\"card\"><dl>")
        .raw("<dt>Shards (modulus)</dt><dd>").text(data.getInteger("modulus"))
        .raw("</dd><dt>Algorithm</dt><dd>").text(data.getString("algorithm", "hashmod"))
        .raw("</dd><dt>Hashed labels</dt><dd><code>").text(String.join(", ", strings(data.getJsonArray("sourceLabels"))))
        .raw("</code></dd></dl></div><div class=\"card\"><dl><dt>Discovered</dt><dd>").text(data.getInteger("discovered"))
        .raw("</dd><dt>Assigned</dt><dd>").text(data.getInteger("assigned"))
        .raw("</dd><dt>Dropped by relabel_configs</dt><dd>").text(data.getInteger("dropped"))
        .raw("</dd><dt>Invalid (Prometheus would refuse)</dt><dd>").text(data.getInteger("invalid"))
        .raw("</dd></dl></div><div class=\"card\"><dl><dt>Skew (max/mean)</dt><dd>").text(Html.num(data.getDouble("skew")))
        .raw("</dd><dt>Failover</dt><dd>");
    Number failover = data.getNumber("failoverAfterSeconds");
    h.text(failover == null || failover.doubleValue() == 0 ? "off" : "after " + Html.num(failover.doubleValue()) + " s");
    h.raw("</dd></dl></div></section>");

    if (why != null) {
      why(h, s, targets, why, whySource);
    }

    h.raw("<section aria-labelledby=\"shards\"><h2 id=\"shards\">Shards</h2><div class=\"scroll\"><table><thead><tr>"
        + "<th scope=\"col\">Shard</th><th scope=\"col\">Health</th><th scope=\"col\">Targets</th>"
        + "<th scope=\"col\">Share</th><th scope=\"col\">Moved in/out</th><th scope=\"col\">Links</th></tr></thead><tbody>");
    int assigned = Math.max(1, data.getInteger("assigned"));
    for (Object o : data.getJsonArray("shards")) {
      JsonObject sh = (JsonObject) o;
      int idx = sh.getInteger("index");
      String health = sh.getString("health");
      h.raw("<tr><th scope=\"row\">").text(idx);
      if (sh.getString("url") != null) {
        h.raw(" <code class=\"url\">").text(Redaction.url(sh.getString("url"))).raw("</code>");
      }
      h.raw("</th><td>");
      if (health == null) {
        h.raw("<span class=\"hint\">not probed</span>");
      } else {
        h.raw("<span class=\"").raw(health.equals("up") ? "ok" : health.equals("down") ? "bad" : "hint").raw("\">")
            .text(health).raw("</span>");
        if (sh.getString("healthSince") != null) {
          h.raw(" <span class=\"hint\">since ").text(sh.getString("healthSince")).raw("</span>");
        }
        String err = sh.getString("lastProbeError", "");
        if (!err.isEmpty()) {
          h.raw("<div class=\"err\">").text(Redaction.text(err)).raw("</div>");
        }
      }
      int n = sh.getInteger("targets");
      h.raw("</td><td class=\"num\">").text(n).raw("</td><td><meter min=\"0\" max=\"1\" value=\"")
          .raw(Html.num((double) n / assigned)).raw("\" aria-label=\"share of assigned targets\"></meter> ")
          .text(Html.num(100.0 * n / assigned)).raw("%</td><td class=\"num\">");
      if (sh.containsKey("movedIn")) {
        h.text(sh.getInteger("movedIn", 0)).raw(" / ").text(sh.getInteger("movedOut", 0));
      } else {
        h.raw("–");
      }
      h.raw("</td><td><a href=\"").text(sh.getString("sd")).raw("\">http_sd</a> · <a href=\"/api/v1/shards/")
          .text(idx).raw("/scrape_config\">scrape config</a></td></tr>");
    }
    h.raw("</tbody></table></div></section>");

    JsonArray moved = data.getJsonArray("moved");
    if (moved != null && !moved.isEmpty()) {
      h.raw("<section aria-labelledby=\"moved\"><h2 id=\"moved\">Moved by failover</h2><div class=\"scroll\"><table><thead><tr>"
          + "<th scope=\"col\">Target</th><th scope=\"col\">From</th><th scope=\"col\">To</th></tr></thead><tbody>");
      for (Object o : moved) {
        JsonObject mv = (JsonObject) o;
        h.raw("<tr><td><code>").text(mv.getString("target")).raw("</code></td><td class=\"num\">")
            .text(String.valueOf(mv.getValue("from"))).raw("</td><td class=\"num\">").text(String.valueOf(mv.getValue("to")))
            .raw("</td></tr>");
      }
      h.raw("</tbody></table></div></section>");
    }

    sources(h, data.getJsonArray("sources"));

    h.raw("<section aria-labelledby=\"targets\"><h2 id=\"targets\">Targets</h2>"
        + "<form class=\"filter\" method=\"get\" action=\"/shards\" role=\"search\">"
        + "<label for=\"q\">Filter</label> <input id=\"q\" name=\"q\" type=\"search\" autocomplete=\"off\""
        + " placeholder=\"address, label or shard, e.g. env=&quot;prod&quot; or shard 2\" value=\"").text(q == null ? "" : q)
        .raw("\" data-filter=\"#target-table\"> <button type=\"submit\">Filter</button> <span id=\"filter-count\""
            + " class=\"hint\" aria-live=\"polite\"></span></form>");
    int shown = 0;
    int matching = 0;
    h.raw("<div class=\"scroll\"><table id=\"target-table\" class=\"targets\"><thead><tr><th scope=\"col\">Target</th>"
        + "<th scope=\"col\">Shard</th><th scope=\"col\">Labels</th><th scope=\"col\">Why</th></tr></thead><tbody>");
    for (ShardInspector.Target t : targets) {
      String shardText = shardText(t);
      if (q != null && !q.isBlank() && !matches(t, shardText, q)) {
        continue;
      }
      matching++;
      if (shown >= MAX_TARGET_ROWS) {
        continue;
      }
      shown++;
      h.raw("<tr><td><code>").text(t.address()).raw("</code><div class=\"hint\">").text(t.source()).raw("</div></td><td class=\"")
          .raw(t.shard() >= 0 ? "num" : "hint").raw("\">").text(shardText).raw("</td><td>")
          .labels(t.discovered(), n -> !SCRAPE_LABELS.contains(n)).raw("</td><td><a href=\"/shards?why=")
          .text(urlEncode(t.address())).raw("&amp;source=").text(urlEncode(t.source())).raw("#why\">why?</a></td></tr>");
    }
    h.raw("</tbody></table></div>");
    if (matching == 0) {
      h.empty(targets.isEmpty() ? "No targets discovered yet." : "No target matches the filter.", null);
    } else if (shown < matching) {
      h.raw("<p class=\"hint\">Showing the first ").text(shown).raw(" of ").text(matching)
          .raw(" matching targets; narrow the filter to see the rest.</p>");
    }
    h.raw("</section>");
    return h.finish();
  }

  private static String shardText(ShardInspector.Target t) {
    if (t.hashShard() == ShardInspector.DROPPED) {
      return "dropped";
    }
    if (t.hashShard() == ShardInspector.INVALID) {
      return "invalid";
    }
    if (t.shard() >= 0 && t.shard() != t.hashShard()) {
      return "shard " + t.shard() + " (hash " + t.hashShard() + ")";
    }
    return "shard " + (t.shard() >= 0 ? t.shard() : t.hashShard());
  }

  private static boolean matches(ShardInspector.Target t, String shardText, String q) {
    String needle = q.strip().toLowerCase(Locale.ROOT);
    if (t.address().toLowerCase(Locale.ROOT).contains(needle) || shardText.contains(needle)
        || t.source().toLowerCase(Locale.ROOT).contains(needle)) {
      return true;
    }
    Labels l = t.discovered();
    for (int i = 0; i < l.size(); i++) {
      String pair = (l.name(i) + "=\"" + l.value(i) + "\"").toLowerCase(Locale.ROOT);
      if (pair.contains(needle)) {
        return true;
      }
    }
    return false;
  }

  private void why(Html h, Sharding s, List<ShardInspector.Target> targets, String address, String source) {
    h.raw("<section id=\"why\" class=\"why\" aria-labelledby=\"why-h\" tabindex=\"-1\"><h2 id=\"why-h\">Why this shard: <code>")
        .text(address).raw("</code></h2>");
    ShardInspector.Target target = null;
    for (ShardInspector.Target t : targets) {
      if (t.address().equals(address) && (source == null || t.source().equals(source))) {
        target = t;
        break;
      }
    }
    if (target == null) {
      h.empty("No discovered target has this address.", "<p>It may have gone from its source since.</p>").raw("</section>");
      return;
    }
    h.raw("<p>Discovered (target group <code>").text(target.source()).raw("</code>) with ")
        .labels(target.discovered(), n -> true).raw("</p>");
    RelabelDebug.Result r = new RelabelDebug.Result(target.discovered(), ShardInspector.explain(s, target.discovered()));
    h.raw("<p>The rules: <code>sharding.relabel_configs</code>, then the generated <code>hashmod</code> into <code>")
        .text(ShardInspector.shardLabel()).raw("</code>.</p>");
    RelabelDebug.stepsHtml(h, r);
    h.raw("<p class=\"verdict\"><strong>");
    if (target.hashShard() == ShardInspector.DROPPED) {
      h.raw("Dropped by rule #").text(r.droppedBy()).raw(": no shard scrapes it.");
    } else if (target.hashShard() == ShardInspector.INVALID) {
      h.raw("Kept, but Prometheus would refuse it (empty or URL-like address, or a bad interval/timeout): no shard scrapes it.");
    } else {
      h.raw("→ shard ").text(target.hashShard());
      if (target.shard() >= 0 && target.shard() != target.hashShard()) {
        h.raw("; moved by failover to shard ").text(target.shard());
      }
    }
    h.raw("</strong> <a href=\"/relabel?target=").text(urlEncode(target.address())).raw("&amp;source=")
        .text(urlEncode(target.source())).raw("\">Open in the relabel debugger</a></p></section>");
  }

  private static void sources(Html h, JsonArray sources) {
    h.raw("<section aria-labelledby=\"sources\"><h2 id=\"sources\">Target sources</h2>");
    if (sources == null || sources.isEmpty()) {
      h.empty("No target sources are configured.", null).raw("</section>");
      return;
    }
    h.raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Source</th><th scope=\"col\">Targets</th>"
        + "<th scope=\"col\">Healthy</th><th scope=\"col\">Last success</th><th scope=\"col\">Last error</th></tr></thead><tbody>");
    for (Object o : sources) {
      JsonObject src = (JsonObject) o;
      boolean ok = src.getBoolean("healthy", false);
      h.raw("<tr><th scope=\"row\"><code>").text(src.getString("name")).raw("</code></th><td class=\"num\">")
          .text(src.getInteger("targets", 0)).raw("</td><td><span class=\"").raw(ok ? "ok\">✔ yes" : "bad\">✘ no")
          .raw("</span></td><td>").text(src.getString("lastSuccess") == null ? "never" : src.getString("lastSuccess"))
          .raw("</td><td class=\"err\">").text(Redaction.text(src.getString("lastError", ""))).raw("</td></tr>");
    }
    h.raw("</tbody></table></div></section>");
  }

  // ---------------------------------------------------------------- relabel

  /**
   * GET: the form, prefilled from {@code ?target=} (a discovered target with sharding's rules);
   * POST (form fields): the form with the steps of the pasted labels through the pasted rules.
   */
  String relabel(HttpServerRequest req, MultiMap form) {
    Html h = Html.page("/relabel", "Relabel debugger");
    Sharding s = gateway.sharding();
    String labelsText = "";
    String rulesText = "";
    String error = null;
    RelabelDebug.Result result = null;
    String target = form == null ? param(req, "target") : form.get("target");
    String source = form == null ? param(req, "source") : form.get("source");
    if (form != null && (target == null || target.isEmpty() || form.get("labels") != null)) {
      labelsText = nz(form.get("labels"));
      rulesText = nz(form.get("config"));
      try {
        result = RelabelDebug.run(RelabelDebug.parseLabels(labelsText), RelabelDebug.parseRules(rulesText));
      } catch (RelabelDebug.InputException e) {
        error = e.getMessage();
      }
    } else if (target != null && !target.isEmpty()) {
      ShardInspector.Target t = s == null ? null : find(ShardInspector.targets(s), target, source);
      if (t == null) {
        error = s == null ? "sharding is not configured: there are no discovered targets" : "no discovered target \"" + target + "\"";
      } else {
        labelsText = promLabels(t.discovered());
        List<RelabelConfig> rules = ShardInspector.rules(s);
        rulesText = RelabelDebug.toYaml(rules);
        result = RelabelDebug.run(t.discovered(), rules);
      }
    } else {
      labelsText = "{__address__=\"node-1:9100\", job=\"node\", env=\"prod\"}";
      rulesText = "- source_labels: [env]\n  regex: dev\n  action: drop\n"
          + "- source_labels: [__address__]\n  regex: '([^:]+):.*'\n  target_label: instance\n"
          + "- source_labels: [__address__]\n  modulus: 4\n  target_label: __tmp_shard\n  action: hashmod\n";
      try {
        result = RelabelDebug.run(RelabelDebug.parseLabels(labelsText), RelabelDebug.parseRules(rulesText));
      } catch (RelabelDebug.InputException e) {
        throw new IllegalStateException("the built-in example is valid", e);
      }
    }

    h.raw("<p class=\"hint\">Paste a label set and <code>relabel_configs</code> (a YAML list, or a scrape job holding"
        + " one); see the label set after each rule, the rule that dropped it, and each hashmod's value."
        + " Same engine as promgate's sharding and <code>write_relabel_configs</code> (Prometheus 2.42 semantics).</p>");
    if (s != null) {
      // A GET form of its own, with a button: a select that navigates on change would fire on
      // every arrow key for keyboard users.
      List<ShardInspector.Target> targets = ShardInspector.targets(s);
      h.raw("<form class=\"pick\" method=\"get\" action=\"/relabel\"><label for=\"pick\">Or pick a discovered target</label>"
          + " (its labels through <code>sharding</code>'s rules): <select id=\"pick\" name=\"target\">");
      int n = 0;
      for (ShardInspector.Target t : targets) {
        if (n++ >= MAX_TARGET_ROWS) {
          break;
        }
        h.raw("<option value=\"").text(t.address()).raw("\"").raw(t.address().equals(target) ? " selected" : "").raw(">")
            .text(t.address()).raw("</option>");
      }
      h.raw("</select> <button type=\"submit\" id=\"load\">Load</button></form>");
    }
    h.raw("<form class=\"relabel\" method=\"post\" action=\"/relabel\">");
    h.raw("<div class=\"two\"><div><label for=\"labels\">Label set</label>"
        + "<textarea id=\"labels\" name=\"labels\" rows=\"7\" spellcheck=\"false\" maxlength=\"32768\">").text(labelsText)
        .raw("</textarea></div><div><label for=\"config\">relabel_configs (YAML)</label>"
            + "<textarea id=\"config\" name=\"config\" rows=\"7\" spellcheck=\"false\" maxlength=\"32768\">").text(rulesText)
        .raw("</textarea></div></div><p><button type=\"submit\" id=\"run\">Relabel</button></p></form>");
    if (error != null) {
      h.raw("<div class=\"error\" role=\"alert\" id=\"relabel-error\"><strong>Cannot relabel:</strong> ").text(error).raw("</div>");
    }
    if (result != null) {
      h.raw("<section id=\"result\" aria-labelledby=\"result-h\"><h2 id=\"result-h\">Result</h2>");
      Labels out = result.output();
      if (out == null) {
        h.raw("<p class=\"verdict bad\" id=\"verdict\"><strong>Dropped by rule #").text(result.droppedBy()).raw(".</strong></p>");
      } else {
        h.raw("<p class=\"verdict\" id=\"verdict\"><strong>Kept:</strong> ").labels(out, n -> true).raw("</p>");
        if (out.get("__address__").isEmpty() && result.input().has("__address__")) {
          h.raw("<p class=\"hint\">No <code>__address__</code> is left: Prometheus would not scrape this target.</p>");
        }
      }
      RelabelDebug.stepsHtml(h, result);
      h.raw("</section>");
    }
    h.raw("<p class=\"hint\">API: <code>POST /api/v1/relabel</code> with <code>{\"labels\": {...} | \"text\","
        + " \"relabel_configs\": \"yaml\"}</code> or <code>{\"target\": \"host:port\"}</code>; at most ")
        .text(RelabelDebug.MAX_INPUT_BYTES / 1024).raw(" KiB.</p>");
    return h.finish();
  }

  /** {@code POST /api/v1/relabel}: the Prometheus-API-style envelope. */
  JsonObject relabelApi(Buffer body) {
    JsonObject in;
    try {
      in = new JsonObject(body);
    } catch (RuntimeException e) {
      return apiError("request body is not a JSON object");
    }
    try {
      Object target = in.getValue("target");
      if (target != null) {
        Sharding s = gateway.sharding();
        if (s == null) {
          return apiError("target: sharding is not configured");
        }
        ShardInspector.Target t = find(ShardInspector.targets(s), String.valueOf(target), in.getString("source"));
        if (t == null) {
          return apiError("target: no discovered target \"" + target + "\"");
        }
        return apiSuccess(RelabelDebug.toJson(RelabelDebug.run(t.discovered(), ShardInspector.rules(s))));
      }
      Object labels = in.getValue("labels");
      Labels parsed;
      if (labels instanceof JsonObject o) {
        parsed = RelabelDebug.parseLabels(o.encode());
      } else if (labels instanceof String text) {
        parsed = RelabelDebug.parseLabels(text);
      } else {
        return apiError("labels: expected an object or a string");
      }
      Object rules = in.getValue("relabel_configs");
      if (rules != null && !(rules instanceof String)) {
        return apiError("relabel_configs: expected a YAML string");
      }
      return apiSuccess(RelabelDebug.toJson(RelabelDebug.run(parsed, RelabelDebug.parseRules(rules == null ? "" : (String) rules))));
    } catch (RelabelDebug.InputException | ClassCastException e) {
      return apiError(e.getMessage());
    }
  }

  private static JsonObject apiSuccess(JsonObject data) {
    return new JsonObject().put("status", "success").put("data", data);
  }

  private static JsonObject apiError(String message) {
    return new JsonObject().put("status", "error").put("errorType", "bad_data").put("error", message);
  }

  private static ShardInspector.Target find(List<ShardInspector.Target> targets, String address, String source) {
    for (ShardInspector.Target t : targets) {
      if (t.address().equals(address) && (source == null || source.isEmpty() || t.source().equals(source))) {
        return t;
      }
    }
    return null;
  }

  /** {@code {a="b", c="d\"e"}}: Prometheus's notation, parseable by {@link RelabelDebug#parseLabels}. */
  static String promLabels(Labels l) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) {
        b.append(", ");
      }
      b.append(l.name(i)).append("=\"");
      String v = l.value(i);
      for (int k = 0; k < v.length(); k++) {
        char c = v.charAt(k);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          default -> b.append(c);
        }
      }
      b.append('"');
    }
    return b.append('}').toString();
  }

  // ---------------------------------------------------------------- HA

  /**
   * {@code /ha} from the {@code data} of {@code GET /api/v1/ha} (CONTRACTS.md): clusters, the
   * elected replica and since when, failovers, each replica's last sample.
   */
  String ha() {
    return ha(haData.get());
  }

  static String ha(JsonObject d) {
    Html h = Html.page("/ha", "HA tracker");
    if (d == null || !d.getBoolean("enabled", false)) {
      return h.empty("The HA tracker is off.",
          "<p>With <code>remote_write.ha_tracker.enabled: true</code>, promgate keeps one replica per cluster of an HA"
              + " Prometheus pair (by the <code>cluster</code> and <code>__replica__</code> labels) and drops the"
              + " other's samples.</p>").finish();
    }
    h.raw("<section class=\"cards\" aria-label=\"Settings\"><div class=\"card\"><dl><dt>Cluster label</dt><dd><code>")
        .text(d.getString("clusterLabel", "")).raw("</code></dd><dt>Replica label</dt><dd><code>")
        .text(d.getString("replicaLabel", "")).raw("</code></dd><dt>Failover timeout</dt><dd>")
        .text(Html.num(d.getDouble("failoverTimeoutSeconds", 0.0))).raw(" s</dd><dt>Drop cluster label</dt><dd>")
        .text(String.valueOf(d.getBoolean("dropClusterLabel", false))).raw("</dd></dl></div></section>");
    JsonArray clusters = d.getJsonArray("clusters", new JsonArray());
    if (clusters.isEmpty()) {
      return h.empty("No HA cluster has written yet.", "<p>Clusters appear with their first remote-write request.</p>").finish();
    }
    h.raw("<section aria-labelledby=\"clusters\"><h2 id=\"clusters\">Clusters</h2><div class=\"scroll\"><table><thead><tr>"
        + "<th scope=\"col\">Cluster</th><th scope=\"col\">Elected</th><th scope=\"col\">Since</th><th scope=\"col\">Failovers</th>"
        + "<th scope=\"col\">Deduplicated samples</th><th scope=\"col\">Replicas (last sample · last received)</th></tr></thead><tbody>");
    for (Object o : clusters) {
      JsonObject c = (JsonObject) o;
      h.raw("<tr><th scope=\"row\"><code>").text(c.getString("cluster", "")).raw("</code></th><td><code>")
          .text(c.getString("electedReplica", "")).raw("</code></td><td>").text(c.getString("electedSince", ""))
          .raw("</td><td class=\"num\">").text(String.valueOf(c.getValue("failovers", 0))).raw("</td><td class=\"num\">")
          .text(String.valueOf(c.getValue("deduplicatedSamples", 0))).raw("</td><td><ul class=\"replicas\">");
      for (Object ro : c.getJsonArray("replicas", new JsonArray())) {
        JsonObject r = (JsonObject) ro;
        boolean elected = r.getBoolean("elected", false);
        h.raw("<li").raw(elected ? " class=\"elected\"" : "").raw("><code>").text(r.getString("replica", "")).raw("</code>")
            .raw(elected ? " <span class=\"ok\">elected</span>" : "").raw(" · ").text(r.getString("lastSampleTime", "–"))
            .raw(" · ").text(r.getString("lastReceived", "–")).raw("</li>");
      }
      h.raw("</ul></td></tr>");
    }
    h.raw("</tbody></table></div></section>");
    return h.finish();
  }

  // ---------------------------------------------------------------- upstreams

  String upstreams() {
    Html h = Html.page("/upstreams", "Federation upstreams");
    FederationConfig fed = gateway.config().federation();
    h.raw("<p>/federate reads from <strong>").text(fed.source() == FederationConfig.Source.UPSTREAMS
        ? "the upstreams below" : "InfluxDB (federation.source: storage)").raw("</strong>; per-upstream timeout ")
        .text(Html.age(fed.timeout())).raw(".</p>");
    if (fed.upstreams().isEmpty()) {
      return h.empty("No federation upstreams are configured.",
          "<p>List shard Prometheus servers under <code>federation.upstreams</code> to have /federate fan out to them.</p>")
          .finish();
    }
    h.raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Upstream</th><th scope=\"col\">Up</th>"
        + "<th scope=\"col\">Last answer</th><th scope=\"col\">Latency</th><th scope=\"col\">Series last answered</th>"
        + "<th scope=\"col\">Last error</th></tr></thead><tbody>");
    long now = System.currentTimeMillis();
    for (FederationConfig.Upstream u : fed.upstreams()) {
      Metrics.Federate.Upstream m = gateway.metrics().federate.upstream(u.name());
      boolean asked = m.lastAnswerMillis > 0 || m.lastErrorMillis > 0;
      h.raw("<tr><th scope=\"row\">").text(u.name()).raw("<div><code class=\"url\">").text(Redaction.url(u.url().toString()))
          .raw("</code></div></th><td class=\"nowrap\">");
      if (!asked) {
        h.raw("<span class=\"hint\">not asked yet</span>");
      } else if (m.up.get() == 1) {
        h.raw("<span class=\"ok\">✔ up</span>");
      } else {
        h.raw("<span class=\"bad\">✘ down</span>");
      }
      h.raw("</td><td>").text(m.lastAnswerMillis == 0 ? "never" : Html.age(Duration.ofMillis(now - m.lastAnswerMillis)) + " ago")
          .raw("</td><td class=\"num\">").text(asked ? Html.num(m.lastDurationNanos / 1e6) + " ms" : "–")
          .raw("</td><td class=\"num\">").text(m.lastAnswerMillis == 0 ? "–" : Long.toString(m.lastSeries))
          .raw("</td><td class=\"err\">");
      if (m.lastErrorMillis > 0) {
        h.text(Redaction.text(m.lastError)).raw(" <span class=\"hint\">(").text(Html.age(Duration.ofMillis(now - m.lastErrorMillis)))
            .raw(" ago)</span>");
      }
      h.raw("</td></tr>");
    }
    h.raw("</tbody></table></div><p class=\"hint\">Upstreams are asked when /federate is scraped; this page shows each one's"
        + " last answer.</p>");
    return h.finish();
  }

  // ---------------------------------------------------------------- config

  String config() {
    Html h = Html.page("/config", "Configuration");
    Gateway.ReloadStatus reload = gateway.lastReload();
    h.raw("<section aria-labelledby=\"reload\"><h2 id=\"reload\">Last reload</h2><p>");
    if (reload.errors().isEmpty()) {
      h.raw("<span class=\"ok\">✔ successful</span>");
    } else {
      h.raw("<span class=\"bad\">✘ failed</span>");
    }
    h.raw(" at ").text(Html.time(reload.millis())).raw(" (SIGHUP or <code>POST /-/reload</code> rereads the file).</p>");
    reloadErrors(h, reload);
    h.raw("</section><section aria-labelledby=\"effective\"><h2 id=\"effective\">Effective configuration</h2>"
        + "<p class=\"hint\">Defaults filled in; every password, token, bearer token, bcrypt hash and URL password"
        + " is shown as <code>").text(Redaction.REDACTED).raw("</code>.</p><pre class=\"config\"><code>")
        .text(Redaction.config(gateway.config())).raw("</code></pre></section>");
    return h.finish();
  }

  // ---------------------------------------------------------------- helpers

  private static String param(HttpServerRequest req, String name) {
    String v = Query.parse(req.query()).first(name); // Go's url.ParseQuery, as every GET
    return v == null || v.length() > 4096 ? null : v;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static List<String> strings(JsonArray a) {
    return a == null ? List.of() : a.stream().map(String::valueOf).toList();
  }

  private static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
