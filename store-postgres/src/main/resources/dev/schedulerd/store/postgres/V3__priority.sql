-- schedulerd store on PostgreSQL, schema version 3: each task's priority beside its status, and
-- one index of both, so that counting by status and priority reads no definition's JSON.
ALTER TABLE tasks ADD COLUMN priority TEXT;
UPDATE tasks SET priority = definition::json ->> 'priority';
CREATE INDEX tasks_priority_status ON tasks (priority, status);
