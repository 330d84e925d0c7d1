package dev.schedulerd.metrics;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.Claim;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.TaskStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TaskStore} that times every operation into {@code schedulerd.store.operation} (tag
 * {@code operation}) and delegates. Wraps any store, ours or a plug-in's.
 */
public final class TimedTaskStore implements TaskStore {
  private final TaskStore delegate;
  private final MeterRegistry registry;

  public TimedTaskStore(TaskStore delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  private <T> T timed(String operation, Supplier<T> call) {
    return Timer.builder("schedulerd.store.operation")
        .description("Latency of task store operations")
        .tag("operation", operation)
        .publishPercentileHistogram()
        .register(registry)
        .record(call);
  }

  @Override
  public StoredTask insert(TaskDefinition definition, TaskState state) {
    return timed("insert", () -> delegate.insert(definition, state));
  }

  @Override
  public List<StoredTask> insertAll(List<StoredTask> tasks) {
    return timed("insert_all", () -> delegate.insertAll(tasks));
  }

  @Override
  public Optional<StoredTask> find(String taskId) {
    return timed("find", () -> delegate.find(taskId));
  }

  @Override
  public List<StoredTask> list() {
    return timed("list", delegate::list);
  }

  @Override
  public Optional<StoredTask> update(String taskId, long expectedVersion, TaskState next) {
    return timed("update", () -> delegate.update(taskId, expectedVersion, next));
  }

  @Override
  public Optional<StoredTask> replace(
      String taskId, long expectedVersion, TaskDefinition definition, TaskState next) {
    return timed("replace", () -> delegate.replace(taskId, expectedVersion, definition, next));
  }

  @Override
  public Optional<StoredTask> claim(String taskId, long expectedVersion, Lease lease) {
    return timed("claim", () -> delegate.claim(taskId, expectedVersion, lease));
  }

  @Override
  public List<StoredTask> claimAll(List<Claim> claims) {
    return timed("claim_batch", () -> delegate.claimAll(claims));
  }

  @Override
  public Optional<StoredTask> renewLease(String taskId, String runId, Instant newExpiry) {
    return timed("renew_lease", () -> delegate.renewLease(taskId, runId, newExpiry));
  }

  @Override
  public Optional<StoredTask> complete(String taskId, String runId, TaskState next, RunRecord run) {
    return timed("complete", () -> delegate.complete(taskId, runId, next, run));
  }

  @Override
  public Optional<StoredTask> complete(
      String taskId, String runId, TaskState next, RunRecord run, List<RunRecord> notRun) {
    return timed("complete", () -> delegate.complete(taskId, runId, next, run, notRun));
  }

  @Override
  public Optional<StoredTask> updateWithRuns(
      String taskId, long expectedVersion, TaskState next, List<RunRecord> runs) {
    return timed(
        "update_with_runs", () -> delegate.updateWithRuns(taskId, expectedVersion, next, runs));
  }

  @Override
  public Optional<StoredTask> recoverAbandoned(
      String taskId, long expectedVersion, TaskState next, RunRecord run) {
    return timed(
        "recover_abandoned", () -> delegate.recoverAbandoned(taskId, expectedVersion, next, run));
  }

  @Override
  public Optional<InstantSource> sharedClock() {
    return delegate
        .sharedClock()
        .map(clock -> (InstantSource) () -> timed("shared_clock", clock::instant));
  }

  @Override
  public boolean delete(String taskId) {
    return timed("delete", () -> delegate.delete(taskId));
  }

  @Override
  public List<StoredTask> findExpiredLeases(Instant now, int limit) {
    return timed("find_expired_leases", () -> delegate.findExpiredLeases(now, limit));
  }

  @Override
  public List<RunRecord> runs(String taskId, int limit) {
    return timed("runs", () -> delegate.runs(taskId, limit));
  }

  @Override
  public RunPage allRuns(int limit, @Nullable String cursor) {
    return timed("all_runs", () -> delegate.allRuns(limit, cursor));
  }

  @Override
  public ChangeSet changesSince(long cursor) {
    return timed("changes_since", () -> delegate.changesSince(cursor));
  }

  @Override
  public ChangeSet changesSince(long cursor, int limit) {
    return timed("changes_since", () -> delegate.changesSince(cursor, limit));
  }

  @Override
  public void heartbeat(NodeInfo node) {
    timed(
        "heartbeat",
        () -> {
          delegate.heartbeat(node);
          return null;
        });
  }

  @Override
  public List<NodeInfo> nodes(Instant since) {
    return timed("nodes", () -> delegate.nodes(since));
  }

  @Override
  public void addChangeListener(Runnable listener) {
    delegate.addChangeListener(listener);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
