package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Prometheus scrapes the daemon, and a run counter is read back through its query API. */
final class PrometheusScrapeIT {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

  @TempDir Path home;

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aTakenMetricsPort_stopsDaemonMode_butOnlyWarnsInStdioMode() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());

      JarProcess daemon =
          JarProcess.run(home, "", "daemon", "--store", "memory", "--metrics-port", port);
      assertThat(daemon.exitCode()).isEqualTo(1);
      assertThat(daemon.stderr())
          .contains("schedulerd: cannot serve metrics on 127.0.0.1:" + port)
          .contains("choose another --metrics-port");

      Process stdio =
          JarProcess.builder(home, List.of("--store", "memory", "--metrics-port", port))
              .redirectError(home.resolve("stdio.log").toFile())
              .start();
      try (ProcessClient client = new ProcessClient(stdio)) {
        assertThat(client.call("scheduler_daemon_status", "{}").path("isError").asBoolean())
            .isFalse();
      }
      assertThat(stdio.exitValue()).isZero();
      assertThat(Files.readString(home.resolve("stdio.log")))
          .contains("going on without a metrics endpoint");
    }
  }

  @Test
  void prometheusScrapesARunCounter() throws Exception {
    assumeThat(Files.isExecutable(PROMETHEUS))
        .as("Debian's prometheus package (.ci/run installs it)")
        .isTrue();
    int metricsPort = freePort();
    int prometheusPort = freePort();
    Process daemon =
        JarProcess.builder(
                home, List.of("--store", "memory", "--metrics-port", Integer.toString(metricsPort)))
            .redirectError(home.resolve("daemon.log").toFile())
            .start();
    Path config = home.resolve("prometheus.yml");
    Files.writeString(
        config,
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            + "scrape_configs:\n  - job_name: schedulerd\n    static_configs:\n"
            + "      - targets: ['127.0.0.1:"
            + metricsPort
            + "']\n");
    Process prometheus = null;
    try (ProcessClient client = new ProcessClient(daemon)) {
      prometheus =
          new ProcessBuilder(
                  PROMETHEUS.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + home.resolve("tsdb"),
                  "--web.listen-address=127.0.0.1:" + prometheusPort)
              .redirectErrorStream(true)
              .redirectOutput(home.resolve("prometheus.log").toFile())
              .start();
      JsonNode added =
          client.call(
              "scheduler_add_task",
              "{\"task_id\":\"counted\",\"task_type\":\"log\",\"config\":{\"message\":\"count me\"}}");
      assertThat(added.path("isError").asBoolean()).isFalse();
      assertThat(client.awaitFinished("counted").path("status").asText()).isEqualTo("completed");

      JsonNode daemonStatus =
          client.call("scheduler_daemon_status", "{}").path("structuredContent").path("daemon");
      assertThat(daemonStatus.path("runs_finished").path("success").asInt())
          .as("the same figures without Prometheus: " + daemonStatus)
          .isEqualTo(1);
      assertThat(daemonStatus.path("start_lateness").path("runs").asInt()).isEqualTo(1);

      HttpClient http = HttpClient.newHttpClient();
      String exposition =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Process lint =
          new ProcessBuilder(PROMETHEUS.resolveSibling("promtool").toString(), "check", "metrics")
              .redirectErrorStream(true)
              .start();
      try (var in = lint.getOutputStream()) {
        in.write(exposition.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      String lintOutput = new String(lint.getInputStream().readAllBytes());
      assertThat(lint.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(lint.exitValue()).as("promtool check metrics: " + lintOutput).isZero();
      URI query =
          URI.create(
              "http://127.0.0.1:"
                  + prometheusPort
                  + "/api/v1/query?query=sum(schedulerd_runs_finished_total%7Boutcome%3D%22success%22%7D)");
      double value =
          org.awaitility.Awaitility.await("the run counter in Prometheus")
              .atMost(java.time.Duration.ofSeconds(60))
              .pollInterval(java.time.Duration.ofMillis(500))
              .ignoreExceptionsInstanceOf(java.io.IOException.class) // Prometheus still starting
              .until(
                  () -> {
                    HttpResponse<String> response =
                        http.send(
                            HttpRequest.newBuilder(query).build(),
                            HttpResponse.BodyHandlers.ofString());
                    JsonNode result =
                        new ObjectMapper().readTree(response.body()).path("data").path("result");
                    return result.size() > 0 ? result.get(0).path("value").get(1).asDouble() : -1.0;
                  },
                  v -> v >= 1);
      assertThat(value)
          .as(
              "success runs read back through Prometheus; its log: %s",
              Files.readString(home.resolve("prometheus.log")))
          .isEqualTo(1.0);
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        prometheus.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
