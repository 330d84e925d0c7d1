package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.json.TaskJson;
import dev.schedulerd.api.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.FutureTask;
import org.jspecify.annotations.Nullable;

/**
 * A task as a row of the {@code tasks} table and back. The definition and the state are JSON (the
 * exact values); {@code status}, {@code next_due_ms}, {@code lease_run_id}, {@code
 * lease_expires_ms} and {@code change_seq} repeat parts of the state as columns for the indexes.
 */
final class TaskRows {
  /** The columns {@link #read} decodes, in order. */
  static final String COLUMNS = "definition, state, version, change_seq";

  /** Rows decoded per chunk; a query returning fewer is decoded on the calling thread alone. */
  private static final int DECODE_CHUNK = 2_048;

  private TaskRows() {}

  /**
   * Binds state, status, version, next_due_ms, lease_run_id, lease_expires_ms and change_seq to the
   * seven parameters from {@code first}.
   */
  static void bindState(PreparedStatement statement, int first, TaskState state, long changeSeq)
      throws SQLException {
    bindState(statement, first, state, TaskJson.writeState(state), changeSeq);
  }

  /** {@link #bindState} with the state's JSON encoded already (before the write was queued). */
  static void bindState(
      PreparedStatement statement, int first, TaskState state, String stateJson, long changeSeq)
      throws SQLException {
    statement.setString(first, stateJson);
    statement.setString(first + 1, state.status().wireName());
    statement.setLong(first + 2, state.version());
    Instant due = state.nextDueAt();
    if (due != null) {
      statement.setLong(first + 3, due.toEpochMilli());
    } else {
      statement.setNull(first + 3, Types.BIGINT);
    }
    Lease lease = state.lease();
    if (lease != null) {
      statement.setString(first + 4, lease.runId());
      statement.setLong(first + 5, ceilMillis(lease.expiresAt()));
    } else {
      statement.setNull(first + 4, Types.VARCHAR);
      statement.setNull(first + 5, Types.BIGINT);
    }
    statement.setLong(first + 6, changeSeq);
  }

  /**
   * Epoch milliseconds rounded up: a lease column value at or before "now" in milliseconds may
   * still be a few microseconds after it, so readers recheck the exact instant.
   */
  static long ceilMillis(Instant instant) {
    long millis = instant.toEpochMilli();
    return instant.getNano() % 1_000_000 == 0 ? millis : millis + 1;
  }

  /**
   * Reads the rows ({@link #COLUMNS}) and decodes them into tasks, in row order. Decoding (JSON,
   * instants) costs far more than reading: for large results (a start-up with a million stored
   * tasks) each full chunk of rows is decoded on the common pool while the next is read, and the
   * reader decodes whatever no pool thread has started. A row this store wrote lately ({@code own})
   * is not decoded: the task as written is taken.
   */
  static List<StoredTask> read(ResultSet rs, OwnWrites own) throws SQLException {
    List<FutureTask<List<StoredTask>>> chunks = new ArrayList<>();
    List<RawTask> chunk = new ArrayList<>();
    try {
      while (rs.next()) {
        StoredTask written = own.find(rs.getLong(4));
        if (written != null && written.state().version() != rs.getLong(3)) {
          written = null; // not the row remembered: a file restored under a running node, say
        }
        // The JSON's UTF-8 bytes as stored: decoded by Jackson's byte parser, never a String.
        chunk.add(
            written != null
                ? new RawTask(written)
                : new RawTask(rs.getBytes(1), rs.getBytes(2), rs.getLong(3), null));
        if (chunk.size() == DECODE_CHUNK) {
          List<RawTask> full = chunk;
          FutureTask<List<StoredTask>> decode = new FutureTask<>(() -> decodeAll(full));
          ForkJoinPool.commonPool().execute(decode);
          chunks.add(decode);
          chunk = new ArrayList<>();
        }
      }
      if (chunks.isEmpty()) {
        return decodeAll(chunk);
      }
      // The reader decodes from the last chunk back while the pool takes them from the first: the
      // two meet in the middle. Joining in row order instead waited on the chunk a pool thread
      // held, and the next one was taken by that thread first: one core decoded a start-up of a
      // million tasks. A chunk keeps its failure until joined: the first bad row is the one said.
      for (int i = chunks.size() - 1; i >= 0; i--) {
        chunks.get(i).run(); // does nothing when a pool thread has started it already
      }
      List<StoredTask> tasks = new ArrayList<>(chunks.size() * DECODE_CHUNK + chunk.size());
      for (FutureTask<List<StoredTask>> decode : chunks) {
        tasks.addAll(joinDecoded(decode));
      }
      tasks.addAll(decodeAll(chunk));
      return tasks;
    } catch (SQLException | RuntimeException e) {
      for (FutureTask<List<StoredTask>> decode : chunks) {
        decode.cancel(false); // nobody takes these results now: no chunk decodes on
      }
      throw e;
    }
  }

  private static List<StoredTask> joinDecoded(FutureTask<List<StoredTask>> decode) {
    try {
      return decode.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new StoreException("decoding stored tasks failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while decoding stored tasks", e);
    }
  }

  /** A task row as read, not yet decoded; or the task as this store wrote it. */
  private record RawTask(
      byte @Nullable [] definition,
      byte @Nullable [] state,
      long version,
      @Nullable StoredTask written) {
    RawTask(StoredTask written) {
      this(null, null, written.state().version(), written);
    }
  }

  private static List<StoredTask> decodeAll(List<RawTask> rows) {
    List<StoredTask> tasks = new ArrayList<>(rows.size());
    for (RawTask row : rows) {
      tasks.add(decode(row));
    }
    return tasks;
  }

  private static StoredTask decode(RawTask row) {
    byte[] definitionJson = row.definition();
    byte[] stateJson = row.state();
    if (definitionJson == null || stateJson == null) {
      return java.util.Objects.requireNonNull(row.written());
    }
    try {
      return new StoredTask(
          TaskJson.readDefinition(definitionJson), TaskJson.readState(stateJson, row.version()));
    } catch (RuntimeException e) {
      String definition = new String(definitionJson, StandardCharsets.UTF_8);
      throw new StoreException(
          "a stored task cannot be read ("
              + e.getMessage()
              + "): "
              + (definition.length() <= 200 ? definition : definition.substring(0, 200) + "…"),
          e);
    }
  }
}
