package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;

/** {@code static_configs}: fixed groups, "refreshed" once at start. */
final class StaticSource extends TargetSource {
  private final List<TargetGroup> configured;

  StaticSource(List<ShardingConfig.StaticConfig> configs, Metrics.Shards.Source meters) {
    super("static_configs", meters);
    List<TargetGroup> gs = new ArrayList<>(configs.size());
    for (int i = 0; i < configs.size(); i++) {
      ShardingConfig.StaticConfig c = configs.get(i);
      gs.add(new TargetGroup(String.valueOf(i), c.targets(), c.labels()));
    }
    this.configured = List.copyOf(gs);
  }

  @Override
  void begin() {
    refreshDone(configured, null);
  }
}
