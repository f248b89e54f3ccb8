package io.promgate.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.relabel.Relabeler;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The UI's routes in the suite's promgate (sharding from {@code ShardingFixture}): pages and their
 * headers, the relabel API's answers and limits. The browser tests are {@link UiBrowserIT}.
 */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class UiRoutesTest {
  @TestHTTPResource("/")
  URL root;

  private String url(String path) {
    return root.toString().replaceAll("/$", "") + path;
  }

  @Test
  void pages_get_htmlWithCspAndNosniff() {
    for (String path : UiRoutes.PAGES) {
      Http.Response r = Http.get(url(path));
      assertEquals(200, r.status(), path);
      assertEquals(UiRoutes.CSP, r.headers().firstValue("Content-Security-Policy").orElse(""), path);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
      assertTrue(r.body().startsWith("<!doctype html>"), path);
      assertTrue(!r.body().contains("<script>") && !r.body().contains(" style="), path + ": no inline script or style");
    }
  }

  @Test
  void pages_post_405WithAllow() {
    Http.Response r = Http.post(url("/shards"), "");
    assertEquals(405, r.status());
    assertEquals("GET", r.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void assets_served_withTypes() {
    assertEquals("text/javascript; charset=utf-8", Http.get(url("/ui/app.js")).headers().firstValue("Content-Type").orElse(""));
    assertEquals("text/css; charset=utf-8", Http.get(url("/ui/app.css")).headers().firstValue("Content-Type").orElse(""));
    assertEquals(404, Http.get(url("/ui/nothing.js")).status());
  }

  @Test
  void relabelApi_labelsAndRules_stepsAndDroppingRule() {
    Http.Response r = Http.post(url(UiRoutes.RELABEL_API), new JsonObject()
        .put("labels", "{a=\"1\", b=\"<script>\"}")
        .put("relabel_configs", "- {source_labels: [b], target_label: c}\n- {source_labels: [a], regex: '1', action: drop}\n")
        .encode());
    assertEquals(200, r.status(), r.body());
    JsonObject data = new JsonObject(r.body()).getJsonObject("data");
    assertEquals(1, data.getInteger("droppedBy"));
    assertEquals("<script>", data.getJsonArray("steps").getJsonObject(0).getJsonObject("labels").getString("c"));
  }

  @Test
  void relabelApi_discoveredTarget_shardingRulesAndHash() {
    Http.Response r = Http.post(url(UiRoutes.RELABEL_API), "{\"target\": \"localhost:31007\"}");
    assertEquals(200, r.status(), r.body());
    JsonObject out = new JsonObject(r.body()).getJsonObject("data").getJsonObject("output");
    // The fixture hashes localhost:p as 127.0.0.1:p.
    assertEquals(String.valueOf(Relabeler.hashmod("127.0.0.1:31007", 4)), out.getString("__tmp_promgate_shard"));
  }

  @Test
  void relabelApi_badInput_400WithReason() {
    Http.Response notJson = Http.post(url(UiRoutes.RELABEL_API), "nope");
    assertEquals(400, notJson.status());
    assertEquals("request body is not a JSON object", new JsonObject(notJson.body()).getString("error"));
    Http.Response badRule = Http.post(url(UiRoutes.RELABEL_API), "{\"labels\": {}, \"relabel_configs\": \"- {action: nope}\"}");
    assertEquals(400, badRule.status());
    assertTrue(new JsonObject(badRule.body()).getString("error").startsWith("relabel_configs[0].action"), badRule.body());
    Http.Response unknown = Http.post(url(UiRoutes.RELABEL_API), "{\"target\": \"no-such:1\"}");
    assertEquals("target: no discovered target \"no-such:1\"", new JsonObject(unknown.body()).getString("error"));
  }

  @Test
  void relabelApi_bodyOverLimit_413() {
    Http.Response r = Http.post(url(UiRoutes.RELABEL_API), "x".repeat(RelabelDebug.MAX_INPUT_BYTES + 1));
    assertEquals(413, r.status());
    assertEquals("request body over 65536 bytes (the relabel debugger's limit)\n", r.body());
  }

  @Test
  void relabelForm_post_rendersResultEscaped() {
    Http.Response r = Http.post(url("/relabel"),
        "labels=" + Http.param("{x=\"<script>alert(1)</script>\"}") + "&config=" + Http.param("- {regex: x, action: labeldrop}"),
        "Content-Type", "application/x-www-form-urlencoded");
    assertEquals(200, r.status());
    assertTrue(r.body().contains("<li class=\"del\">"), r.body());
    assertTrue(r.body().contains("x=&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"), r.body());
    assertTrue(!r.body().contains("<script>alert"), "never unescaped");
  }

  @Test
  void ha_noTracker_emptyState() {
    assertTrue(Http.get(url("/ha")).body().contains("The HA tracker is off."));
  }
}
