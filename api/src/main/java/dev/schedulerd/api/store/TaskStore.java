package dev.schedulerd.api.store;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Durable home of tasks, their states and their runs, possibly shared by several scheduler
 * processes on one or many machines.
 *
 * <p><b>Sharing.</b> A store never assumes one writer. Every write of a task's state raises its
 * {@link TaskState#version() version} by one and is conditional: on the version the writer last saw
 * ({@link #update}, {@link #claim}) or on the run id of the lease it holds ({@link #renewLease},
 * {@link #complete}). A write whose condition fails changes nothing and returns empty; the caller
 * re-reads. This is how each due run executes once even when several schedulers race for it, and
 * how a node that lost its lease is kept from recording a stale result.
 *
 * <p><b>Change feed.</b> Every write also advances a store-wide change cursor. {@link
 * #changesSince} lets a scheduler learn of tasks that other processes added, changed or removed
 * without rescanning the whole store.
 *
 * <p><b>Threads.</b> Implementations are thread-safe: the scheduler calls them from its ticker,
 * from a virtual thread per run, from its store-sync thread and from client requests, all at once.
 * Methods may block on I/O. Failures of the store itself are thrown as {@link StoreException}; the
 * scheduler logs them and retries later, so a method must not leave a half-applied change behind.
 *
 * <p><b>Evolution.</b> Methods are only ever added with a default.
 */
public interface TaskStore extends AutoCloseable {

  /**
   * Adds a new task with {@code state}, stored at version 1. Called when a client adds a task.
   *
   * @return the task as stored
   * @throws DuplicateTaskException when a task with the same id exists
   */
  StoredTask insert(TaskDefinition definition, TaskState state);

  /**
   * Adds several new tasks at once, each at version 1: all of them or none (a workflow's tasks
   * depend on each other). The default inserts one by one and removes those it inserted when one
   * fails, so other processes may glimpse a part; stores with transactions override it.
   *
   * @param tasks definitions with their initial states (their versions are ignored)
   * @return the tasks as stored, in the order given
   * @throws DuplicateTaskException when one of the ids is taken (none is added)
   */
  default List<StoredTask> insertAll(List<StoredTask> tasks) {
    List<StoredTask> inserted = new java.util.ArrayList<>(tasks.size());
    try {
      for (StoredTask task : tasks) {
        inserted.add(insert(task.definition(), task.state()));
      }
    } catch (RuntimeException e) {
      inserted.forEach(t -> delete(t.id()));
      throw e;
    }
    return inserted;
  }

  /** The task with {@code taskId}, if present. */
  Optional<StoredTask> find(String taskId);

  /** Every task, ordered by id. */
  List<StoredTask> list();

  /**
   * Replaces a task's state if its stored version is still {@code expectedVersion}.
   *
   * @return the task as stored now, or empty when the task is gone or its version differs
   */
  Optional<StoredTask> update(String taskId, long expectedVersion, TaskState next);

  /**
   * Replaces a task's state, like {@link #update}, and appends {@code runs} in the same atomic
   * step: the records of fire times that did not run (missed while the scheduler was down, skipped
   * because a run overlapped), written together with the state that passes over them.
   *
   * @return the task as stored now, or empty when the task is gone or its version differs
   * @throws UnsupportedOperationException when {@code runs} is not empty and the store cannot write
   *     them with the state (the default)
   */
  default Optional<StoredTask> updateWithRuns(
      String taskId, long expectedVersion, TaskState next, List<RunRecord> runs) {
    if (runs.isEmpty()) {
      return update(taskId, expectedVersion, next);
    }
    throw new UnsupportedOperationException(
        getClass().getName() + " cannot record runs together with a state");
  }

  /**
   * Replaces a task's definition and state together if its stored version is still {@code
   * expectedVersion}; the id stays. Called when a client updates a task.
   *
   * @return the task as stored now, or empty when the task is gone or its version differs
   * @throws UnsupportedOperationException when the store cannot change definitions (the default)
   */
  default Optional<StoredTask> replace(
      String taskId, long expectedVersion, TaskDefinition definition, TaskState next) {
    throw new UnsupportedOperationException(
        getClass().getName() + " cannot change a task's definition");
  }

  /**
   * Claims a due task for a run: if the task is still at {@code expectedVersion} and queued
   * (SCHEDULED or RETRY_WAIT), moves it to RUNNING under {@code lease} and counts the attempt.
   * Exactly one of several concurrent claims of the same version succeeds.
   *
   * @return the claimed task, or empty when someone else claimed or changed it first
   */
  Optional<StoredTask> claim(String taskId, long expectedVersion, Lease lease);

  /**
   * Makes several {@link #claim claims} at once, each under its own condition, exactly as if made
   * one by one. Schedulers claim runs shortly before they are due in batches, so a store that can
   * write them in one transaction should override this.
   *
   * @return the tasks claimed, in any order; a claim that lost is simply absent
   */
  default List<StoredTask> claimAll(List<Claim> claims) {
    List<StoredTask> claimed = new java.util.ArrayList<>(claims.size());
    for (Claim c : claims) {
      claim(c.taskId(), c.expectedVersion(), c.lease()).ifPresent(claimed::add);
    }
    return claimed;
  }

  /**
   * Extends the lease of the running task if the lease still covers {@code runId}. Called by the
   * claiming node while the run lasts.
   *
   * @return the task as stored now, or empty when the lease was lost
   */
  Optional<StoredTask> renewLease(String taskId, String runId, Instant newExpiry);

  /**
   * Records how a run ended, in one atomic step: appends {@code run} and replaces the task's state
   * with {@code next}, if the task's lease still covers {@code runId}. Called by the node that ran
   * the task, or by a node recovering an expired lease.
   *
   * @return the task as stored now, or empty when the lease was lost (nothing is written)
   */
  Optional<StoredTask> complete(String taskId, String runId, TaskState next, RunRecord run);

  /**
   * Records the run of an expired lease as abandoned, in one atomic step like {@link #complete}, if
   * the task is still at {@code expectedVersion}, the version at which it was found {@link
   * #findExpiredLeases expired}. The version is the fencing token here: if the lease's holder
   * renewed it or recorded its result in between, the version moved on and nothing is written, so a
   * slow node's live run is never recorded as abandoned under it.
   *
   * <p>The default checks the version and then completes, which is not atomic; stores override it.
   *
   * @return the task as stored now, or empty when its version differs or it holds no lease
   */
  default Optional<StoredTask> recoverAbandoned(
      String taskId, long expectedVersion, TaskState next, RunRecord run) {
    Optional<StoredTask> current = find(taskId);
    if (current.isEmpty()
        || current.get().version() != expectedVersion
        || current.get().state().lease() == null) {
      return Optional.empty();
    }
    return complete(
        taskId, java.util.Objects.requireNonNull(current.get().state().lease()).runId(), next, run);
  }

  /**
   * The clock by which nodes sharing this store from different machines measure leases and
   * heartbeats: a database server's clock. Schedulers then set lease expiry, find expired leases
   * and stamp heartbeats by it, never by their own clock, so a node whose clock runs ahead cannot
   * take over runs whose leases are live. Empty (the default) for stores that live on one machine,
   * whose nodes share that machine's clock. Reading it may do I/O and may throw {@link
   * StoreException}.
   */
  default Optional<InstantSource> sharedClock() {
    return Optional.empty();
  }

  /**
   * {@link #complete} that also appends {@code notRun}: the records of fire times that passed while
   * the run ran and will not run ({@code skipped}), in the same atomic step.
   *
   * @return the task as stored now, or empty when the lease was lost (nothing is written)
   * @throws UnsupportedOperationException when {@code notRun} is not empty and the store cannot
   *     write them together (the default)
   */
  default Optional<StoredTask> complete(
      String taskId, String runId, TaskState next, RunRecord run, List<RunRecord> notRun) {
    if (notRun.isEmpty()) {
      return complete(taskId, runId, next, run);
    }
    throw new UnsupportedOperationException(
        getClass().getName() + " cannot record skipped fire times with a run");
  }

  /**
   * Removes a task and its run records.
   *
   * @return whether a task was removed
   */
  boolean delete(String taskId);

  /**
   * Running tasks whose lease expired at or before {@code now}, oldest expiry first, at most {@code
   * limit}. Called periodically to recover the runs of nodes that died.
   */
  List<StoredTask> findExpiredLeases(Instant now, int limit);

  /** The run records of a task, newest first, at most {@code limit}. */
  List<RunRecord> runs(String taskId, int limit);

  /**
   * Run records of every task, newest first (by end, then run id), {@code limit} at a time: pass
   * the returned cursor to get the next page. The default reads every task's newest runs; stores
   * with a run index should override it.
   */
  default RunPage allRuns(int limit, @Nullable String cursor) {
    List<RunRecord> all = new java.util.ArrayList<>();
    for (StoredTask task : list()) {
      all.addAll(runs(task.id(), Integer.MAX_VALUE));
    }
    all.sort(RunPage.NEWEST_FIRST);
    int start = 0;
    if (cursor != null) {
      while (start < all.size() && !RunPage.cursorOf(all.get(start)).equals(cursor)) {
        start++;
      }
      start = Math.min(all.size(), start + 1);
    }
    List<RunRecord> page = all.subList(start, Math.min(all.size(), start + limit));
    String next =
        start + limit < all.size() && !page.isEmpty()
            ? RunPage.cursorOf(page.get(page.size() - 1))
            : null;
    return new RunPage(page, next);
  }

  /**
   * What changed after {@code cursor}: the current state of every task written since, the ids of
   * tasks removed since, and the cursor to pass next time. Cursor 0 returns every task.
   */
  ChangeSet changesSince(long cursor);

  /**
   * {@link #changesSince(long)} a page at a time: the tasks of the first {@code limit} changes
   * after {@code cursor} in change order, the removals among those changes, and the cursor just
   * past them. A page with fewer than {@code limit} tasks is the last one. A scheduler loading a
   * large store holds one page at a time instead of every task at once.
   *
   * <p>The default answers everything in one page, which is correct but does not bound memory.
   *
   * @param limit at least 1
   */
  default ChangeSet changesSince(long cursor, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    return changesSince(cursor);
  }

  /**
   * Records that {@code node} is alive, replacing its previous heartbeat. Schedulers call it every
   * few seconds; a store that cannot keep it ignores it (the default).
   */
  default void heartbeat(NodeInfo node) {}

  /**
   * The nodes that sent a heartbeat at or after {@code since}, by node id; empty for stores that
   * keep none.
   */
  default List<NodeInfo> nodes(Instant since) {
    return List.of();
  }

  /**
   * Asks to be told when the store may have changed. The store calls {@code listener} from any
   * thread, without holding its locks; the listener must return quickly. Stores that cannot detect
   * changes made by other processes may call it only for their own writes (or never): the scheduler
   * also polls {@link #changesSince} at a bounded interval.
   */
  default void addChangeListener(Runnable listener) {}

  /** Releases connections and files. Further calls fail with {@link StoreException}. */
  @Override
  void close();
}
