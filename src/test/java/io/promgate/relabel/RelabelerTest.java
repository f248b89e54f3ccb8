package io.promgate.relabel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.model.Labels;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

class RelabelerTest {

  static Stream<Arguments> conformanceVectors() throws Exception {
    List<Map<String, Object>> vectors;
    try (InputStream in = RelabelerTest.class.getResourceAsStream("conformance.yml")) {
      vectors = new Yaml().load(in);
    }
    return vectors.stream()
        .map(v -> Arguments.of(
            v.get("name"),
            labels(v.get("in")),
            v.get("rules"),
            Boolean.TRUE.equals(v.get("dropped")) ? null : labels(v.get("out"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conformanceVectors")
  void apply_conformanceVector_matchesPrometheus(
      String name, Labels in, List<?> rules, Labels expected) {
    Relabeler relabeler = relabeler(rules);

    assertEquals(expected, relabeler.apply(in));
  }

  static Stream<Arguments> hashmodVectors() {
    return Stream.of(
        // SPEC.md §6, table and extra values
        Arguments.of("baz", 1000L, 976L),
        Arguments.of("foo\nbar", 1000L, 734L),
        Arguments.of("localhost:9100", 4L, 3L),
        Arguments.of("127.0.0.1:9090", 8L, 6L),
        Arguments.of("", 1000L, 958L),
        Arguments.of("foo;bar", 1000L, 750L),
        // md5 bytes 8..15 of "baz" are 16450797887570275976 > Long.MAX_VALUE: unsigned throughout
        Arguments.of("baz", -1L, Long.parseUnsignedLong("16450797887570275976")));
  }

  @ParameterizedTest(name = "hashmod({0}, {1}) = {2}")
  @MethodSource("hashmodVectors")
  void hashmod_vectorFromSpec_matches(String value, long modulus, long expected) {
    assertEquals(expected, Relabeler.hashmod(value, modulus));
  }

  @Test
  void hashmod_signedRemainder_wouldDiffer() {
    // Guards the reason for remainderUnsigned: the digest bits of "baz" are negative as a long.
    long bits = Long.parseUnsignedLong("16450797887570275976");
    assertTrue(bits % 1000 != 976);
    assertEquals(976, Relabeler.hashmod("baz", 1000));
  }

  @Test
  void hashmod_anyValue_matchesBigIntegerReference() throws Exception {
    String[] values = {"a", "ünï", "日本語", "emoji \uD83D\uDE00", "x".repeat(1000), "\u0000"};
    long[] moduli = {1, 2, 7, 1000, Long.MAX_VALUE, -1};
    for (String v : values) {
      byte[] md5 = MessageDigest.getInstance("MD5").digest(v.getBytes(StandardCharsets.UTF_8));
      BigInteger low = new BigInteger(1, Arrays.copyOfRange(md5, 8, 16));
      for (long m : moduli) {
        BigInteger expected = low.mod(new BigInteger(Long.toUnsignedString(m)));
        assertEquals(expected.longValue(), Relabeler.hashmod(v, m), v + " mod " + m);
      }
    }
  }

  @Test
  void hashmod_loneSurrogate_hashesLikeGetBytes() throws Exception {
    String v = "a\uD800b";
    byte[] md5 = MessageDigest.getInstance("MD5").digest(v.getBytes(StandardCharsets.UTF_8));
    BigInteger low = new BigInteger(1, Arrays.copyOfRange(md5, 8, 16));
    long expected = low.mod(BigInteger.TEN).longValue();

    assertEquals(expected, Relabeler.hashmod(v, 10));
  }

  @Test
  void hashmod_zeroModulus_rejects() {
    assertThrows(IllegalArgumentException.class, () -> Relabeler.hashmod("a", 0));
  }

  @Test
  void apply_noRules_isEmptyAndReturnsInput() {
    Relabeler relabeler = Relabeler.of(List.of());
    Labels in = Labels.of("a", "b");

    assertTrue(relabeler.isEmpty());
    assertSame(in, relabeler.apply(in));
  }

  @Test
  void apply_rulesThatChangeNothing_returnInputInstance() {
    Relabeler relabeler = relabeler(new Yaml().load("""
        - {source_labels: [a], regex: "f.*", action: keep}
        - {source_labels: [a], target_label: a}
        - {regex: "(.*)", replacement: "$1", action: labelmap}
        - {regex: "zzz", action: labeldrop}
        - {source_labels: [a], target_label: a, action: lowercase}
        """));
    Labels in = Labels.of("a", "foo", "b", "bar");

    assertSame(in, relabeler.apply(in));
  }

  @Test
  void apply_sameRelabelerCalledAgain_startsFromTheNewInput() {
    Relabeler relabeler = relabeler(new Yaml().load("""
        - {source_labels: [a], regex: "x(.*)", target_label: b}
        - {regex: "c", replacement: "d", action: labelmap}
        """));
    Labels first = Labels.of("a", "x1", "c", "3");
    Labels second = Labels.of("a", "y");

    assertEquals(Labels.of("a", "x1", "b", "1", "c", "3", "d", "3"), relabeler.apply(first));
    assertSame(second, relabeler.apply(second));
  }

  @Test
  void apply_afterADrop_nextCallIsUnaffected() {
    Relabeler relabeler = relabeler(new Yaml().load("""
        - {source_labels: [a], target_label: b, replacement: "x"}
        - {source_labels: [a], regex: "drop", action: drop}
        """));

    assertNull(relabeler.apply(Labels.of("a", "drop")));
    assertEquals(Labels.of("a", "keep", "b", "x"), relabeler.apply(Labels.of("a", "keep")));
  }

  @Test
  void apply_manyThreads_eachGetsItsOwnScratch() throws Exception {
    Relabeler relabeler = relabeler(new Yaml().load("""
        - source_labels: [i, j]
          separator: "-"
          regex: "(\\\\d+)-(\\\\d+)"
          target_label: k
          replacement: "$2.$1"
        - {source_labels: [i], target_label: shard, modulus: 4, action: hashmod}
        """));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int n = 0; n < 2000; n++) {
            String i = Integer.toString(n);
            String j = Integer.toString(thread);
            Labels out = relabeler.apply(Labels.of("i", i, "j", j));
            assertEquals(j + "." + i, out.get("k"));
            assertEquals(Long.toString(Relabeler.hashmod(i, 4)), out.get("shard"));
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void configs_returnsTheRulesInOrder() {
    List<String> errors = new ArrayList<>();
    List<RelabelConfig> configs = RelabelConfigs.parse(
        new Yaml().load("[{target_label: a}, {regex: b, action: drop}]"), "r", errors);

    assertEquals(configs, Relabeler.of(configs).configs());
    assertEquals(List.of(), errors);
  }

  static Relabeler relabeler(List<?> rules) {
    List<String> errors = new ArrayList<>();
    List<RelabelConfig> configs = RelabelConfigs.parse(rules, "relabel_configs", errors);
    assertEquals(List.of(), errors);
    return Relabeler.of(configs);
  }

  private static Labels labels(Object yamlMap) {
    Map<String, String> m = new LinkedHashMap<>();
    if (yamlMap != null) {
      ((Map<?, ?>) yamlMap).forEach((k, v) -> m.put(String.valueOf(k), String.valueOf(v)));
    }
    return Labels.of(m);
  }
}
