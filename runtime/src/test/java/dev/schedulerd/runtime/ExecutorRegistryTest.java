package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import org.junit.jupiter.api.Test;

final class ExecutorRegistryTest {

  /** Found through META-INF/services in the test classpath. */
  public static final class ServiceLoadedExecutor implements TaskExecutor {
    @Override
    public String kind() {
      return "service-loaded";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      return ExecutionResult.success();
    }
  }

  /** Listed in META-INF/services too, but its constructor throws: it must be skipped. */
  public static final class BrokenExecutor implements TaskExecutor {
    public BrokenExecutor() {
      throw new IllegalStateException("broken plug-in");
    }

    @Override
    public String kind() {
      return "broken";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      return ExecutionResult.success();
    }
  }

  private static final class Impostor implements TaskExecutor {
    @Override
    public String kind() {
      return "record";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      return ExecutionResult.success();
    }
  }

  @Test
  void of_duplicateKind_failsNamingBothClassesAndTheirOrigins() {
    assertThatThrownBy(() -> ExecutorRegistry.of(new TestExecutors.Recording(), new Impostor()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'record'")
        .hasMessageContaining(TestExecutors.Recording.class.getName())
        .hasMessageContaining(Impostor.class.getName())
        .hasMessageContaining("from file:");
  }

  @Test
  void of_malformedKind_isRefused() {
    TaskExecutor shouting =
        new TaskExecutor() {
          @Override
          public String kind() {
            return "Shout Kind";
          }

          @Override
          public ExecutionResult execute(ExecutionContext context) {
            return ExecutionResult.success();
          }
        };
    assertThatThrownBy(() -> ExecutorRegistry.of(shouting))
        .hasMessageContaining("'Shout Kind'")
        .hasMessageContaining("lowercase");
  }

  @Test
  void load_findsServiceProvidersAndSkipsBrokenOnes() {
    ExecutorRegistry registry = ExecutorRegistry.load(getClass().getClassLoader());

    assertThat(registry.kinds()).contains("service-loaded").doesNotContain("broken");
    assertThat(registry.find("service-loaded")).get().isInstanceOf(ServiceLoadedExecutor.class);
  }

  @Test
  void storeRegistry_findsTheMemoryStore() {
    StoreRegistry stores = StoreRegistry.load(getClass().getClassLoader());

    assertThat(stores.names()).contains("memory");
    assertThat(
            stores.find("memory").orElseThrow().open(dev.schedulerd.api.store.StoreSettings.of("")))
        .isNotNull();
  }
}
