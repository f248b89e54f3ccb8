package io.promgate.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A server binary run as a child process inside its own temp dir, with stdout and stderr appended
 * to {@code server.log} there so a failed start can show why. Restartable: {@link #start} after
 * {@link #stop} runs the same command line again (same ports, same data).
 */
final class ServerProcess {

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final List<String> EXTRA_BIN_DIRS =
      List.of("/usr/bin", "/usr/sbin", "/usr/local/bin");

  private final String name;
  private final List<String> command;
  private final Path dir;
  private final Path log;
  private Process process;

  ServerProcess(String name, List<String> command, Path dir) {
    this.name = name;
    this.command = List.copyOf(command);
    this.dir = dir;
    this.log = dir.resolve("server.log");
  }

  /**
   * An executable named {@code binary} on PATH or in the usual system dirs (PATH may be minimal).
   */
  static Optional<Path> findBinary(String binary) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(EXTRA_BIN_DIRS);
    return dirs.stream()
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, binary))
        .filter(Files::isExecutable)
        .findFirst();
  }

  static Path createTempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path dir() {
    return dir;
  }

  /**
   * Starts the process and waits until {@code readyUrl} answers {@code readyStatus}. Fails with the
   * log tail if the process exits first or the timeout passes (then the process is killed).
   */
  synchronized void start(String readyUrl, int readyStatus, Duration timeout) {
    start(readyUrl + " answered " + readyStatus, readyUrl + " did not answer " + readyStatus,
        () -> Http.answers(readyUrl, readyStatus), timeout);
  }

  /** Starts the process and waits until {@code ready} holds ({@code what} names it in errors). */
  synchronized void start(String what, BooleanSupplier ready, Duration timeout) {
    start(what, "no " + what, ready, timeout);
  }

  private void start(String what, String notReady, BooleanSupplier ready, Duration timeout) {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    try {
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited with "
                + process.exitValue()
                + " before "
                + what
                + "; command "
                + command
                + "; log tail:\n"
                + logTail());
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException(
            name
                + ": "
                + notReady
                + " within "
                + timeout
                + "; log tail:\n"
                + logTail());
      }
      sleep(100);
    }
  }

  /** The OS process id, for tests that send signals (SIGHUP). */
  long pid() {
    if (process == null) {
      throw new IllegalStateException("not started");
    }
    return process.pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Waits for the process to exit on its own; its exit code, or -1 if it is still running after {@code timeout}. */
  int waitForExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** SIGTERM, so the server shuts down as in production; SIGKILL only if it hangs. */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the process and deletes its dir; safe to call twice. */
  synchronized void close() {
    stop();
    deleteRecursively(dir);
  }

  /** Whether the process's output so far contains {@code text}. */
  boolean logContains(String text) {
    try {
      return Files.exists(log) && Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  String logTail() {
    try {
      // Decoded leniently: a server may log bytes that are not UTF-8, and the tail must still show.
      String[] lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n");
      return String.join(
          "\n", Arrays.asList(lines).subList(Math.max(0, lines.length - 40), lines.length));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover temp dir must not fail a test run.
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
