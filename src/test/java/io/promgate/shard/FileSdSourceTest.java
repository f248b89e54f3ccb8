package io.promgate.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.promgate.config.ConfigException;
import io.promgate.config.PromgateConfig;
import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.promgate.testing.Await;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** file_sd: globbing, change detection, last good targets on errors, removal, the refresh loop. */
class FileSdSourceTest {
  @TempDir
  Path dir;

  private Vertx vertx;
  private Metrics.Shards meters;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    meters = new Metrics(new SimpleMeterRegistry()).shards;
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private FileSdSource source(String files, String refresh) {
    try {
      ShardingConfig c = PromgateConfig.parse(dir.resolve("promgate.yml").toString(),
          "sharding: {modulus: 2, file_sd_configs: [{files: " + files + ", refresh_interval: " + refresh + "}]}")
          .sharding();
      return new FileSdSource("file_sd_configs[0]", vertx.getOrCreateContext(), c.fileSdConfigs().get(0),
          meters.source("file_sd_configs[0]"));
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  /** Makes a rewrite visible even within one mtime tick: sizes may be equal. */
  private static void touch(Path p, long secondsAhead) throws IOException {
    Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() + secondsAhead * 1000));
  }

  private static TargetGroup group(Path file, int i, List<String> targets, Map<String, String> labels) {
    TreeMap<String, String> l = new TreeMap<>(labels);
    l.put("__meta_filepath", file.toString());
    return new TargetGroup(file + ":" + i, targets, l);
  }

  @Test
  void scan_globs_matchingFilesSortedWithMetaFilepath() throws IOException {
    Path b = write("b.json", "[{\"targets\": [\"b:1\"]}]");
    Path a = write("a.yml", "- targets: ['a:1', 'a:2']\n  labels: {env: x}\n");
    write("c.txt", "not a target file");
    write("d.yaml", "- targets: ['d:1']\n");

    FileSdSource.Scan s = source("['*.json', '*.yml']", "5m").scan(true);

    assertNull(s.error());
    assertEquals(List.of(
        group(b, 0, List.of("b:1"), Map.of()),
        group(a, 0, List.of("a:1", "a:2"), Map.of("env", "x"))), s.groups());
  }

  @Test
  void scan_relativePattern_joinedWithTheConfigDirectory() throws IOException {
    Files.createDirectory(dir.resolve("t"));
    Path f = write("t/x.json", "[{\"targets\": [\"x:1\"]}]");
    FileSdSource.Scan s = source("['t/*.json']", "5m").scan(true);
    assertEquals(List.of(group(f, 0, List.of("x:1"), Map.of())), s.groups());
  }

  @Test
  void scan_unchangedFiles_notReread() throws IOException {
    write("a.json", "[{\"targets\": [\"a:1\"]}]");
    FileSdSource src = source("['*.json']", "5m");
    src.scan(true);

    FileSdSource.Scan again = src.scan(false);

    assertFalse(again.refreshed());
    assertNull(again.groups());
  }

  @Test
  void scan_changedFile_rereadWithoutFullRefresh() throws IOException {
    Path a = write("a.json", "[{\"targets\": [\"a:1\"]}]");
    FileSdSource src = source("['*.json']", "5m");
    src.scan(true);
    Files.writeString(a, "[{\"targets\": [\"a:2\"]}]");
    touch(a, 2);

    FileSdSource.Scan s = src.scan(false);

    assertTrue(s.refreshed());
    assertEquals(List.of(group(a, 0, List.of("a:2"), Map.of())), s.groups());
  }

  @Test
  void scan_malformedFile_keepsItsLastGoodGroupsAndSaysWhy() throws IOException {
    Path a = write("a.json", "[{\"targets\": [\"a:1\"]}]");
    Path b = write("b.json", "[{\"targets\": [\"b:1\"]}]");
    FileSdSource src = source("['*.json']", "5m");
    src.scan(true);
    Files.writeString(a, "[{\"targets\": [\"a:1\"], \"labels\": {\"bad-name\": \"x\"}}]");
    touch(a, 2);

    FileSdSource.Scan s = src.scan(false);

    assertTrue(s.refreshed());
    assertEquals(a + ": [0].labels: \"bad-name\" is not a valid label name", s.error());
    assertNull(s.groups()); // unchanged: a.json's last good groups stay
    // Not re-read (nor reported again) until it changes or the next full refresh.
    assertFalse(src.scan(false).refreshed());
    FileSdSource.Scan full = src.scan(true);
    assertEquals(a + ": [0].labels: \"bad-name\" is not a valid label name", full.error());
    assertEquals(List.of(group(a, 0, List.of("a:1"), Map.of()), group(b, 0, List.of("b:1"), Map.of())),
        full.groups());
  }

