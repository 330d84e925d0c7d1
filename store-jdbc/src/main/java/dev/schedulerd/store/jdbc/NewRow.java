package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.StoredTask;
import org.jspecify.annotations.Nullable;

/**
 * A new task's row as {@link Dialect.RowsInsert} writes it: the columns of {@code tasks} but its
 * change number, with definition and state encoded already.
 */
public record NewRow(
    String id,
    String definition,
    String state,
    String status,
    long version,
    @Nullable Long nextDueMs,
    @Nullable String leaseRunId,
    @Nullable Long leaseExpiresMs,
    String priority) {

  static NewRow of(StoredTask task, String definitionJson, String stateJson) {
    Lease lease = task.state().lease();
    java.time.Instant due = task.state().nextDueAt();
    return new NewRow(
        task.id(),
        definitionJson,
        stateJson,
        task.state().status().wireName(),
        task.state().version(),
        due != null ? due.toEpochMilli() : null,
        lease != null ? lease.runId() : null,
        lease != null ? TaskRows.ceilMillis(lease.expiresAt()) : null,
        task.definition().priority().wireName());
  }
}
