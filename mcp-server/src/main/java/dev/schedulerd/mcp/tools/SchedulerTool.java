package dev.schedulerd.mcp.tools;

import dev.schedulerd.runtime.Scheduler;

/** A tool over the scheduler: its declaration and the scheduler it calls, held once. */
abstract class SchedulerTool implements McpTool {
  protected final Scheduler scheduler;
  private final Declaration declaration;

  SchedulerTool(Scheduler scheduler, Declaration declaration) {
    this.scheduler = scheduler;
    this.declaration = declaration;
  }

  @Override
  public final Declaration declaration() {
    return declaration;
  }
}