  @Test
  void scan_newFileNeverGood_errorAndNoGroupsFromIt() throws IOException {
    Path a = write("a.yml", "- targets: ['a:1'\n");
    FileSdSource.Scan s = source("['*.yml']", "5m").scan(true);
    assertTrue(s.error().startsWith(a + ": invalid YAML: "), s.error());
    assertEquals(List.of(), s.groups());
  }

  @Test
  void scan_deletedFile_itsTargetsGone() throws IOException {
    Path a = write("a.json", "[{\"targets\": [\"a:1\"]}]");
    Path b = write("b.json", "[{\"targets\": [\"b:1\"]}]");
    FileSdSource src = source("['*.json']", "5m");
    src.scan(true);
    Files.delete(a);

    FileSdSource.Scan s = src.scan(false);

    assertNull(s.error());
    assertEquals(List.of(group(b, 0, List.of("b:1"), Map.of())), s.groups());
  }

  @Test
  void scan_missingDirectoryOrFile_noTargetsNoError() {
    FileSdSource.Scan s = source("['nowhere/*.json', 'absent.json']", "5m").scan(true);
    assertNull(s.error());
    assertEquals(List.of(), s.groups());
  }

  @Test
  void scan_literalPath_readWithoutListing() throws IOException {
    Path a = write("only.json", "[{\"targets\": [\"o:1\"]}]");
    write("other.json", "[{\"targets\": [\"x:1\"]}]");
    assertEquals(List.of(group(a, 0, List.of("o:1"), Map.of())), source("['only.json']", "5m").scan(true).groups());
  }

  @Test
  void scan_oversizedFile_refusedBeforeReading() throws IOException {
    Path big = dir.resolve("big.json");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(TargetGroups.MAX_BYTES + 1L); // sparse: nothing written, nothing read
    }
    FileSdSource.Scan s = source("['*.json']", "5m").scan(true);
    assertEquals(big + ": file too large: 16777217 bytes, the limit is 16777216", s.error());
  }

  @Test
  void scan_invalidUtf8Yaml_rejected() throws IOException {
    Path a = dir.resolve("a.yml");
    Files.write(a, new byte[] {'-', ' ', 't', 'a', 'r', 'g', 'e', 't', 's', ':', ' ', '[', (byte) 0xff, ']'});
    assertEquals(a + ": invalid YAML: not valid UTF-8", source("['*.yml']", "5m").scan(true).error());
  }

  @Test
  void start_changedFile_pickedUpWithinTheWatchInterval() throws Exception {
    Path a = write("a.json", "[{\"targets\": [\"a:1\"]}]");
    FileSdSource src = source("['*.json']", "1h");
    AtomicInteger changes = new AtomicInteger();
    src.start(changes::incrementAndGet);
    try {
      Await.until(Duration.ofSeconds(5), "first read", () -> src.refreshed());
      assertEquals(List.of("a:1"), src.groups().get(0).targets());
      assertEquals(1, changes.get());

      Files.writeString(a, "[{\"targets\": [\"a:1\", \"a:2\"]}]");
      Await.until(FileSdSource.WATCH_INTERVAL.plusSeconds(5), "change seen",
          () -> src.groups().get(0).targets().size() == 2);
      assertEquals(2, changes.get());
      assertEquals(2, src.targetCount());
      assertEquals(2, meters.source("file_sd_configs[0]").targets.get());

      Files.writeString(a, "[{\"targets\": [\"a:1\", \"a:2\"]}, oops");
      Await.until(FileSdSource.WATCH_INTERVAL.plusSeconds(5), "failure reported",
          () -> !src.lastError().isEmpty());
      assertEquals(List.of("a:1", "a:2"), src.groups().get(0).targets());
      assertEquals(1.0, meters.source("file_sd_configs[0]").failures.count());
      assertEquals(0, meters.source("file_sd_configs[0]").lastRefreshSuccess.get());
      assertEquals(2, changes.get());
    } finally {
      src.close();
    }
  }
}
