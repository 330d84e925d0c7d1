package dev.schedulerd.api;

import java.util.Objects;

/** A task as a store holds it: its definition and its current state. */
public record StoredTask(TaskDefinition definition, TaskState state) {
  public StoredTask {
    Objects.requireNonNull(definition, "definition");
    Objects.requireNonNull(state, "state");
  }

  public String id() {
    return definition.id();
  }

  public long version() {
    return state.version();
  }

  public StoredTask withState(TaskState newState) {
    return new StoredTask(definition, newState);
  }
}
