package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.model.Labels;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpositionWriterTest {

  private static String write(Map<String, String> ext, List<String> dedup, Family... families) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExpositionWriter w = new ExpositionWriter(ext, dedup, (b, n) -> out.write(b, 0, n));
    for (Family f : families) {
      w.family(f);
    }
    w.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A series as an upstream wrote it: alternating names and values, in its order. */
  private static Series upstream(double v, long ts, String... written) {
    Labels.Builder b = new Labels.Builder();
    for (int i = 0; i < written.length; i += 2) {
      b.set(written[i], written[i + 1]);
    }
    Labels l = b.build();
    return new Series(l, l, written, v, ts, true);
  }

  /** A series from storage: written in label-name order. */
  private static Series stored(double v, long ts, String... labels) {
    Labels l = Labels.of(labels);
    return new Series(l, l, null, v, ts, true);
  }

  private static Family family(String name, Series... s) {
    return new Family(name, new ArrayList<>(List.of(s)));
  }

  @Test
  void family_noExternalLabels_typeLineAndInstanceMarker() {
    assertEquals("""
        # TYPE up untyped
        up{job="j",instance=""} 1 1700000000000
        up{instance="h:1",job="j"} 0 1700000000001
        """, write(Map.of(), List.of(),
            family("up", stored(1, 1_700_000_000_000L, "job", "j"), stored(0, 1_700_000_000_001L, "job", "j", "instance", "h:1"))));
  }

  @Test
  void family_externalLabels_appendedSortedWhenAbsent_seriesValueWins() {
    Map<String, String> ext = Map.of("zone", "z", "gateway", "gw-1");
    assertEquals("""
        # TYPE m untyped
        m{job="j",gateway="gw-1",instance="",zone="z"} 1 5
        m{job="k",zone="q",gateway="gw-1",instance=""} 2 6
        """, write(ext, List.of(), family("m", stored(1, 5, "job", "j"), upstream(2, 6, "job", "k", "zone", "q"))));
  }

  @Test
  void family_upstreamOrderAndItsInstanceMarker_keptAsWritten() {
    // What a shard Prometheus with external label shard="0" writes for a series without instance.
    assertEquals("""
        # TYPE m untyped
        m{job="j",instance="",shard="0",gateway="gw-1"} 1 5
        """, write(Map.of("gateway", "gw-1"), List.of(),
            family("m", upstream(1, 5, "job", "j", "instance", "", "shard", "0"))));
  }

  @Test
  void family_configuredInstance_replacesEmptyInstance() {
    assertEquals("""
        # TYPE m untyped
        m{job="j",instance="gw"} 1 5
        m{instance="h",job="j"} 1 5
        """, write(Map.of("instance", "gw"), List.of(),
            family("m", upstream(1, 5, "job", "j", "instance", ""), upstream(1, 5, "instance", "h", "job", "j"))));
  }

  @Test
  void family_emptyUpstreamLabel_isAbsentSoExternalLabelFillsIt() {
    assertEquals("""
        # TYPE m untyped
        m{job="j",gateway="gw",instance=""} 1 5
        """, write(Map.of("gateway", "gw"), List.of(), family("m", upstream(1, 5, "gateway", "", "job", "j"))));
  }

  @Test
  void family_dedupLabels_leftOut() {
    assertEquals("""
        # TYPE m untyped
        m{job="j",shard="0",instance=""} 1 5
        """, write(Map.of(), List.of("replica"), family("m", upstream(1, 5, "job", "j", "replica", "a", "shard", "0"))));
  }

  @Test
  void family_labelValues_escapedUtf8() {
    assertEquals("# TYPE m untyped\nm{a=\"q\\\"b\\\\s\\nl\",b=\"é✓\",instance=\"\"} 1.5e-07\n",
        write(Map.of(), List.of(), family("m",
            new Series(Labels.of("a", "q\"b\\s\nl", "b", "é✓"), Labels.of("a", "q\"b\\s\nl", "b", "é✓"), null,
                1.5e-7, 0, false))));
  }

  @Test
  void family_specialValuesAndNegativeTimestamp() {
    assertEquals("""
        # TYPE m untyped
        m{i="1",instance=""} NaN -1
        m{i="2",instance=""} +Inf 0
        m{i="3",instance=""} -Inf 9223372036854775807
        m{i="4",instance=""} 1e+06 -9223372036854775808
        """, write(Map.of(), List.of(), family("m", stored(Double.NaN, -1, "i", "1"),
            stored(Double.POSITIVE_INFINITY, 0, "i", "2"), stored(Double.NEGATIVE_INFINITY, Long.MAX_VALUE, "i", "3"),
            stored(1e6, Long.MIN_VALUE, "i", "4"))));
  }

  @Test
  void family_large_handedOverInBoundedChunks() {
    List<Series> many = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      many.add(stored(i, 1_700_000_000_000L + i, "i", String.valueOf(i), "job", "bench"));
    }
    List<byte[]> chunks = new ArrayList<>();
    ExpositionWriter w = new ExpositionWriter(Map.of(), List.of(), (b, n) -> chunks.add(Arrays.copyOf(b, n)));
    w.family(new Family("big", many));
    w.flush();
    assertTrue(chunks.size() > 10, "chunks: " + chunks.size());
    for (byte[] c : chunks) {
      assertTrue(c.length < ExpositionWriter.CHUNK + 200, "chunk of " + c.length);
    }
    assertEquals(20_000, w.seriesWritten());
    String text = new String(chunks.get(chunks.size() - 1), StandardCharsets.UTF_8);
    assertTrue(text.endsWith("big{i=\"19999\",job=\"bench\",instance=\"\"} 19999 1700000019999\n"), text);
  }
}
