package dev.schedulerd.runtime;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes the runtime makes in more than one place. */
final class StoreWrites {
  private static final Logger log = LoggerFactory.getLogger(StoreWrites.class);

  private StoreWrites() {}

  /** A conditional state write with not-run records; without them if the store cannot. */
  static Optional<StoredTask> withRuns(
      TaskStore store, StoredTask task, TaskState next, List<RunRecord> notRun) {
    try {
      return store.write(TaskWrite.updateWithRuns(task.id(), task.version(), next, notRun));
    } catch (UnsupportedOperationException e) {
      log.warn(
          "Store {} cannot record passed-over fire times; {} record(s) of task {} are dropped",
          store.getClass().getName(),
          notRun.size(),
          task.id());
      return store.write(TaskWrite.update(task.id(), task.version(), next));
    }
  }
}
