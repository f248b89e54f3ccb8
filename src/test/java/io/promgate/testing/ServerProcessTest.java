package io.promgate.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server that cannot start must say why, quickly, and leave no process behind. */
class ServerProcessTest {

  @Test
  void start_processExitsBeforeReady_failsWithExitCodeAndLogTail(@TempDir Path dir) {
    ServerProcess server =
        new ServerProcess("broken", List.of("sh", "-c", "echo bad config line 3 >&2; exit 3"), dir);

    IllegalStateException failure =
        assertThrows(
            IllegalStateException.class,
            () -> server.start(unusedUrl(), 200, Duration.ofSeconds(20)));

    assertTrue(failure.getMessage().startsWith("broken exited with 3"), failure.getMessage());
    assertTrue(failure.getMessage().endsWith("log tail:\nbad config line 3"), failure.getMessage());
  }

  @Test
  void start_neverReady_killsTheProcessAfterTheTimeout(@TempDir Path dir) {
    ServerProcess server =
        new ServerProcess("hung", List.of("sh", "-c", "echo starting; exec sleep 60"), dir);

    IllegalStateException failure =
        assertThrows(
            IllegalStateException.class,
            () -> server.start(unusedUrl(), 200, Duration.ofMillis(500)));

    assertTrue(failure.getMessage().contains("did not answer 200 within PT0.5S"));
    assertTrue(failure.getMessage().endsWith("log tail:\nstarting"), failure.getMessage());
    assertFalse(server.isAlive());
  }

  @Test
  void findBinary_missingName_isEmpty() {
    assertTrue(ServerProcess.findBinary("promgate-no-such-binary").isEmpty());
    assertTrue(ServerProcess.findBinary("sh").isPresent());
  }

  private static String unusedUrl() {
    return "http://127.0.0.1:" + FreePorts.next() + "/ready";
  }
}
