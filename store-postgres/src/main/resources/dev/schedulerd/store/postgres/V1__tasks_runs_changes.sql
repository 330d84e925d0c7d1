-- schedulerd store on PostgreSQL, schema version 1: the SQLite store's tables in PostgreSQL types.
-- Instants in the *_ms columns are epoch milliseconds used only to find rows through indexes;
-- the exact values live in the JSON columns.

CREATE TABLE tasks (
  id               TEXT    PRIMARY KEY,
  definition       TEXT    NOT NULL,
  state            TEXT    NOT NULL,
  status           TEXT    NOT NULL,
  version          BIGINT  NOT NULL,
  next_due_ms      BIGINT,
  lease_run_id     TEXT,
  lease_expires_ms BIGINT,
  change_seq       BIGINT  NOT NULL
);

CREATE INDEX tasks_next_due ON tasks (next_due_ms) WHERE next_due_ms IS NOT NULL;
CREATE INDEX tasks_lease_expiry ON tasks (lease_expires_ms) WHERE lease_expires_ms IS NOT NULL;
CREATE UNIQUE INDEX tasks_change_seq ON tasks (change_seq);

CREATE TABLE removed_tasks (
  id         TEXT   PRIMARY KEY,
  change_seq BIGINT NOT NULL
);

CREATE UNIQUE INDEX removed_tasks_change_seq ON removed_tasks (change_seq);

CREATE TABLE runs (
  seq     BIGSERIAL PRIMARY KEY,
  task_id TEXT      NOT NULL,
  run_id  TEXT      NOT NULL,
  record  TEXT      NOT NULL
);

CREATE INDEX runs_by_task ON runs (task_id, seq);

-- One row: every write takes its lock, so change numbers are committed in order.
CREATE TABLE change_counter (
  only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
  value    BIGINT  NOT NULL
);

INSERT INTO change_counter (only_row, value) VALUES (1, 0);
