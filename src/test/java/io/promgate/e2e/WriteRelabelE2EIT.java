package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.Await;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.testing.RealPrometheus;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code remote_write.write_relabel_configs} has the effect of Prometheus's own option: one real
 * Prometheus remote-writes twice — once relabeled by Prometheus into a plain promgate, once raw
 * into a promgate holding the same rules — and both databases end with the same series.
 */
class WriteRelabelE2EIT {
  private static final String RULES = """
      - source_labels: [__name__]
        regex: 'go_.*|process_.*'
        action: drop
      - source_labels: [__name__, job]
        regex: 'prometheus_(http|tsdb)_.*;(.*)'
        target_label: origin
        replacement: '${2}-x'
      - regex: 'instance'
        action: labeldrop
      - source_labels: [__address__]
        modulus: 3
        target_label: shard
        action: hashmod
      """;

  @Test
  void writeRelabelConfigs_sameSeriesAsPrometheusOwnRelabeling() {
    RealInfluxDb influx = RealInfluxDb.shared();
    String byPrometheus = influx.freshDatabase("e2e_relabel_prom");
    String byPromgate = influx.freshDatabase("e2e_relabel_gate");
    String storage = "storage: {influxdb: {url: '%s', database: %s}}\n";
    try (PromgateProcess plain = PromgateProcess.start(storage.formatted(influx.url(), byPrometheus));
        PromgateProcess relabeling = PromgateProcess.start(storage.formatted(influx.url(), byPromgate)
            + "remote_write:\n  write_relabel_configs:\n" + RULES.indent(4));
        RealPrometheus prometheus = RealPrometheus.start(port -> """
            global: {scrape_interval: 1s}
            scrape_configs:
              - job_name: prometheus
                static_configs: [{targets: ['127.0.0.1:%d']}]
            remote_write:
              - url: %s/api/v1/write
                queue_config: {batch_send_deadline: 1s}
                write_relabel_configs:
            %s
              - url: %s/api/v1/write
                queue_config: {batch_send_deadline: 1s}
            """.formatted(port, plain.url(), RULES.indent(6), relabeling.url()))) {
      Await.until(Duration.ofSeconds(60), "both databases hold the relabeled series", () ->
          seriesKeys(influx, byPrometheus).size() > 50 && seriesKeys(influx, byPromgate).size() > 50);
      // Series keep appearing over the first scrapes (a handler's series once it has served a
      // request), and the two queues deliver them at different moments: the sets are compared as
      // one pair read together, until they are equal. (Re-reading them afterwards raced with
      // series still appearing on one side.)
      Set<String> keys = new TreeSet<>();
      Await.until(Duration.ofSeconds(90), "same series in both databases", () -> {
        Set<String> gate = seriesKeys(influx, byPromgate);
        if (!seriesKeys(influx, byPrometheus).equals(gate)) {
          return false;
        }
        keys.addAll(gate);
        return true;
      });
      assertTrue(keys.size() > 50, "compared " + keys.size() + " series");
      assertTrue(keys.stream().noneMatch(k -> k.startsWith("go_") || k.contains("instance=")), "rules applied");
      assertTrue(keys.stream().anyMatch(k -> k.contains("origin=prometheus-x")), "replacement applied");
    }
  }

  private static Set<String> seriesKeys(RealInfluxDb influx, String db) {
    Set<String> keys = new TreeSet<>();
    for (var s : influx.select(db, "SHOW SERIES")) {
      for (var row : s.rows()) {
        keys.add(row.get(0).asText());
      }
    }
    return keys;
  }
}
