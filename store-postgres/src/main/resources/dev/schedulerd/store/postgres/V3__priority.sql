-- schedulerd store on PostgreSQL, schema version 3: each task's priority beside its status, and
-- one index of both, so that counting by status and priority reads no definition's JSON. This
-- build writes the column itself; the triggers fill it for a writer that does not (a node of an
-- older build still running while another upgrades the database). A damaged definition gives
-- NULL, not an error that would stop the upgrade.
CREATE FUNCTION schedulerd_priority(definition TEXT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
  BEGIN RETURN definition::json ->> 'priority'; EXCEPTION WHEN others THEN RETURN NULL; END
$$;
ALTER TABLE tasks ADD COLUMN priority TEXT;
UPDATE tasks SET priority = schedulerd_priority(definition);
CREATE INDEX tasks_priority_status ON tasks (priority, status);
CREATE FUNCTION schedulerd_fill_priority() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN NEW.priority := schedulerd_priority(NEW.definition); RETURN NEW; END
$$;
CREATE TRIGGER tasks_priority_insert BEFORE INSERT ON tasks FOR EACH ROW
  WHEN (NEW.priority IS NULL) EXECUTE FUNCTION schedulerd_fill_priority();
CREATE TRIGGER tasks_priority_update BEFORE UPDATE OF definition ON tasks FOR EACH ROW
  WHEN (NEW.definition IS DISTINCT FROM OLD.definition) EXECUTE FUNCTION schedulerd_fill_priority();
