-- schedulerd store on PostgreSQL, schema version 4: change numbers without the one row every
-- write locked. A write's change numbers are now its transaction's id times 2^20 plus their place
-- in it, and readers find unseen writes by the transactions their last snapshot saw running
-- (SnapshotFeed), so writers commit side by side. change_counter stays for nodes of older builds
-- still running during an upgrade: their writes are renumbered here so that upgraded nodes see
-- them; they themselves learn of no other node's writes (their counter no longer numbers rows)
-- until they are upgraded too.
CREATE FUNCTION schedulerd_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN NEW.change_seq := (pg_current_xact_id()::text::bigint << 20) + (NEW.change_seq & 1048575); RETURN NEW; END
$$;
CREATE TRIGGER tasks_change_seq BEFORE INSERT OR UPDATE ON tasks FOR EACH ROW
  WHEN (NEW.change_seq < pg_current_xact_id()::text::bigint << 20)
  EXECUTE FUNCTION schedulerd_change_seq();
CREATE TRIGGER removed_tasks_change_seq BEFORE INSERT OR UPDATE ON removed_tasks FOR EACH ROW
  WHEN (NEW.change_seq < pg_current_xact_id()::text::bigint << 20)
  EXECUTE FUNCTION schedulerd_change_seq();
