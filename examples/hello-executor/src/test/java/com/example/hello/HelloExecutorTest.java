package com.example.hello;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.testkit.TaskExecutorContract;

/** The testkit's contract: what every executor must do. */
final class HelloExecutorTest extends TaskExecutorContract {
  @Override
  protected TaskExecutor executor() {
    return new HelloExecutor();
  }

  @Override
  protected ObjectNode validConfig() {
    return JsonNodeFactory.instance.objectNode().put("name", "world");
  }

  @Override
  protected ObjectNode invalidConfig() {
    return JsonNodeFactory.instance.objectNode().put("nom", "world");
  }
}
