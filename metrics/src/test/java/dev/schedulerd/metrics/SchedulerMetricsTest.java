package dev.schedulerd.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.ManualScheduler;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The meters move as runs happen; the endpoint's output passes promtool; the rules check. */
final class SchedulerMetricsTest {
  /** Kind {@code work}: succeeds, or fails when config.fail is true. */
  private static final class Work implements TaskExecutor {
    @Override
    public String kind() {
      return "work";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      return context.config().path("fail").asBoolean()
          ? ExecutionResult.failure("asked to fail")
          : ExecutionResult.success("done");
    }
  }

  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Scheduler scheduler;
  private SchedulerMetrics metrics;

  @TempDir Path dir;

  @BeforeEach
  void start() {
    scheduler =
        ManualScheduler.builder(
                clock, new TimedTaskStore(new InMemoryTaskStore(), registry), new Work())
            .build();
    metrics = new SchedulerMetrics(scheduler);
    metrics.bindTo(registry);
    scheduler.addListener(metrics);
    scheduler.start();
  }

  @AfterEach
  void stop() {
    scheduler.close();
  }

  private double value(String name, String... tags) {
    var search = registry.find(name);
    for (int i = 0; i < tags.length; i += 2) {
      search = search.tag(tags[i], tags[i + 1]);
    }
    var counter = search.counter();
    if (counter != null) {
      return counter.count();
    }
    var gauge = search.gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  @Test
  void countersAndHistograms_moveAsRunsHappen() {
    scheduler.add(TaskDefinition.builder("ok", "work").build());
    scheduler.add(
        TaskDefinition.builder("flaky", "work")
            .config(JsonNodeFactory.instance.objectNode().put("fail", true))
            .retryPolicy(new RetryPolicy(2, Duration.ofSeconds(1), 1.0, Duration.ofSeconds(1), 0))
            .build());
    scheduler.add(
        TaskDefinition.builder("later", "work")
            .schedule(Schedule.at(clock.instant().plusSeconds(60)))
            .build());
    assertThat(value("schedulerd.queue.depth", "status", "scheduled", "priority", "medium"))
        .isEqualTo(3);

    clock.advance(Duration.ofMillis(7)); // they run 7 ms late
    scheduler.runDue();

    assertThat(value("schedulerd.tasks.added", "executor", "work")).isEqualTo(3);
    assertThat(value("schedulerd.runs.started", "executor", "work", "priority", "medium"))
        .isEqualTo(2);
    assertThat(value("schedulerd.runs.finished", "outcome", "success")).isEqualTo(1);
    assertThat(value("schedulerd.runs.finished", "outcome", "failed")).isEqualTo(1);
    assertThat(value("schedulerd.runs.retries", "executor", "work")).isEqualTo(1);
    var lateness =
        java.util.Objects.requireNonNull(registry.find("schedulerd.run.lateness").timer());
    assertThat(lateness.count()).isEqualTo(2);
    assertThat(lateness.max(TimeUnit.MILLISECONDS)).isEqualTo(7);
    assertThat(registry.find("schedulerd.run.duration").timers()).isNotEmpty();
    assertThat(registry.find("schedulerd.store.operation").tag("operation", "claim_batch").timer())
        .isNotNull();
    assertThat(value("schedulerd.up")).isEqualTo(1);

    Map<String, Object> figures = metrics.figures();
    assertThat(figures).containsEntry("retries", 1L).containsEntry("tasks_added", 3L);
    assertThat(String.valueOf(figures.get("runs_finished")))
        .contains("success=1")
        .contains("failed=1");

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("schedulerd_runs_finished_total{executor=\"work\",outcome=\"success\"} 1.0")
        .contains("schedulerd_run_lateness_seconds_bucket{")
        .contains("schedulerd_queue_depth{priority=\"medium\",status=\"scheduled\"} 1.0");
  }

  @Test
  void endpoint_servesTheScrape_andPromtoolAcceptsIt() throws Exception {
    scheduler.add(TaskDefinition.builder("ok", "work").build());
    scheduler.runDue();
    try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry)) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      assertThat(response.body()).contains("schedulerd_runs_started_total");

      assumeThat(Files.isExecutable(Path.of("/usr/bin/promtool")))
          .as("promtool (Debian's prometheus package; .ci/run installs it)")
          .isTrue();
      Process promtool =
          new ProcessBuilder("/usr/bin/promtool", "check", "metrics")
              .redirectErrorStream(true)
              .start();
      promtool.getOutputStream().write(response.body().getBytes(StandardCharsets.UTF_8));
      promtool.getOutputStream().close();
      String said = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(promtool.exitValue()).as(said).isZero();
    }
  }

  @Test
  void endpoint_onATakenPort_failsToStart() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> MetricsServer.start("127.0.0.1", taken.getLocalPort(), registry))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void alertRulesAndDashboard_checkAndUseOnlyMetricsWeExport() throws Exception {
    Path monitoring = Path.of("..", "monitoring");
    scheduler.add(TaskDefinition.builder("ok", "work").build());
    scheduler.add(
        TaskDefinition.builder("flaky", "work")
            .config(JsonNodeFactory.instance.objectNode().put("fail", true))
            .build());
    scheduler.runDue();
    scheduler.remove("ok", "test");
    String scrape = registry.scrape();
    Set<String> exported = new HashSet<>();
    Matcher names =
        Pattern.compile("(?m)^(schedulerd_[a-z_]+?)(_bucket|_count|_sum|_max)?[{ ]")
            .matcher(scrape);
    while (names.find()) {
      exported.add(names.group(1));
    }

    String rules = Files.readString(monitoring.resolve("alerts.yml"));
    JsonNode dashboard =
        new ObjectMapper().readTree(monitoring.resolve("grafana-dashboard.json").toFile());
    StringBuilder expressions = new StringBuilder(rules);
    dashboard.findValues("expr").forEach(e -> expressions.append('\n').append(e.asText()));
    Matcher used = Pattern.compile("schedulerd_[a-z_]+").matcher(expressions);
    Set<String> unknown = new HashSet<>();
    while (used.find()) {
      String name = used.group().replaceAll("_(bucket|count|sum)$", "");
      if (!exported.contains(name)) {
        unknown.add(name);
      }
    }
    assertThat(unknown)
        .as("metrics used by rules or dashboard but not exported; exported: " + exported)
        .isEmpty();

    assumeThat(Files.isExecutable(Path.of("/usr/bin/promtool"))).as("promtool installed").isTrue();
    Process check =
        new ProcessBuilder(
                "/usr/bin/promtool", "check", "rules", monitoring.resolve("alerts.yml").toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(said).isZero();
    assertThat(said).contains("SUCCESS: 4 rules found");
  }
}
