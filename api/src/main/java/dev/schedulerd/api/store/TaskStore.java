package dev.schedulerd.api.store;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Durable home of tasks, their states and their runs, possibly shared by several scheduler
 * processes on one or many machines.
 *
 * <p><b>Sharing.</b> A store never assumes one writer. Every write of a task's state is a {@link
 * TaskWrite}: conditional on the version the writer last saw or on the run id of the lease it
 * holds, raising the task's {@link TaskState#version() version} by one. A write whose condition
 * fails changes nothing and returns empty; the caller re-reads. This is how each due run executes
 * once even when several schedulers race for it, and how a node that lost its lease is kept from
 * recording a stale result.
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
 * <p><b>Capabilities.</b> Beyond the required methods a store may keep node heartbeats ({@link
 * #nodeRegistry}), offer a clock shared by machines ({@link #sharedClock}) and announce changes
 * ({@link #changeNotifier}). Each is asked for, not assumed, so a store that lacks one says so and
 * a wrapper (metrics, faults) forwards exactly what it wraps. The testkit's {@code
 * TaskStoreContract} checks every required method and every capability a store offers.
 *
 * <p><b>Evolution.</b> Methods are only ever added with a default that neither throws nor drops
 * data: a capability that answers empty, or a call of the methods already here.
 */
public interface TaskStore extends AutoCloseable {

  /**
   * Adds new tasks, each at version 1, all of them or none: a workflow's tasks depend on each
   * other, so no other process may see a part of them.
   *
   * @param tasks definitions with their initial states (their versions are ignored)
   * @return the tasks as stored, in the order given
   * @throws DuplicateTaskException when one of the ids is taken or given twice (none is added)
   */
  List<StoredTask> insertAll(List<StoredTask> tasks);

  /**
   * Adds one new task at version 1: {@link #insertAll} of one.
   *
   * @throws DuplicateTaskException when a task with the same id exists
   */
  default StoredTask insert(TaskDefinition definition, TaskState state) {
    return insertAll(List.of(new StoredTask(definition, state))).get(0);
  }

  /** The task with {@code taskId}, if present. */
  Optional<StoredTask> find(String taskId);

  /** Every task, ordered by id. */
  List<StoredTask> list();

  /**
   * The tasks {@code query} selects, a page in id order. The default filters {@link #list()}, which
   * is correct but reads every task; stores with an index on id override it.
   */
  default TaskPage query(TaskQuery query) {
    return TaskPage.of(list(), query);
  }

  /**
   * How many tasks there are, by status and by priority. The default counts {@link #list()}; stores
   * that can count where the tasks are override it.
   */
  default TaskCounts counts() {
    return TaskCounts.of(list());
  }

  /**
   * Applies one conditional write in one atomic step: reads the task, and if {@link
   * TaskWrite#applyTo} gives a next version, stores it with the write's run records.
   *
   * @return the task as stored now, or empty when the task is gone or the condition failed (nothing
   *     is written)
   */
  Optional<StoredTask> write(TaskWrite write);

  /**
   * Applies several writes, each under its own condition, as if one by one; a scheduler claims runs
   * in batches this way. A store that can should write them in one transaction, and may skip a
   * write whose task another writer holds locked at that moment (as if its condition failed).
   *
   * @return the tasks written, in the order of their writes; a write that did not happen is absent
   */
  default List<StoredTask> writeAll(List<TaskWrite> writes) {
    List<StoredTask> written = new ArrayList<>(writes.size());
    for (TaskWrite write : writes) {
      write(write).ifPresent(written::add);
    }
    return written;
  }

  /**
   * Removes a task and its run records.
   *
   * @return whether a task was removed
   */
  boolean delete(String taskId);

  /**
   * Removes a task and its run records only if it is still at {@code version}, i.e. nothing wrote
   * it since the caller read it (the retention sweep removes a task it found ended long ago, never
   * one a client has just revived).
   *
   * @return whether the task was removed
   */
  boolean delete(String taskId, long version);

  /**
   * Running tasks whose lease expired at or before {@code now}, oldest expiry first, at most {@code
   * limit}. Called periodically to recover the runs of nodes that died.
   */
  List<StoredTask> findExpiredLeases(Instant now, int limit);

  /** The run records of a task, newest first, at most {@code limit}. */
  List<RunRecord> runs(String taskId, int limit);

  /**
   * Run records of one task ({@code taskId}) or of every task (null), newest first, {@code limit}
   * at a time: pass the returned cursor to get the next page. One cursor kind for both.
   *
   * @throws IllegalArgumentException when {@code cursor} is not one this store gave
   */
  RunPage runPage(@Nullable String taskId, int limit, @Nullable String cursor);

  /**
   * What changed after {@code cursor}, a page at a time: the current state of the tasks of the
   * first {@code limit} changes after it in change order, the removals among those changes, and the
   * cursor just past them. A page with fewer than {@code limit} tasks is the last one; cursor 0
   * starts from the beginning. A scheduler loading a large store holds one page at a time, and
   * learns of tasks other processes added, changed or removed without rescanning the store.
   *
   * @param limit at least 1
   */
  ChangeSet changesSince(long cursor, int limit);

  /** {@link #changesSince(long, int)} in one page. */
  default ChangeSet changesSince(long cursor) {
    return changesSince(cursor, Integer.MAX_VALUE);
  }

  /**
   * The clock by which nodes sharing this store from different machines measure leases and
   * heartbeats: a database server's clock. Schedulers then set lease expiry, find expired leases
   * and stamp heartbeats by it, never by their own clock, so a node whose clock runs ahead cannot
   * take over runs whose leases are live. Empty for stores that live on one machine, whose nodes
   * share that machine's clock. Reading it may do I/O and may throw {@link StoreException}.
   */
  default Optional<InstantSource> sharedClock() {
    return Optional.empty();
  }

  /** The store's record of live nodes, if it keeps one. */
  default Optional<NodeRegistry> nodeRegistry() {
    return Optional.empty();
  }

  /** How the store announces changes, if it does; schedulers poll {@link #changesSince} anyway. */
  default Optional<ChangeNotifier> changeNotifier() {
    return Optional.empty();
  }

  /**
   * What keeps the store from being written safely, in one line for people and agents (its file was
   * deleted or replaced since it was opened, say), or empty. Once set it stays until the store is
   * opened again; meanwhile writes fail with the same words.
   */
  default Optional<String> problem() {
    return Optional.empty();
  }

  /** Releases connections and files. Further calls fail with {@link StoreException}. */
  @Override
  void close();
}
