package io.promgate.shard;

import io.promgate.config.ShardingConfig;
import io.promgate.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One {@code file_sd_configs} entry, with Prometheus's semantics ({@code discovery/file}): the
 * files matching the patterns are read every {@code refresh_interval} and when they change; a
 * file that fails to read or parse keeps its last good groups; a file that no longer exists (or
 * no longer matches) takes its targets away; each group gets {@code __meta_filepath}.
 *
 * <p>Prometheus learns of changes through fsnotify; promgate polls the file list and each file's
 * size and mtime every {@link #WATCH_INTERVAL} instead (a few stat calls) and re-reads only what
 * changed. Listing and reading run on a worker thread ({@code executeBlocking}), never on the
 * event loop. A directory that cannot be listed for a reason other than not existing keeps the
 * last good targets (Prometheus would drop them).
 */
final class FileSdSource extends PolledSource {
  static final Duration WATCH_INTERVAL = Duration.ofSeconds(5);

  private final ShardingConfig.FileSdConfig config;
  private final long refreshMillis;
  // Touched only by scan(), which runs serialized (one at a time, see poll()).
  private final Map<String, FileState> files = new LinkedHashMap<>();
  private long lastFullScan = Long.MIN_VALUE / 2;
  private boolean scanning; // context thread only

  /** What promgate knows of one file: its size and mtime when last read, its last good groups. */
  private record FileState(long mtime, long size, List<TargetGroup> groups) {}

  /** One scan: did it read or drop anything, the new groups (null: unchanged), the errors. */
  record Scan(boolean refreshed, List<TargetGroup> groups, String error) {}

  FileSdSource(String name, Context context, ShardingConfig.FileSdConfig config,
      Metrics.Shards.Source meters) {
    super(name, meters, context, Math.min(WATCH_INTERVAL.toMillis(), config.refreshInterval().toMillis()));
    this.config = config;
    this.refreshMillis = config.refreshInterval().toMillis();
  }

  @Override
  void poll() {
    if (scanning || closed) {
      return;
    }
    scanning = true;
    long now = System.currentTimeMillis();
    boolean full = now - lastFullScan >= refreshMillis;
    if (full) {
      lastFullScan = now;
    }
    context.executeBlocking(() -> scan(full), false).onComplete(ar -> {
      scanning = false;
      if (ar.failed()) {
        refreshDone(null, "scan failed: " + ar.cause());
      } else if (ar.result().refreshed()) {
        refreshDone(ar.result().groups(), ar.result().error());
      }
    });
  }

  /**
   * Lists the files and reads those that are new or changed ({@code full}: all of them). Blocking;
   * never called concurrently with itself.
   */
  Scan scan(boolean full) {
    List<String> errors = new ArrayList<>();
    Set<String> listed = new LinkedHashSet<>();
    boolean listingFailed = false;
    for (ShardingConfig.FileGlob glob : config.files()) {
      try {
        listed.addAll(list(glob));
      } catch (IOException e) {
        listingFailed = true;
        errors.add("cannot list " + (glob.dir().isEmpty() ? "." : glob.dir()) + ": " + e);
      }
    }
    boolean changed = false;
    for (String path : listed) {
      FileState old = files.get(path);
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(Path.of(path), BasicFileAttributes.class);
      } catch (IOException e) {
        errors.add(path + ": " + e);
        continue;
      }
      long mtime = attrs.lastModifiedTime().toMillis();
      long size = attrs.size();
      if (!full && old != null && old.mtime == mtime && old.size == size) {
        continue;
      }
      try {
        List<TargetGroup> groups = read(path, size);
        files.put(path, new FileState(mtime, size, groups));
        changed |= old == null || !groups.equals(old.groups);
      } catch (IOException | SdFormatException e) {
        String why = e instanceof SdFormatException ? e.getMessage() : e.toString();
        errors.add(path + ": " + why);
        // Remember the attempt (no re-read until the file changes again), keep the good groups.
        files.put(path, new FileState(mtime, size, old == null ? null : old.groups));
      }
    }
    if (!listingFailed) {
      changed |= files.keySet().retainAll(listed);
    }
    boolean refreshed = full || changed || !errors.isEmpty();
    List<TargetGroup> groups = null;
    if (changed || full) {
      groups = new ArrayList<>();
      for (FileState f : files.values()) {
        if (f.groups != null) {
          groups.addAll(f.groups);
        }
      }
    }
    return new Scan(refreshed, groups, errors.isEmpty() ? null : String.join("; ", errors));
  }

  /** Go's filepath.Glob for one pattern: names sorted; a missing directory matches nothing. */
  private static List<String> list(ShardingConfig.FileGlob glob) throws IOException {
    if (glob.name() == null) {
      // Glob without meta characters: the path itself, if it exists (Lstat).
      return Files.exists(Path.of(glob.pattern()), LinkOption.NOFOLLOW_LINKS)
          ? List.of(glob.pattern()) : List.of();
    }
    Path dir = Path.of(glob.dir().isEmpty() ? "." : glob.dir());
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (glob.name().matcher(name).matches()) {
          names.add(name);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    }
    names.sort(null);
    List<String> paths = new ArrayList<>(names.size());
    for (String n : names) {
      paths.add(glob.path(n));
    }
    return paths;
  }

  private static List<TargetGroup> read(String path, long size) throws IOException, SdFormatException {
    if (size > TargetGroups.MAX_BYTES) {
      throw new SdFormatException("file too large: " + size + " bytes, the limit is "
          + TargetGroups.MAX_BYTES);
    }
    byte[] bytes = Files.readAllBytes(Path.of(path));
    if (bytes.length > TargetGroups.MAX_BYTES) {
      throw new SdFormatException("file too large: more than " + TargetGroups.MAX_BYTES + " bytes");
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot).toLowerCase(Locale.ROOT);
    return switch (ext) {
      case ".json" -> TargetGroups.parseJson(Buffer.buffer(bytes), path, "__meta_filepath", path);
      case ".yml", ".yaml" -> TargetGroups.parseYaml(utf8(bytes), path, "__meta_filepath", path);
      default -> throw new SdFormatException("unsupported file extension \"" + ext + "\"");
    };
  }

  private static String utf8(byte[] bytes) throws SdFormatException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new SdFormatException("invalid YAML: not valid UTF-8");
    }
  }
}
