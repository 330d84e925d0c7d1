package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.StoredTask;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** An acknowledged add survives SIGKILL of the process that made it, in either sync mode. */
class CrashDurabilityTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(SqliteOptions.Synchronous.class)
  void acknowledgedAdds_surviveKillMinus9(SqliteOptions.Synchronous synchronous) throws Exception {
    long seed = System.nanoTime();
    int killAfterAcks = 200 + new SplittableRandom(seed).nextInt(1_500);
    Path db = dir.resolve("crash.db");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                AckingWriter.class.getName(),
                db.toString(),
                synchronous.name())
            .redirectError(dir.resolve("child.log").toFile())
            .start();
    Set<String> acknowledged = new HashSet<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ack ")) {
          acknowledged.add(line.substring(4));
          if (acknowledged.size() == killAfterAcks) {
            child.destroyForcibly(); // SIGKILL while the writers are mid-flight
            break;
          }
        }
      }
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(acknowledged).as("child log in %s", dir).hasSize(killAfterAcks);

    try (SqliteTaskStore reopened = SqliteTaskStore.open(SqliteOptions.of(db))) {
      Set<String> stored = reopened.list().stream().map(StoredTask::id).collect(Collectors.toSet());
      assertThat(stored)
          .as("seed %d: every acknowledged add is in the store after kill -9", seed)
          .containsAll(acknowledged);
    }
  }
}
