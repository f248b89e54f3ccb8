package io.promgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HaTrackerConfigTest {
  @Test
  void parse_absent_offWithMimirDefaults() throws Exception {
    assertEquals(new HaTrackerConfig(false, "cluster", "__replica__", Duration.ofSeconds(30), false),
        PromgateConfig.parse("t", "").remoteWrite().haTracker());
  }

  @Test
  void parse_everyKey_read() throws Exception {
    HaTrackerConfig c = PromgateConfig.parse("t", """
        remote_write:
          ha_tracker:
            enabled: true
            cluster_label: prom_cluster
            replica_label: prom_replica
            failover_timeout: 5s
            drop_cluster_label: true
        """).remoteWrite().haTracker();
    assertEquals(new HaTrackerConfig(true, "prom_cluster", "prom_replica", Duration.ofSeconds(5), true), c);
  }

  @Test
  void parse_badValues_eachNamedByKey() {
    var e = assertThrows(ConfigException.class, () -> PromgateConfig.parse("t", """
        remote_write:
          ha_tracker:
            enabled: maybe
            cluster_label: ""
            replica_label: "bad-name"
            failover_timeout: 30 seconds
            drop_cluster: true
        """));
    assertEquals(List.of(
        "remote_write.ha_tracker.enabled: expected true or false, got \"maybe\"",
        "remote_write.ha_tracker.cluster_label: must not be empty",
        "remote_write.ha_tracker.replica_label: not a valid label name: \"bad-name\"",
        "remote_write.ha_tracker.failover_timeout: not a positive duration (like 30s, 1m, 1h30m, 500ms): \"30 seconds\"",
        "remote_write.ha_tracker: unknown field \"drop_cluster\""), e.errors());
  }

  @Test
  void parse_sameLabelTwiceOrTinyTimeout_rejected() {
    var e = assertThrows(ConfigException.class, () -> PromgateConfig.parse("t", """
        remote_write:
          ha_tracker: {cluster_label: x, replica_label: x, failover_timeout: 50ms}
        """));
    assertEquals(List.of(
        "remote_write.ha_tracker.replica_label: must differ from cluster_label, both are \"x\"",
        "remote_write.ha_tracker.failover_timeout: must be at least 100ms, got 50ms"), e.errors());
  }
}
