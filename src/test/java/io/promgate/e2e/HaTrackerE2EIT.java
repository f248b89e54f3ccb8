package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's scenario on real servers: two Prometheus replicas of cluster c1 (external labels
 * {@code cluster=c1, __replica__=a|b}, 1 s scrape interval, both scraping the same two targets),
 * replica a writing only to promgate 1 and replica b only to promgate 2 — the worst case, where
 * the two promgates must agree through InfluxDB alone — and one InfluxDB. Then: stop the elected
 * replica, start it again, stop the other. Every stored series must hold one replica's samples at
 * about one per second, with no {@code __replica__} tag, no gap longer than failover_timeout plus
 * a few scrape intervals, and never two replicas' samples at once.
 */
class HaTrackerE2EIT {
  private static final int FAILOVER_TIMEOUT_S = 5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String promgateYml(RealInfluxDb influx, String db) {
    return """
        storage: {influxdb: {url: '%s', database: %s}}
        remote_write:
          ha_tracker: {enabled: true, failover_timeout: %ds}
        """.formatted(influx.url(), db, FAILOVER_TIMEOUT_S);
  }

  private static RealPrometheus replica(String name, PromgateProcess to, PromgateProcess... targets) {
    StringBuilder t = new StringBuilder();
    for (PromgateProcess p : targets) {
      t.append(t.isEmpty() ? "" : ", ").append('\'').append(p.url().substring("http://".length())).append('\'');
    }
    return RealPrometheus.start("""
        global:
          scrape_interval: 1s
          external_labels: {cluster: c1, __replica__: %s}
        scrape_configs:
          - job_name: promgate
            static_configs: [{targets: [%s]}]
            metric_relabel_configs:
              - {source_labels: [__name__], regex: 'promgate_remote_write_requests_total|process_uptime_seconds', action: keep}
        remote_write:
          - url: %s/api/v1/write
            queue_config: {batch_send_deadline: 1s, min_backoff: 50ms, max_backoff: 1s}
        """.formatted(name, t, to.url()));
  }

