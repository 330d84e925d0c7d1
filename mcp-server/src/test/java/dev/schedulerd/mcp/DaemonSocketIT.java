package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code schedulerd daemon} as its own process, serving MCP sessions on its Unix socket: several
 * clients at once on one scheduler, each with its own answers and subscriptions, the socket as
 * robust as stdio, one daemon per store.
 */
class DaemonSocketIT {
  @TempDir Path home;
  private @Nullable Process daemon;

  private Path runFolder() {
    return home.resolve("run");
  }

  private @Nullable Path daemonLog;

  /** What the daemon started last wrote on stderr so far. */
  private String daemonLog() throws java.io.IOException {
    return daemonLog == null ? "" : Files.readString(daemonLog);
  }

  private Path socket() {
    return runFolder().resolve("test.sock");
  }

  private Process startDaemon() throws Exception {
    Process process =
        JarProcess.builder(
                home,
                List.of(
                    "daemon",
                    "--store",
                    "sqlite:" + home.resolve("tasks.db"),
                    "--socket",
                    socket().toString()))
            .redirectError(
                (daemonLog = home.resolve("daemon-" + System.nanoTime() + ".log")).toFile())
            .start();
    return process;
  }

  /** Waits until the daemon accepts connections (a stale socket file does not count). */
  private void awaitSocket() {
    await("the daemon's socket")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> accepts(socket()) || !running().isAlive());
    assertThat(running().isAlive()).as("the daemon runs").isTrue();
  }

  private static boolean accepts(Path socket) {
    try (var channel = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return channel.connect(java.net.UnixDomainSocketAddress.of(socket));
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private Process running() {
    return java.util.Objects.requireNonNull(daemon, "no daemon started");
  }

  @AfterEach
  void stop() throws Exception {
    Process started = daemon;
    if (started != null && started.isAlive()) {
      started.destroy();
      started.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void twoClientsAtOnce_shareOneScheduler_eachWithItsOwnAnswersAndSubscriptions() throws Exception {
    daemon = startDaemon();
    awaitSocket();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(runFolder())))
        .as("the socket's folder is private")
        .isEqualTo("rwx------");

    try (SocketClient a = SocketClient.session(socket(), "client-a");
        SocketClient b = SocketClient.session(socket(), "client-b")) {
      JsonNode added =
          a.call(
              "scheduler_add_task",
              "{\"task_id\":\"nightly\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
                  + "\"config\":{\"message\":\"m\"}}");
      assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();

      // b sees a's task (one scheduler) and subscribes to it; a does not subscribe.
      assertThat(
              b.call("scheduler_get_task", "{\"task_id\":\"nightly\"}")
                  .path("structuredContent")
                  .path("task")
                  .path("created_by")
                  .asText())
          .isEqualTo("client-a 1");
      JsonNode subscribed =
          b.request("resources/subscribe", "{\"uri\":\"schedulerd://tasks/nightly\"}");
      assertThat(subscribed.has("error")).as(subscribed.toString()).isFalse();

      a.call("scheduler_run_task_now", "{\"task_id\":\"nightly\"}");
      b.awaitNotification("notifications/resources/updated", "schedulerd://tasks/nightly");
      assertThat(a.notifications("notifications/resources/updated"))
          .as("only the subscriber is told")
          .isEmpty();

      // Bad input on one connection is answered there, and the session goes on.
      a.send("{not json");
      JsonNode parseError = a.nextAnswer();
      assertThat(parseError.path("error").path("code").asInt()).isEqualTo(-32700);
      assertThat(a.call("scheduler_get_status", "{}").path("isError").asBoolean()).isFalse();
    }

    // The daemon does not stop when its clients go; a new one connects.
    try (SocketClient c = SocketClient.session(socket(), "client-c")) {
      assertThat(
              c.call("scheduler_list_runs", "{\"task_id\":\"nightly\"}")
                  .path("structuredContent")
                  .path("count")
                  .asInt())
          .isEqualTo(1);
    }
    assertThat(running().isAlive()).isTrue();
  }

  @Test
  void aClientThatStopsReading_isDropped_andStallsNoOtherSession() throws Exception {
    daemon = startDaemon();
    awaitSocket();
    int requests = 1500; // tools/list answers ~25 KB each: more than the 16 MiB a session may owe
    try (SocketChannel stalled = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      stalled.connect(UnixDomainSocketAddress.of(socket()));
      StringBuilder burst =
          new StringBuilder(
              "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                  + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                  + "\"clientInfo\":{\"name\":\"stalled\",\"version\":\"1\"}}}\n"
                  + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
      for (int i = 1; i <= requests; i++) {
        burst
            .append("{\"jsonrpc\":\"2.0\",\"id\":")
            .append(i)
            .append(",\"method\":\"tools/list\"}\n");
      }
      ByteBuffer bytes = ByteBuffer.wrap(burst.toString().getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        stalled.write(bytes);
      }

      // Another client is served meanwhile.
      try (SocketClient other = SocketClient.session(socket(), "other")) {
        assertThat(other.call("scheduler_get_status", "{}").path("isError").asBoolean()).isFalse();
      }

      // The stalled one is cut off: once the daemon says so, reading finds the end of the
      // connection before all it asked for.
      await("the daemon to drop the client that stopped reading")
          .atMost(Duration.ofSeconds(60))
          .until(() -> daemonLog().contains("The MCP client stopped reading"));
      java.util.concurrent.CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS)
          .execute(
              () -> {
                try {
                  stalled.close(); // bounds the reads below if the end never comes
                } catch (java.io.IOException e) {
                  // closed already
                }
              });
      long read = 0;
      long lines = 0;
      boolean ended = false;
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      try {
        int n;
        while ((n = stalled.read(buffer.clear())) >= 0) {
          read += n;
          for (int i = 0; i < n; i++) {
            lines += buffer.get(i) == '\n' ? 1 : 0;
          }
        }
        ended = true;
      } catch (java.net.SocketException e) {
        ended = true; // closed with our requests unread: a reset
      } catch (java.nio.channels.AsynchronousCloseException e) {
        // the bound above: not ended
      }
      assertThat(ended).as("the daemon closed the connection").isTrue();
      assertThat(lines).as("answers the client got before it was dropped").isLessThan(requests);
      assertThat(read).isLessThan(requests * 30_000L);
    }
    assertThat(running().isAlive()).isTrue();
  }

  @Test
  void sigterm_stopsTheDaemon_andRemovesItsSocket() throws Exception {
    daemon = startDaemon();
    awaitSocket();
    try (SocketClient client = SocketClient.session(socket(), "before-stop")) {
      await("the scheduler running")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  client
                      .call("scheduler_daemon_status", "{}")
                      .path("structuredContent")
                      .path("daemon")
                      .path("running")
                      .asBoolean());
    }
    running().destroy(); // SIGTERM, once started (a stop while starting leaves a stale socket)
    assertThat(running().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(running().exitValue()).as("a stop asked for is not a failure").isIn(0, 143);
    assertThat(socket()).as("no stale socket left behind").doesNotExist();
  }

  @Test
  void hello_answersTheVersionAndPid_beforeAnyMcp() throws Exception {
    daemon = startDaemon();
    awaitSocket();
    try (SocketClient raw = SocketClient.connect(socket())) {
      JsonNode hello = raw.request("schedulerd/hello", "{\"version\":\"test\"}");
      assertThat(hello.path("result").path("name").asText()).isEqualTo("schedulerd");
      assertThat(hello.path("result").path("pid").asLong()).isEqualTo(running().pid());
      assertThat(hello.path("result").path("version").asText()).isNotBlank();
      // MCP still starts with initialize on this connection.
      JsonNode early = raw.request("tools/list", "{}");
      assertThat(early.path("error").path("message").asText()).contains("before initialize");
    }
    // Once a session is initialized, the daemon's own requests are not answered on it: a client
    // relayed by a front-end cannot ask for a hand-over.
    try (SocketClient session = SocketClient.session(socket(), "late")) {
      JsonNode late =
          session.request(
              "schedulerd/hand-over", "{\"build\":\"99.0.0 built 2099-01-01T00:00:00Z\"}");
      assertThat(late.has("error")).as(late.toString()).isTrue();
      assertThat(session.call("scheduler_get_status", "{}").path("isError").asBoolean()).isFalse();
    }
    assertThat(running().isAlive()).isTrue();
  }

  @Test
  void aSecondDaemonOfTheStore_stopsAtOnce_andAStaleSocketIsReplaced() throws Exception {
    daemon = startDaemon();
    awaitSocket();
    JarProcess second =
        JarProcess.run(
            home,
            "",
            "daemon",
            "--store",
            "sqlite:" + home.resolve("tasks.db"),
            "--socket",
            socket().toString());
    assertThat(second.exitCode()).as("3: a daemon of the store runs already").isEqualTo(3);
    assertThat(second.stderr())
        .contains("already serves this store on " + socket())
        .contains("pid " + running().pid());

    running().destroyForcibly(); // SIGKILL: the socket file stays behind, its lock goes
    running().waitFor(30, TimeUnit.SECONDS);
    assertThat(socket()).exists();

    daemon = startDaemon();
    awaitSocket();
    try (SocketClient client = SocketClient.session(socket(), "after")) {
      assertThat(client.call("scheduler_get_status", "{}").path("isError").asBoolean()).isFalse();
    }
  }

  @Test
  void aSecondDaemonOfTheStore_inAnotherRuntimeFolder_stopsAtOnce_namingTheFirstsSocket()
      throws Exception {
    daemon = startDaemon();
    awaitSocket();
    Path elsewhere = home.resolve("other-run");
    Files.createDirectories(elsewhere);
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));

    JarProcess second =
        JarProcess.run(
            home,
            "",
            "daemon",
            "--store",
            "sqlite:" + home.resolve("tasks.db"),
            "--socket",
            elsewhere.resolve("other.sock").toString());

    assertThat(second.exitCode()).as("3: a daemon of the store runs already").isEqualTo(3);
    assertThat(second.stderr())
        .contains("pid " + running().pid())
        .contains("serves this store, on " + socket() + " (another runtime folder)");
    assertThat(elsewhere.resolve("other.sock")).doesNotExist();
  }

  @Test
  void aDaemonWhoseSocketFileIsRemoved_stops_forNoClientCanReachIt() throws Exception {
    daemon = startDaemon();
    awaitSocket();

    Files.delete(socket()); // what a logout does to XDG_RUNTIME_DIR

    assertThat(running().waitFor(60, TimeUnit.SECONDS)).as("the daemon stopped").isTrue();
    assertThat(running().exitValue()).isZero();
    assertThat(daemonLog()).contains("was removed or replaced");
  }

  @Test
  void aSocketFolderOthersCanEnter_isRefused_sayingHowToFixIt() throws Exception {
    Files.createDirectories(runFolder());
    Files.setPosixFilePermissions(runFolder(), PosixFilePermissions.fromString("rwxr-xr-x"));
    JarProcess refused =
        JarProcess.run(
            home,
            "",
            "daemon",
            "--store",
            "sqlite:" + home.resolve("tasks.db"),
            "--socket",
            socket().toString());
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr()).contains("is mode rwxr-xr-x").contains("chmod 700 " + runFolder());
    assertThat(socket()).doesNotExist();
  }
}
