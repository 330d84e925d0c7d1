package dev.schedulerd.mcp.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.mcp.tools.TaskViews;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.runtime.SchedulerListener;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each task as the resource {@code schedulerd://tasks/{task_id}} and the daemon as {@code
 * schedulerd://status}, as JSON. A client that subscribes gets {@code
 * notifications/resources/updated} when a run of the task starts or ends, or a client changes it;
 * the status resource is updated with every one of those.
 */
final class SchedulerResources implements SchedulerListener, AutoCloseable {
  static final String STATUS_URI = "schedulerd://status";
  static final String TASK_URI_PREFIX = "schedulerd://tasks/";
  private static final Logger log = LoggerFactory.getLogger(SchedulerResources.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Scheduler scheduler;
  private final Supplier<Map<String, Object>> status;
  // Notifications leave on their own thread: the scheduler calls listeners from its ticker.
  private final ExecutorService notifier =
      Executors.newSingleThreadExecutor(Thread.ofVirtual().name("schedulerd-notify").factory());
  private volatile @Nullable McpSyncServer server;

  SchedulerResources(Scheduler scheduler, Supplier<Map<String, Object>> status) {
    this.scheduler = scheduler;
    this.status = status;
  }

  /**
   * Why a {@code resources/subscribe} cannot be served, or null: a task that does not exist would
   * never be notified, and the SDK accepts any URI.
   */
  static @Nullable String subscriptionRefusal(
      Scheduler scheduler, String method, @Nullable Object params) {
    if (!McpSchema.METHOD_RESOURCES_SUBSCRIBE.equals(method)
        || !(params instanceof Map<?, ?> map)
        || !(map.get("uri") instanceof String uri)) {
      return null;
    }
    if (uri.equals(STATUS_URI)) {
      return null;
    }
    if (!uri.startsWith(TASK_URI_PREFIX)) {
      return "resources/subscribe: no resource '"
          + TaskViews.oneLine(uri)
          + "'; subscribe to "
          + STATUS_URI
          + " or "
          + TASK_URI_PREFIX
          + "{task_id}";
    }
    String taskId = uri.substring(TASK_URI_PREFIX.length());
    return scheduler.get(taskId).isPresent()
        ? null
        : "resources/subscribe: no task '"
            + TaskViews.oneLine(taskId)
            + "'; scheduler_list_tasks shows the existing ones";
  }

  void attach(McpSyncServer mcpServer) {
    this.server = mcpServer;
    scheduler.addListener(this);
  }

  List<SyncResourceSpecification> resources() {
    McpSchema.Resource resource =
        McpSchema.Resource.builder()
            .uri(STATUS_URI)
            .name("status")
            .title("Scheduler status")
            .description(
                "Task counts by status and priority and the daemon's figures, as JSON. Subscribe"
                    + " to hear when runs start and end.")
            .mimeType("application/json")
            .build();
    return List.of(
        new SyncResourceSpecification(
            resource, (exchange, request) -> contents(STATUS_URI, status.get())));
  }

  List<SyncResourceTemplateSpecification> templates() {
    McpSchema.ResourceTemplate template =
        McpSchema.ResourceTemplate.builder()
            .uriTemplate(TASK_URI_PREFIX + "{task_id}")
            .name("task")
            .title("A task")
            .description(
                "One task as JSON: definition, state, next run and its 10 latest runs. Subscribe"
                    + " to hear when its runs start and end or it changes.")
            .mimeType("application/json")
            .build();
    return List.of(
        new SyncResourceTemplateSpecification(
            template,
            (exchange, request) -> {
              String uri = request.uri();
              String id =
                  uri.startsWith(TASK_URI_PREFIX) ? uri.substring(TASK_URI_PREFIX.length()) : "";
              StoredTask task =
                  scheduler.get(id).orElseThrow(() -> McpError.RESOURCE_NOT_FOUND.apply(uri));
              Map<String, Object> body = new LinkedHashMap<>(TaskViews.task(task));
              List<Map<String, Object>> runs = new ArrayList<>();
              scheduler
                  .runs(id, 10)
                  .forEach(r -> runs.add(TaskViews.run(r, task.definition().createdBy())));
              body.put("recent_runs", runs);
              return contents(uri, body);
            }));
  }

  private static McpSchema.ReadResourceResult contents(String uri, Map<String, Object> body) {
    try {
      return new McpSchema.ReadResourceResult(
          List.of(
              new McpSchema.TextResourceContents(
                  uri, "application/json", JSON.writeValueAsString(body))));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + uri, e);
    }
  }

  // ---------------------------------------------------------------- notifications

  @Override
  public void taskAdded(StoredTask task) {
    updated(task.id());
  }

  @Override
  public void taskChanged(StoredTask task) {
    updated(task.id());
  }

  @Override
  public void taskRemoved(String taskId) {
    updated(taskId);
  }

  @Override
  public void runStarted(StoredTask task, String runId, Duration lateness) {
    updated(task.id());
  }

  @Override
  public void runFinished(StoredTask task, RunRecord run) {
    updated(task.id());
  }

  private void updated(String taskId) {
    McpSyncServer target = server;
    if (target == null) {
      return;
    }
    try {
      notifier.execute(
          () -> {
            for (String uri : List.of(TASK_URI_PREFIX + taskId, STATUS_URI)) {
              try {
                target.notifyResourcesUpdated(new McpSchema.ResourcesUpdatedNotification(uri));
              } catch (RuntimeException e) {
                log.debug("Could not notify subscribers of {}", uri, e);
              }
            }
          });
    } catch (RejectedExecutionException e) {
      // closing: nobody is listening any more
    }
  }

  @Override
  public void close() {
    scheduler.removeListener(this);
    server = null;
    notifier.shutdown();
  }
}