  private static JsonNode ha(PromgateProcess p) {
    try {
      return JSON.readTree(Http.get(p.url() + "/api/v1/ha").body()).path("data");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String elected(PromgateProcess p) {
    return ha(p).path("clusters").path(0).path("electedReplica").asText(null);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void twoReplicasTwoPromgates_oneCopyStoredThroughFailoverAndRestart() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    String db = influx.freshDatabase("e2e_ha");
    try (PromgateProcess pg1 = PromgateProcess.start(promgateYml(influx, db));
        PromgateProcess pg2 = PromgateProcess.start(promgateYml(influx, db))) {
      RealPrometheus a = replica("a", pg1, pg1, pg2);
      RealPrometheus b = replica("b", pg2, pg1, pg2);
      RealPrometheus aAgain = null;
      try {
        Await.until(Duration.ofSeconds(30), "both promgates elected the same replica", () -> {
          String e1 = elected(pg1);
          return e1 != null && !e1.equals("null") && e1.equals(elected(pg2));
        });
        long from = System.currentTimeMillis() + 3000; // warm-up over
        sleep(10_000);
        String first = elected(pg1);
        RealPrometheus firstProm = first.equals("a") ? a : b;
        PromgateProcess otherPg = first.equals("a") ? pg2 : pg1;
        String second = first.equals("a") ? "b" : "a";

        // 1. the elected replica stops: the other takes over, on both promgates
        firstProm.stop();
        Await.until(Duration.ofSeconds(30), "failover to " + second, () -> second.equals(elected(otherPg)));
        Await.until(Duration.ofSeconds(10), "both promgates agree", () -> second.equals(elected(pg1)) && second.equals(elected(pg2)));
        sleep(5_000);

        // 2. it comes back (a fresh process, same replica label): it must not take over
        aAgain = first.equals("a") ? replica("a", pg1, pg1, pg2) : replica("b", pg2, pg1, pg2);
        PromgateProcess firstPg = first.equals("a") ? pg1 : pg2;
        Await.until(Duration.ofSeconds(30), first + " is writing again", () -> {
          for (JsonNode r : ha(firstPg).path("clusters").path(0).path("replicas")) {
            if (r.path("replica").asText().equals(first)) {
              return Instant.parse(r.path("lastReceived").asText()).toEpochMilli() > System.currentTimeMillis() - 1500;
            }
          }
          return false;
        });
        sleep(10_000);
        assertEquals(second, elected(pg1), "no flapping back");
        assertEquals(second, elected(pg2), "no flapping back");

        // 3. the second stops: the restarted first takes over again
        (first.equals("a") ? b : a).stop();
        Await.until(Duration.ofSeconds(30), "failover back to " + first,
            () -> first.equals(elected(pg1)) && first.equals(elected(pg2)));
        sleep(6_000);
        long to = System.currentTimeMillis() - 2000;
        JsonNode status = ha(pg1);
        assertTrue(status.path("enabled").asBoolean());
        assertEquals("__replica__", status.path("replicaLabel").asText());
        assertEquals(2, status.path("clusters").path(0).path("failovers").asLong(), status.toString());
        assertTrue(status.path("clusters").path(0).path("deduplicatedSamples").asLong() > 0, status.toString());

        // What InfluxDB holds
        String tagKeys = influx.queryText(db, "SHOW TAG KEYS");
        assertFalse(tagKeys.contains("__replica__"), tagKeys);
        List<RealInfluxDb.Series> stored = influx.select(db, "SELECT \"value\" FROM \"promgate_remote_write_requests_total\","
            + "\"process_uptime_seconds\",\"up\" WHERE time >= " + from + "ms AND time <= " + to + "ms GROUP BY *");
        assertTrue(stored.size() >= 4, "series: " + stored.size());
        long limitGap = (FAILOVER_TIMEOUT_S + 4) * 1000L;
        long worstGap = 0;
        int doubled = 0;
        List<String> report = new ArrayList<>();
        for (RealInfluxDb.Series s : stored) {
          assertEquals("c1", s.tags().get("cluster"), s.tags().toString());
          List<Long> times = new ArrayList<>();
          for (List<JsonNode> row : s.rows()) {
            times.add(row.get(0).asLong());
          }
          long gap = times.get(0) - from;
          int close = 0;
          for (int i = 1; i < times.size(); i++) {
            long d = times.get(i) - times.get(i - 1);
            gap = Math.max(gap, d);
            if (d < 700) { // two replicas' scrapes of one target, interleaved (1 s apart each)
              close++;
            }
          }
          gap = Math.max(gap, to - times.get(times.size() - 1));
          worstGap = Math.max(worstGap, gap);
          doubled += close;
          double perSecond = times.size() * 1000.0 / (to - from);
          report.add(s.name() + s.tags() + ": " + times.size() + " samples, " + String.format("%.2f", perSecond)
              + "/s, longest gap " + gap + " ms, close pairs " + close);
          assertTrue(gap <= limitGap, "gap " + gap + " ms in " + s.name() + s.tags());
          assertTrue(perSecond > 0.6 && perSecond < 1.1, report.get(report.size() - 1));
        }
        System.out.println("HA e2e, " + (to - from) / 1000 + " s window:\n  " + String.join("\n  ", report));
        assertEquals(0, doubled, "samples of two replicas interleaved: " + report);
        assertTrue(worstGap > FAILOVER_TIMEOUT_S * 1000L, "a failover gap must show: " + worstGap);
      } catch (AssertionError | RuntimeException e) {
        System.out.println("pg1 log:\n" + pg1.logTail() + "\npg2 log:\n" + pg2.logTail());
        throw e;
      } finally {
        a.close();
        b.close();
        if (aAgain != null) {
          aAgain.close();
        }
      }
    }
  }
}
