package dev.schedulerd.metrics;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.store.ChangeNotifier;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.NodeRegistry;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.TaskCounts;
import dev.schedulerd.api.store.TaskPage;
import dev.schedulerd.api.store.TaskQuery;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import io.micrometer.core.instrument.Counter;
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
  public TaskCounts counts() {
    return timed("counts", delegate::counts);
  }

  @Override
  public TaskPage query(TaskQuery query) {
    return timed("query", () -> delegate.query(query));
  }

  /** Tagged by the write's kind: claim, renew_lease, complete, update, replace, ... */
  @Override
  public Optional<StoredTask> write(TaskWrite write) {
    return timed(write.kind(), () -> delegate.write(write));
  }

  /**
   * Tagged claim_batch when every write is a claim (the scheduler's batches), else write_batch. The
   * claims of a batch that did not win go to {@code schedulerd.claims.lost}: another node claimed
   * the run first (or its task changed meanwhile), wasted work that grows with the nodes.
   */
  @Override
  public List<StoredTask> writeAll(List<TaskWrite> writes) {
    boolean claims =
        writes.stream().allMatch(write -> write.change() instanceof TaskWrite.Change.Claimed);
    if (!claims) {
      return timed("write_batch", () -> delegate.writeAll(writes));
    }
    List<StoredTask> won = timed("claim_batch", () -> delegate.writeAll(writes));
    if (won.size() < writes.size()) {
      Counter.builder("schedulerd.claims.lost")
          .description("Claim attempts that lost: another node claimed the run first")
          .register(registry)
          .increment(writes.size() - won.size());
    }
    return won;
  }

  @Override
  public boolean delete(String taskId) {
    return timed("delete", () -> delegate.delete(taskId));
  }

  @Override
  public boolean delete(String taskId, long version) {
    return timed("delete", () -> delegate.delete(taskId, version));
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
  public RunPage runPage(@Nullable String taskId, int limit, @Nullable String cursor) {
    return timed("run_page", () -> delegate.runPage(taskId, limit, cursor));
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
  public Optional<InstantSource> sharedClock() {
    return delegate
        .sharedClock()
        .map(clock -> (InstantSource) () -> timed("shared_clock", clock::instant));
  }

  /** The wrapped store's registry, its calls timed. */
  @Override
  public Optional<NodeRegistry> nodeRegistry() {
    return delegate
        .nodeRegistry()
        .map(
            registry ->
                new NodeRegistry() {
                  @Override
                  public void heartbeat(NodeInfo node) {
                    timed(
                        "heartbeat",
                        () -> {
                          registry.heartbeat(node);
                          return null;
                        });
                  }

                  @Override
                  public List<NodeInfo> nodes(Instant since) {
                    return timed("nodes", () -> registry.nodes(since));
                  }
                });
  }

  @Override
  public Optional<ChangeNotifier> changeNotifier() {
    return delegate.changeNotifier();
  }

  @Override
  public Optional<String> problem() {
    return delegate.problem();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
