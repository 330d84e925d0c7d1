package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.TaskCounts;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.runtime.SchedulerStatus;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The daemon's tools: its status and task counts, and start, stop, restart, pause and resume. Each
 * answers with the daemon as {@code scheduler_daemon_status} shows it.
 */
final class DaemonTools {
  private final Scheduler scheduler;
  private final ToolSpecs specs;
  private final Supplier<Map<String, Object>> figures;

  /**
   * @param figures run figures (finished by outcome, retries, lateness) from the metrics module
   */
  DaemonTools(Scheduler scheduler, ToolSpecs specs, Supplier<Map<String, Object>> figures) {
    this.scheduler = scheduler;
    this.specs = specs;
    this.figures = figures;
  }

  List<SyncToolSpecification> all() {
    return List.of(
        specs.tool(
            "scheduler_get_status",
            "Task counts",
            """
            Summarize all tasks: counts by status and by priority, plus the scheduler's key \
            figures (running, queued, in flight, next due). Takes no arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_STATUS,
            ToolSpecs.annotations(true, false, true),
            (args, client) -> ok("status", getStatus())),
        specs.tool(
            "scheduler_daemon_status",
            "Daemon status",
            """
            Show the daemon: state, node, uptime, runs started and in flight, queue depth, next \
            due instant, the executors enabled (and those the operator disabled), nodes sharing \
            the store. Takes no arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_DAEMON,
            ToolSpecs.annotations(true, false, true),
            (args, client) -> ok("daemon", daemonStatus())),
        specs.tool(
            "scheduler_start_daemon",
            "Start the scheduler",
            """
            Start dispatching tasks (the scheduler starts by itself with the server; use this \
            after scheduler_stop_daemon). Does nothing if it is running. Takes no arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_LIFECYCLE,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> {
              scheduler.start();
              return ok("daemon", daemonStatus());
            }),
        specs.tool(
            "scheduler_stop_daemon",
            "Stop the scheduler",
            """
            Stop dispatching tasks. Runs in flight get a short grace period, then are interrupted \
            and recorded as interrupted; they run again after scheduler_start_daemon. Tasks are \
            kept. Tools keep working while stopped. Takes no arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_LIFECYCLE,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> {
              scheduler.stop();
              return ok("daemon", daemonStatus());
            }),
        specs.tool(
            "scheduler_pause_daemon",
            "Pause all tasks",
            """
            Hold every task on this daemon: nothing new starts, runs in flight go on, tasks can \
            still be added or changed; nothing is interrupted. Fire times that pass meanwhile \
            follow each task's missed_fire_policy on scheduler_resume_daemon. Other nodes \
            sharing the store keep running. Takes no arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_LIFECYCLE,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> {
              scheduler.pauseDispatch();
              return ok("daemon", daemonStatus());
            }),
        specs.tool(
            "scheduler_resume_daemon",
            "Resume all tasks",
            """
            End scheduler_pause_daemon: due tasks start again; fire times missed during the \
            pause follow each task's missed_fire_policy (by default one catch-up run per \
            recurring task). Does nothing if not paused. Takes no arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_LIFECYCLE,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> {
              scheduler.resumeDispatch();
              return ok("daemon", daemonStatus());
            }),
        specs.tool(
            "scheduler_restart_daemon",
            "Restart the scheduler",
            """
            Stop then start the scheduler, reloading every task from the store. Runs in flight \
            are handled as by scheduler_stop_daemon. Takes no arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_LIFECYCLE,
            ToolSpecs.annotations(false, false, false),
            (args, client) -> {
              scheduler.restart();
              return ok("daemon", daemonStatus());
            }));
  }

  /** What scheduler_get_status and the status resource show. */
  Map<String, Object> statusView() {
    return getStatus();
  }

  private Map<String, Object> getStatus() {
    TaskCounts counts = scheduler.counts(); // counted by the store, not read task by task
    Map<String, Object> statusView = new LinkedHashMap<>();
    counts.byStatus().forEach((s, n) -> statusView.put(s.wireName(), n));
    Map<String, Object> priorityView = new LinkedHashMap<>();
    counts.byPriority().forEach((p, n) -> priorityView.put(p.wireName(), n));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total_tasks", counts.total());
    out.put("by_status", statusView);
    out.put("by_priority", priorityView);
    out.put("daemon", daemonStatus());
    return out;
  }

  Map<String, Object> daemonStatus() {
    SchedulerStatus status = scheduler.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("running", status.running());
    out.put("state", status.lifecycle().name().toLowerCase(Locale.ROOT));
    Optional<Instant> pausedSince = scheduler.dispatchPausedSince();
    out.put("dispatch_paused", pausedSince.isPresent());
    pausedSince.ifPresent(since -> out.put("dispatch_paused_since", TaskViews.utc(since)));
    out.put("node_id", status.nodeId());
    scheduler.storeProblem().ifPresent(problem -> out.put("store_problem", problem));
    if (status.startedAt() != null) {
      out.put("started_at", TaskViews.utc(status.startedAt()));
    }
    out.put("uptime_seconds", status.uptime().toSeconds());
    out.put("ticker_wake_ups", status.wakeUps());
    out.put("runs_started", status.dispatched());
    out.put("runs_in_flight", status.inFlight());
    out.put("queued", status.queued());
    Map<String, Object> depth = new LinkedHashMap<>();
    status
        .queueDepth()
        .forEach(
            (s, byPriority) -> {
              Map<String, Object> inner = new LinkedHashMap<>();
              byPriority.forEach((p, n) -> inner.put(p.wireName(), n));
              depth.put(s.wireName(), inner);
            });
    out.put("queue_depth", depth);
    if (status.nextDueAt() != null) {
      out.put("next_due_at", TaskViews.utc(status.nextDueAt()));
    }
    out.put("default_time_zone", scheduler.defaultZone().getId());
    // Only what an agent can use; disabled kinds apart, each with the key that enables it.
    List<String> enabled = new ArrayList<>();
    List<Map<String, Object>> disabled = new ArrayList<>();
    for (String kind : status.executorKinds()) {
      if (scheduler.executors().isEnabled(kind)) {
        enabled.add(kind);
      } else {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", kind);
        row.put("enabled_by", "executors." + kind + ".enabled=true in the operator's config file");
        disabled.add(row);
      }
    }
    out.put("executors", enabled);
    out.put("executors_disabled", disabled);
    out.putAll(figures.get()); // runs finished by outcome, retries, start lateness
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (NodeInfo node : scheduler.nodes()) {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("node_id", node.nodeId());
      view.put("started_at", TaskViews.utc(node.startedAt()));
      view.put("last_heartbeat", TaskViews.utc(node.lastHeartbeat()));
      view.put("runs_in_flight", node.runsInFlight());
      nodes.add(view);
    }
    out.put("nodes", nodes); // every node sharing the store, with its last heartbeat
    return out;
  }

  private static CallToolResult ok(String key, Map<String, Object> body) {
    Map<String, Object> daemon = key.equals("daemon") ? body : TaskViews.nested(body.get("daemon"));
    String line = daemonLine(daemon);
    if (key.equals("status")) {
      line = body.get("total_tasks") + " task(s) " + body.get("by_status") + "; " + line;
    }
    return ToolSpecs.result(line, Map.of(key, body));
  }

  /** The daemon in one line: state, node, runs in flight, queued, next due. */
  private static String daemonLine(Map<String, Object> daemon) {
    boolean paused = Boolean.TRUE.equals(daemon.get("dispatch_paused"));
    Object problem = daemon.get("store_problem");
    return (problem != null ? "STORE PROBLEM: " + problem + " " : "")
        + "schedulerd is "
        + daemon.get("state")
        + (paused ? " with dispatch paused" : "")
        + " on node "
        + daemon.get("node_id")
        + ": "
        + daemon.get("runs_in_flight")
        + " run(s) in flight, "
        + daemon.get("queued")
        + " queued"
        + (daemon.containsKey("next_due_at") ? ", next due at " + daemon.get("next_due_at") : "");
  }
}
