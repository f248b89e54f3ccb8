package io.promgate.shard;

import java.util.List;
import java.util.Map;

/**
 * One Prometheus target group as a source discovered it ({@code discovery/targetgroup}): the
 * targets' {@code __address__} values and the labels they share, including the meta label the
 * source adds ({@code __meta_filepath}, {@code __meta_url}). These are the labels a slave
 * Prometheus must be handed back, unrelabeled, so that it relabels them itself.
 *
 * @param source where the group came from, as Prometheus names it ({@code <file>:<i>})
 * @param labels sorted by name; values kept verbatim, an empty one included
 */
record TargetGroup(String source, List<String> targets, Map<String, String> labels) {}
