package io.promgate.ui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** /ha from the {@code GET /api/v1/ha} data shape of CONTRACTS.md. */
class HaPageTest {
  @Test
  void ha_noTrackerOrDisabled_emptyState() {
    assertTrue(Pages.ha(null).contains("The HA tracker is off."));
    assertTrue(Pages.ha(new JsonObject("{\"enabled\":false,\"clusters\":[]}")).contains("The HA tracker is off."));
  }

  @Test
  void ha_enabledNoClusters_saysSo() {
    assertTrue(Pages.ha(new JsonObject("{\"enabled\":true,\"clusters\":[]}")).contains("No HA cluster has written yet."));
  }

  @Test
  void ha_clusters_electedReplicaFailoversAndLastSamples_escaped() {
    String html = Pages.ha(new JsonObject("""
        {"enabled":true, "clusterLabel":"cluster", "replicaLabel":"__replica__",
         "failoverTimeoutSeconds":30.0, "dropClusterLabel":false,
         "clusters":[
           {"cluster":"c1", "electedReplica":"a", "electedSince":"2026-12-03T14:00:00Z",
            "failovers":1, "deduplicatedSamples":1234,
            "replicas":[{"replica":"a","elected":true,"lastSampleTime":"2026-12-03T14:05:00Z","lastReceived":"2026-12-03T14:05:01Z"},
                        {"replica":"<script>b</script>","elected":false,"lastSampleTime":"2026-12-03T14:01:00Z","lastReceived":"2026-12-03T14:01:02Z"}]}]}
        """));
    assertTrue(html.contains("<th scope=\"row\"><code>c1</code></th><td><code>a</code></td><td>2026-12-03T14:00:00Z</td>"
        + "<td class=\"num\">1</td><td class=\"num\">1234</td>"), html);
    assertTrue(html.contains("<li class=\"elected\"><code>a</code> <span class=\"ok\">elected</span> · 2026-12-03T14:05:00Z"
        + " · 2026-12-03T14:05:01Z</li>"), html);
    assertTrue(html.contains("<code>&lt;script&gt;b&lt;/script&gt;</code>"), html);
    assertFalse(html.contains("<script>b"), html);
    assertTrue(html.contains("<dt>Failover timeout</dt><dd>30 s</dd>"), html);
  }
}
