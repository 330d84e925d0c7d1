package dev.schedulerd.api.store;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One conditional write of a task: if the stored task meets {@link #condition}, its state becomes
 * {@link #change} applied to it, at the next version, its definition becomes {@link #definition}
 * when one is given, and {@link #runs} are appended, all in one atomic step. Every change a
 * scheduler makes to a stored task is one of these (the factories below name them); a store applies
 * it with {@link #applyTo} and persists the result, so the rules live here once.
 *
 * @param definition the task's new definition, or null to keep it
 * @param runs run records to append, oldest first
 */
public record TaskWrite(
    String taskId,
    Condition condition,
    Change change,
    @Nullable TaskDefinition definition,
    List<RunRecord> runs) {

  public TaskWrite {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(change, "change");
    if (definition != null && !definition.id().equals(taskId)) {
      throw new IllegalArgumentException(
          "the definition's id " + definition.id() + " is not the task's id " + taskId);
    }
    runs = List.copyOf(runs);
    runs.forEach(run -> run.requireTask(taskId));
  }

  /** What the stored task must be for the write to happen. */
  public sealed interface Condition {
    boolean holdsFor(StoredTask current);

    /** Still at the version the writer read. */
    record AtVersion(long version) implements Condition {
      @Override
      public boolean holdsFor(StoredTask current) {
        return current.version() == version;
      }
    }

    /** Still at the version the writer read, and queued (SCHEDULED or RETRY_WAIT). */
    record QueuedAtVersion(long version) implements Condition {
      @Override
      public boolean holdsFor(StoredTask current) {
        return current.version() == version && current.state().status().isQueued();
      }
    }

    /** Running under a lease for this run: the lease's holder is the writer. */
    record HoldsLease(String runId) implements Condition {
      public HoldsLease {
        Objects.requireNonNull(runId, "runId");
      }

      @Override
      public boolean holdsFor(StoredTask current) {
        Lease lease = current.state().lease();
        return current.state().status() == TaskStatus.RUNNING
            && lease != null
            && lease.runId().equals(runId);
      }
    }

    /**
     * {@link HoldsLease}, and nothing wrote the task since the writer last did ({@code version}):
     * what the writer computed from the task as it knew it still applies.
     */
    record HoldsLeaseAtVersion(String runId, long version) implements Condition {
      public HoldsLeaseAtVersion {
        Objects.requireNonNull(runId, "runId");
      }

      @Override
      public boolean holdsFor(StoredTask current) {
        return current.version() == version && new HoldsLease(runId).holdsFor(current);
      }
    }

    /**
     * Still at the version at which its lease was found expired: the version is the fencing token,
     * so a holder that renewed or finished in between is never overwritten.
     */
    record LeasedAtVersion(long version) implements Condition {
      @Override
      public boolean holdsFor(StoredTask current) {
        return current.version() == version && current.state().lease() != null;
      }
    }
  }

  /** The state the task moves to, from the state it has. */
  public sealed interface Change {
    TaskState from(TaskState current);

    /** A state the writer computed. */
    record To(TaskState next) implements Change {
      public To {
        Objects.requireNonNull(next, "next");
      }

      @Override
      public TaskState from(TaskState current) {
        return next;
      }
    }

    /** Running under {@code lease}, the attempt counted. */
    record Claimed(Lease lease) implements Change {
      public Claimed {
        Objects.requireNonNull(lease, "lease");
      }

      @Override
      public TaskState from(TaskState current) {
        return current.running(lease, lease.acquiredAt());
      }
    }

    /** The same run's lease, lasting until {@code expiresAt}. */
    record LeaseRenewed(Instant expiresAt) implements Change {
      public LeaseRenewed {
        Objects.requireNonNull(expiresAt, "expiresAt");
      }

      @Override
      public TaskState from(TaskState current) {
        return current.leaseRenewed(expiresAt, current.updatedAt());
      }
    }
  }

  /**
   * The task as it is after this write, at the next version, or empty when {@code current} is
   * absent or does not meet the condition (then nothing is written).
   */
  public Optional<StoredTask> applyTo(@Nullable StoredTask current) {
    if (current == null || !condition.holdsFor(current)) {
      return Optional.empty();
    }
    TaskDefinition newDefinition = definition != null ? definition : current.definition();
    TaskState next = change.from(current.state()).withVersion(current.version() + 1);
    return Optional.of(new StoredTask(newDefinition, next));
  }

  /**
   * Whether this is the scheduler's own bookkeeping of a run (its claim, a lease renewal, its end),
   * which no client's write waits on: a store may make it durable a little later than its commit
   * (the SQLite store's {@code runs_synced_within_ms}).
   */
  public boolean isRunBookkeeping() {
    return switch (change) {
      case Change.Claimed c -> true;
      case Change.LeaseRenewed r -> true;
      case Change.To t ->
          condition instanceof Condition.HoldsLease
              || condition instanceof Condition.HoldsLeaseAtVersion;
    };
  }

  /** A short name of the kind of write, for metrics and logs. */
  public String kind() {
    return switch (change) {
      case Change.Claimed c -> "claim";
      case Change.LeaseRenewed r -> "renew_lease";
      case Change.To t ->
          switch (condition) {
            case Condition.HoldsLease h -> "complete";
            case Condition.HoldsLeaseAtVersion h -> "complete";
            case Condition.LeasedAtVersion l -> "recover_abandoned";
            case Condition.AtVersion a when definition != null -> "replace";
            case Condition.AtVersion a when !runs.isEmpty() -> "update_with_runs";
            case Condition.AtVersion a -> "update";
            case Condition.QueuedAtVersion q -> "update";
          };
    };
  }

  // ------------------------------------------------------------------ the writes a scheduler makes

  /** Replaces the state if the task is still at {@code expectedVersion}. */
  public static TaskWrite update(String taskId, long expectedVersion, TaskState next) {
    return updateWithRuns(taskId, expectedVersion, next, List.of());
  }

  /**
   * {@link #update} that also appends the records of fire times that did not run (missed while no
   * scheduler ran, skipped because a run overlapped), written with the state that passes over them.
   */
  public static TaskWrite updateWithRuns(
      String taskId, long expectedVersion, TaskState next, List<RunRecord> runs) {
    return new TaskWrite(
        taskId, new Condition.AtVersion(expectedVersion), new Change.To(next), null, runs);
  }

  /** Replaces definition and state together if the task is still at {@code expectedVersion}. */
  public static TaskWrite replace(
      String taskId, long expectedVersion, TaskDefinition definition, TaskState next) {
    return new TaskWrite(
        taskId,
        new Condition.AtVersion(expectedVersion),
        new Change.To(next),
        definition,
        List.of());
  }

  /**
   * Claims a due task for a run: if still at {@code expectedVersion} and queued, it moves to
   * RUNNING under {@code lease} and the attempt is counted. Of several claims of one version,
   * exactly one succeeds.
   */
  public static TaskWrite claim(String taskId, long expectedVersion, Lease lease) {
    return new TaskWrite(
        taskId,
        new Condition.QueuedAtVersion(expectedVersion),
        new Change.Claimed(lease),
        null,
        List.of());
  }

  /** Extends the lease of the running task if the lease still covers {@code runId}. */
  public static TaskWrite renewLease(String taskId, String runId, Instant newExpiry) {
    return new TaskWrite(
        taskId,
        new Condition.HoldsLease(runId),
        new Change.LeaseRenewed(newExpiry),
        null,
        List.of());
  }

  /**
   * Records how a run ended, if the task's lease still covers {@code runId}: appends the records of
   * fire times that passed while it ran and will not run ({@code notRun}), then {@code run}, and
   * replaces the state with {@code next}.
   */
  public static TaskWrite complete(
      String taskId, String runId, TaskState next, RunRecord run, List<RunRecord> notRun) {
    return new TaskWrite(
        taskId, new Condition.HoldsLease(runId), new Change.To(next), null, ending(run, notRun));
  }

  /**
   * {@link #complete}, only if nothing wrote the task since version {@code lastWritten} (the
   * writer's own claim or renewal): a run's node computes what follows the run from the task as it
   * claimed it, and reads it again only when a client changed it meanwhile.
   */
  public static TaskWrite completeAsLastWritten(
      String taskId,
      String runId,
      long lastWritten,
      TaskState next,
      RunRecord run,
      List<RunRecord> notRun) {
    return new TaskWrite(
        taskId,
        new Condition.HoldsLeaseAtVersion(runId, lastWritten),
        new Change.To(next),
        null,
        ending(run, notRun));
  }

  /** The records a finished run writes: the fire times passed over, then the run, the newest. */
  private static List<RunRecord> ending(RunRecord run, List<RunRecord> notRun) {
    List<RunRecord> runs = new ArrayList<>(notRun.size() + 1);
    runs.addAll(notRun);
    runs.add(run);
    return runs;
  }

  /** {@link #complete} with no fire times passed over. */
  public static TaskWrite complete(String taskId, String runId, TaskState next, RunRecord run) {
    return complete(taskId, runId, next, run, List.of());
  }

  /**
   * Records the run of an expired lease as abandoned, if the task is still at the version at which
   * it was found expired.
   */
  public static TaskWrite recoverAbandoned(
      String taskId, long expectedVersion, TaskState next, RunRecord run) {
    return new TaskWrite(
        taskId,
        new Condition.LeasedAtVersion(expectedVersion),
        new Change.To(next),
        null,
        List.of(run));
  }
}
