-- schedulerd store, schema version 1.
-- Instants in the *_ms columns are epoch milliseconds used only to find rows through indexes;
-- the exact values live in the JSON columns.

CREATE TABLE tasks (
  id               TEXT    PRIMARY KEY,
  definition       TEXT    NOT NULL,  -- TaskDefinition as JSON
  state            TEXT    NOT NULL,  -- TaskState as JSON, without its version
  status           TEXT    NOT NULL,
  version          INTEGER NOT NULL,
  next_due_ms      INTEGER,           -- set when status is scheduled or retry_wait
  lease_run_id     TEXT,              -- set when status is running
  lease_expires_ms INTEGER,           -- rounded up, so "expired at or before" needs a recheck
  change_seq       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX tasks_next_due ON tasks (next_due_ms) WHERE next_due_ms IS NOT NULL;
CREATE INDEX tasks_lease_expiry ON tasks (lease_expires_ms) WHERE lease_expires_ms IS NOT NULL;
CREATE UNIQUE INDEX tasks_change_seq ON tasks (change_seq);

-- A removed task leaves a tombstone so that other processes learn of the removal.
CREATE TABLE removed_tasks (
  id         TEXT    PRIMARY KEY,
  change_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX removed_tasks_change_seq ON removed_tasks (change_seq);

CREATE TABLE runs (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT    NOT NULL,
  run_id  TEXT    NOT NULL,
  record  TEXT    NOT NULL           -- RunRecord as JSON
);

CREATE INDEX runs_by_task ON runs (task_id, seq);

-- The store-wide change counter behind TaskStore.changesSince.
CREATE TABLE change_counter (
  only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
  value    INTEGER NOT NULL
);

INSERT INTO change_counter (only_row, value) VALUES (1, 0);
