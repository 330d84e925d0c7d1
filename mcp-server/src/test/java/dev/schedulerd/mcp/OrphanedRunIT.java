package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the daemon during a shell run whose command started a grandchild: the run's whole
 * process tree dies with the daemon, so the retry after the restart never runs beside it.
 */
final class OrphanedRunIT {
  @TempDir Path home;

  @Test
  void killingTheDaemon_killsItsRunsProcessTrees() throws Exception {
    Path config = home.resolve("schedulerd.properties");
    Files.writeString(config, "executors.shell.enabled=true\nexecutors.shell.allow=/bin/sh\n");
    Path pids = home.resolve("pids");
    String script =
        "sleep 301 & echo $! >> '"
            + pids
            + "'; (sleep 302 & echo $! >> '"
            + pids
            + "'; wait) & wait";
    Process daemon =
        JarProcess.builder(home, List.of("--config", config.toString()))
            .redirectError(home.resolve("daemon.log").toFile())
            .start();
    ProcessClient client = new ProcessClient(daemon);
    JsonNode added =
        client.call(
            "scheduler_add_task",
            "{\"task_id\":\"long\",\"task_type\":\"shell\",\"config\":{\"command\":[\"/bin/sh\",\"-c\",\""
                + script
                + "\"]}}");
    assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();
    await("the run started its grandchildren")
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(pids) && Files.readAllLines(pids).size() == 2);
    List<Long> grandchildren = Files.readAllLines(pids).stream().map(Long::parseLong).toList();
    assertThat(grandchildren).allSatisfy(pid -> assertThat(alive(pid)).isTrue());

    daemon.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();

    await("the run's processes died with the daemon")
        .atMost(Duration.ofSeconds(10))
        .until(() -> grandchildren.stream().noneMatch(OrphanedRunIT::alive));
  }

  /** Running, not a zombie waiting for a parent that does not reap it (PID 1 in a container). */
  private static boolean alive(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException | RuntimeException e) {
      return false; // gone meanwhile
    }
  }
}
