package dev.schedulerd.executors;

import java.time.InstantSource;

/**
 * Kind {@code custom}: the seed's {@code task_type: "custom"} with {@code config.command} — the
 * {@link ShellExecutor} under the seed's name, with its own settings ({@code executors.custom.*}),
 * disabled until the operator enables it.
 */
public final class CustomCommandExecutor extends ShellExecutor {
  public CustomCommandExecutor() {
    super("custom", InstantSource.system());
  }

  @Override
  public String description() {
    return "The seed's custom task: runs config.command like the shell executor. Disabled unless"
        + " the operator enables it with an allowlist.";
  }
}
