-- schedulerd store on PostgreSQL, schema version 2: node heartbeats.
CREATE TABLE nodes (
  node_id        TEXT    PRIMARY KEY,
  started        TEXT    NOT NULL,
  last_heartbeat TEXT    NOT NULL,
  heartbeat_ms   BIGINT  NOT NULL,
  runs_in_flight INTEGER NOT NULL
);

CREATE INDEX nodes_heartbeat ON nodes (heartbeat_ms);
