package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code schedulerd} as an MCP client spawns it: a thin front-end that starts the store's
 * background daemon when none runs and relays the session to it. Tasks run on time with no client
 * open; front-ends started at once make one daemon; a daemon killed mid-session is started again.
 */
class FrontEndIT {
  @TempDir Path home;

  private Path runtimeFolder() {
    return home.resolve("xdg");
  }

  private ProcessBuilder frontEnd() throws Exception {
    Files.createDirectories(runtimeFolder());
    ProcessBuilder builder = JarProcess.builder(home, List.of());
    builder.environment().remove("SCHEDULERD_NO_DAEMON");
    builder.environment().put("XDG_RUNTIME_DIR", runtimeFolder().toString());
    builder.redirectError(home.resolve("front-end-" + System.nanoTime() + ".log").toFile());
    return builder;
  }

  /** The daemon's pid, from the file it holds locked. */
  private Optional<ProcessHandle> daemon() {
    Path pidFile = runtimeFolder().resolve("schedulerd").resolve("default.daemon");
    try {
      String pid = Files.readString(pidFile).strip();
      return pid.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(pid));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  @AfterEach
  void stopDaemon() {
    daemon()
        .ifPresent(
            d -> {
              d.destroy();
              d.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
  }

  private static JsonNode ok(ProcessClient client, String tool, String args) throws Exception {
    JsonNode result = client.call(tool, args);
    assertThat(result.path("isError").asBoolean()).as(result.toString()).isFalse();
    return result.path("structuredContent");
  }

  @Test
  void aTaskRunsOnTime_afterItsClientClosedAndItsFrontEndWasKilled() throws Exception {
    Instant due = Instant.now().plusSeconds(8);
    Process first = frontEnd().start();
    try (ProcessClient client = new ProcessClient(first)) {
      ok(
          client,
          "scheduler_add_task",
          "{\"task_id\":\"later\",\"task_type\":\"log\",\"run_at\":\""
              + due
              + "\",\"config\":{\"message\":\"ran with no client\"}}");
    }
    assertThat(first.waitFor(30, TimeUnit.SECONDS))
        .as("the front-end exits with its input")
        .isTrue();
    Process second = frontEnd().start();
    ProcessClient killed = new ProcessClient(second);
    ok(
        killed,
        "scheduler_add_task",
        "{\"task_id\":\"later-2\",\"task_type\":\"log\",\"run_at\":\""
            + due
            + "\",\"config\":{\"message\":\"ran with no client\"}}");
    second.destroyForcibly(); // SIGKILL of the client's child, as a crashing client does
    second.waitFor(10, TimeUnit.SECONDS);
    assertThat(daemon())
        .as("the daemon runs on")
        .hasValueSatisfying(d -> assertThat(d.isAlive()).isTrue());

    await("both runs, with no client open")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Instant.now().isAfter(due.plusSeconds(2)));
    try (ProcessClient reader = new ProcessClient(frontEnd().start())) {
      for (String id : List.of("later", "later-2")) {
        JsonNode runs = ok(reader, "scheduler_list_runs", "{\"task_id\":\"" + id + "\"}");
        assertThat(runs.path("count").asInt()).as(id + " ran once").isEqualTo(1);
        JsonNode run = runs.path("runs").get(0);
        assertThat(run.path("outcome").asText()).isEqualTo("success");
        Duration late =
            Duration.between(
                Instant.parse(run.path("scheduled_for").asText()),
                Instant.parse(run.path("started_at").asText()));
        assertThat(late).as(id + " started on time").isLessThan(Duration.ofSeconds(1));
      }
    }
  }

  @Test
  void fiveFrontEndsStartedAtOnce_makeOneDaemon_eachSessionWithItsSubscription() throws Exception {
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      processes.add(frontEnd().start());
    }
    List<ProcessClient> clients = new ArrayList<>();
    try {
      for (Process process : processes) {
        clients.add(new ProcessClient(process));
      }
      java.util.Set<Long> pids = new java.util.HashSet<>();
      for (ProcessClient client : clients) {
        JsonNode status = ok(client, "scheduler_daemon_status", "{}");
        assertThat(status.path("daemon").path("running").asBoolean()).isTrue();
      }
      daemon().ifPresent(d -> pids.add(d.pid()));
      assertThat(pids).hasSize(1);
      long javaDaemons =
          ProcessHandle.allProcesses()
              .filter(
                  p -> p.info().arguments().map(a -> List.of(a).contains("daemon")).orElse(false))
              .filter(
                  p ->
                      p.info()
                          .arguments()
                          .map(a -> String.join(" ", a).contains(home.toString()))
                          .orElse(false))
              .count();
      assertThat(javaDaemons).as("daemon processes of this test's store").isEqualTo(1);
      assertThat(Files.readString(home.resolve(".memory/schedulerd.log")))
          .as("no second daemon was started only to find the first (the start lock held)")
          .doesNotContain("already serves");

      // A subscription in each session: one run notifies each of them alike, none twice over.
      ok(
          clients.get(0),
          "scheduler_add_task",
          "{\"task_id\":\"watched\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
              + "\"config\":{\"message\":\"m\"}}");
      for (ProcessClient client : clients) {
        JsonNode subscribed =
            client.request("resources/subscribe", "{\"uri\":\"schedulerd://tasks/watched\"}");
        assertThat(subscribed.has("error")).as(subscribed.toString()).isFalse();
      }
      ok(clients.get(2), "scheduler_run_task_now", "{\"task_id\":\"watched\"}");
      ok(
          clients.get(2),
          "scheduler_wait_for_run",
          "{\"task_id\":\"watched\",\"timeout_seconds\":20}");
      java.util.function.Supplier<List<Integer>> counts =
          () -> {
            List<Integer> each = new ArrayList<>();
            for (ProcessClient client : clients) {
              try {
                client.request("ping", "{}"); // reads what came before its answer
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              each.add(client.notifications("notifications/resources/updated").size());
            }
            return each;
          };
      List<Integer> settled =
          await("each session notified alike")
              .during(Duration.ofSeconds(1))
              .atMost(Duration.ofSeconds(20))
              .until(
                  counts::get,
                  each -> each.get(0) > 0 && new java.util.HashSet<>(each).size() == 1);
      assertThat(settled.get(0))
          .as("at most one notification per change of the run: queued, started, finished")
          .isBetween(1, 3);
    } finally {
      for (ProcessClient client : clients) {
        client.close();
      }
    }
  }

  @Test
  void theDaemonKilledMidSession_isStartedAgain_andTheNextCallWorks() throws Exception {
    try (ProcessClient client = new ProcessClient(frontEnd().start())) {
      ok(
          client,
          "scheduler_add_task",
          "{\"task_id\":\"kept\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
              + "\"config\":{\"message\":\"m\"}}");
      JsonNode subscribed =
          client.request("resources/subscribe", "{\"uri\":\"schedulerd://tasks/kept\"}");
      assertThat(subscribed.has("error")).as(subscribed.toString()).isFalse();
      ProcessHandle first = daemon().orElseThrow();

      // A wait of up to 30 s is in flight when the daemon dies: it gets an error, not silence.
      JsonNode inFlight =
          client.requestDuring(
              "tools/call",
              "{\"name\":\"scheduler_wait_for_run\",\"arguments\":{\"task_id\":\"kept\","
                  + "\"timeout_seconds\":30}}",
              () -> {
                first.destroyForcibly();
                first.onExit().orTimeout(30, TimeUnit.SECONDS).join();
              });
      assertThat(inFlight.path("error").path("message").asText())
          .contains("daemon stopped while answering");

      JsonNode afterRestart =
          await("a call after the daemon's restart")
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> client.call("scheduler_get_task", "{\"task_id\":\"kept\"}"),
                  result -> !result.path("isError").asBoolean() && result.has("structuredContent"));
      assertThat(afterRestart.path("structuredContent").path("task").path("task_id").asText())
          .as("nothing acknowledged is lost")
          .isEqualTo("kept");
      assertThat(daemon()).hasValueSatisfying(d -> assertThat(d.pid()).isNotEqualTo(first.pid()));

      // The subscription was replayed to the new daemon: a run of the task is announced.
      ok(client, "scheduler_run_task_now", "{\"task_id\":\"kept\"}");
      await("the replayed subscription's notification")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                client.call("scheduler_get_status", "{}"); // reads what arrived meanwhile
                return client.notifications("notifications/resources/updated").stream()
                    .anyMatch(
                        n ->
                            n.path("params")
                                .path("uri")
                                .asText()
                                .equals("schedulerd://tasks/kept"));
              });
    }
  }

  @Test
  void aFrontEndOfAnotherBuild_saysPlainlyWhatToDo_andStillServes() throws Exception {
    try (ProcessClient first = new ProcessClient(frontEnd().start())) {
      ok(first, "scheduler_get_status", "{}");
    }
    long pid = daemon().orElseThrow().pid();
    ProcessBuilder other = frontEnd();
    Path stderr = home.resolve("other-build.log");
    other.redirectError(stderr.toFile());
    other.command().add(1, "-Dschedulerd.build=custom build");
    try (ProcessClient client = new ProcessClient(other.start())) {
      ok(client, "scheduler_get_status", "{}");
    }
    assertThat(Files.readString(stderr))
        .contains("the schedulerd daemon serving this store (pid " + pid + ") is version")
        .contains("this is custom build")
        .contains("kill " + pid);
  }

  @Test
  void aClientWithOtherSettings_isToldTheDaemonRunsWithItsOwn_andTheDaemonRunsInTheHome()
      throws Exception {
    ProcessBuilder berlin = frontEnd();
    berlin.command().addAll(List.of("--zone", "Europe/Berlin"));
    berlin.directory(Files.createDirectories(home.resolve("some-project")).toFile());
    try (ProcessClient client = new ProcessClient(berlin.start())) {
      ok(client, "scheduler_get_status", "{}");
    }
    ProcessHandle running = daemon().orElseThrow();
    assertThat(Files.readSymbolicLink(Path.of("/proc", String.valueOf(running.pid()), "cwd")))
        .as("the daemon's working folder: the home, not the first client's folder")
        .isEqualTo(home);

    ProcessBuilder utc = frontEnd();
    Path stderr = home.resolve("utc.log");
    utc.redirectError(stderr.toFile());
    try (ProcessClient client = new ProcessClient(utc.start())) {
      ok(client, "scheduler_get_status", "{}");
    }
    assertThat(Files.readString(stderr))
        .contains("runs with other settings than this client's: zone=Europe/Berlin (here UTC)")
        .contains("kill " + running.pid());
  }

  @Test
  void aClientCannotSpeakTheFrontEndsWordsToTheDaemon() throws Exception {
    try (ProcessClient client = new ProcessClient(frontEnd().start())) {
      ok(client, "scheduler_get_status", "{}");
      long pid = daemon().orElseThrow().pid();
      JsonNode refused =
          client.request(
              "schedulerd/hand-over", "{\"build\":\"99.0.0 built 2099-01-01T00:00:00Z\"}");
      assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32601);
      ok(client, "scheduler_get_status", "{}");
      assertThat(daemon().orElseThrow().pid()).as("the daemon still serves").isEqualTo(pid);
    }
  }

  @Test
  void aClientWithAnotherRuntimeFolder_findsTheStoresDaemonBesideTheStore() throws Exception {
    try (ProcessClient first = new ProcessClient(frontEnd().start())) {
      ok(first, "scheduler_get_status", "{}");
    }
    long pid = daemon().orElseThrow().pid();
    Path otherRuntime = Files.createDirectories(home.resolve("other-xdg"));
    ProcessBuilder other = frontEnd();
    other.environment().put("XDG_RUNTIME_DIR", otherRuntime.toString());
    try (ProcessClient client = new ProcessClient(other.start())) {
      JsonNode status = ok(client, "scheduler_daemon_status", "{}");
      assertThat(status.path("daemon").path("pid").asLong()).isEqualTo(pid);
    }
    assertThat(otherRuntime.resolve("schedulerd/default.sock"))
        .as("no second daemon in the other folder")
        .doesNotExist();
  }

  private static final String OLDER_BUILD = "-Dschedulerd.build=0.0.1 built 2000-01-01T00:00:00Z";

  /** A front-end of an old build, which starts a daemon of that build. */
  private ProcessHandle olderDaemonWithATask(String... environment) throws Exception {
    ProcessBuilder older = frontEnd();
    older.command().add(1, OLDER_BUILD);
    for (int i = 0; i < environment.length; i += 2) {
      older.environment().put(environment[i], environment[i + 1]);
    }
    try (ProcessClient client = new ProcessClient(older.start())) {
      ok(
          client,
          "scheduler_add_task",
          "{\"task_id\":\"kept\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
              + "\"config\":{\"message\":\"nightly\"}}");
    }
    ProcessHandle old = daemon().orElseThrow();
    assertThat(old.info().arguments().map(List::of).orElse(List.of())).contains(OLDER_BUILD);
    return old;
  }

  @Test
  void aDaemonOfAnOlderBuild_handsOverToANewerFrontEnd_keepingItsTasks() throws Exception {
    ProcessHandle old = olderDaemonWithATask();
    ProcessBuilder newer = frontEnd();
    Path stderr = home.resolve("newer.log");
    newer.redirectError(stderr.toFile());

    try (ProcessClient client = new ProcessClient(newer.start())) {
      JsonNode task = ok(client, "scheduler_get_task", "{\"task_id\":\"kept\"}");
      assertThat(task.toString()).contains("nightly");
    }

    assertThat(old.isAlive()).as("the old daemon stopped").isFalse();
    ProcessHandle current = daemon().orElseThrow();
    assertThat(current.pid()).isNotEqualTo(old.pid());
    assertThat(current.info().arguments().map(List::of).orElse(List.of()))
        .as("the daemon now runs this build")
        .doesNotContain(OLDER_BUILD);
    assertThat(Files.readString(stderr)).contains("hands over to this build");
  }

  @Test
  void aDaemonRunByAServiceManager_doesNotHandOver_andTheFrontEndSaysHowToRestartIt()
      throws Exception {
    ProcessHandle old =
        olderDaemonWithATask("SCHEDULERD_SERVICE", "systemctl --user restart schedulerd.service");
    ProcessBuilder newer = frontEnd();
    Path stderr = home.resolve("newer.log");
    newer.redirectError(stderr.toFile());

    try (ProcessClient client = new ProcessClient(newer.start())) {
      ok(client, "scheduler_get_task", "{\"task_id\":\"kept\"}");
    }

    assertThat(old.isAlive()).as("the service's daemon still serves").isTrue();
    assertThat(daemon().orElseThrow().pid()).isEqualTo(old.pid());
    assertThat(Files.readString(stderr))
        .contains("it did not hand over")
        .contains("restart the service: systemctl --user restart schedulerd.service");
  }

  @Test
  void theFrontEnd_exitsWhenTheClientThatStartedItDies_thoughItsInputStaysOpen() throws Exception {
    ProcessBuilder frontEnd = frontEnd();
    StringBuilder command = new StringBuilder();
    for (String word : frontEnd.command()) {
      command.append(" '").append(word.replace("'", "'\\''")).append('\'');
    }
    // A client: a shell whose child is the front-end, its input a pipe that never ends.
    ProcessBuilder client =
        new ProcessBuilder("sh", "-c", "sleep 600 |" + command + " & wait")
            .redirectError(home.resolve("client.log").toFile());
    client.environment().clear();
    client.environment().putAll(frontEnd.environment());
    Process shell = client.start();
    List<ProcessHandle> family = new ArrayList<>();
    try {
      ProcessHandle front =
          await("the front-end")
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      shell
                          .toHandle()
                          .children()
                          .filter(p -> p.info().command().orElse("").endsWith("java"))
                          .findFirst(),
                  Optional::isPresent)
              .orElseThrow();
      await("the daemon").atMost(Duration.ofSeconds(60)).until(() -> daemon().isPresent());

      family.addAll(shell.toHandle().descendants().toList()); // the front-end and the sleep
      shell.destroyForcibly(); // the client dies without closing anything

      assertThat(front.onExit().orTimeout(15, TimeUnit.SECONDS).join().isAlive())
          .as("the front-end is gone")
          .isFalse();
      assertThat(daemon()).as("the daemon is not").isPresent();
    } finally {
      family.forEach(ProcessHandle::destroyForcibly);
      shell.destroyForcibly();
    }
  }

  @Test
  void noDaemon_servesInTheClientsProcess_asBefore() throws Exception {
    ProcessBuilder builder = frontEnd();
    builder.command().add("--no-daemon");
    try (ProcessClient client = new ProcessClient(builder.start())) {
      ok(client, "scheduler_get_status", "{}");
    }
    assertThat(daemon()).as("no daemon was started").isEmpty();
  }
}
