-- schedulerd store, schema version 2: node heartbeats.
CREATE TABLE nodes (
  node_id        TEXT    PRIMARY KEY,
  started        TEXT    NOT NULL,  -- ISO-8601 instant
  last_heartbeat TEXT    NOT NULL,  -- ISO-8601 instant, exact
  heartbeat_ms   INTEGER NOT NULL,  -- the same, for the index
  runs_in_flight INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX nodes_heartbeat ON nodes (heartbeat_ms);
