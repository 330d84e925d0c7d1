package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line a front-end starts its daemon with. */
class DaemonCommandTest {
  @Test
  void theFrontEndsOwnOptions_stayBehind_theOthersAreCarriedOn() {
    assertThat(
            DaemonCommand.passedOn(
                new String[] {
                  "serve",
                  "--store",
                  "sqlite:/x.db",
                  "--zone",
                  "Europe/Berlin",
                  "--no-daemon=false",
                  "--store=json:/y",
                  "--config",
                  "/etc/s.properties"
                }))
        .containsExactly("--zone", "Europe/Berlin", "--config", "/etc/s.properties");
    // The daemon runs in the user's home: folders given relative to the client's are made absolute.
    String here = Path.of("").toAbsolutePath().toString();
    assertThat(
            DaemonCommand.passedOn(
                new String[] {
                  "--config", "conf/s.properties", "--plugins=./plugins", "--zone", "UTC"
                }))
        .containsExactly(
            "--config",
            here + "/conf/s.properties",
            "--plugins=" + here + "/plugins",
            "--zone",
            "UTC");
    assertThat(
            DaemonCommand.environment(
                "sqlite:/x.db", Map.of("SCHEDULERD_CONFIG", "s.properties", "OTHER", "kept out")))
        .containsOnly(
            Map.entry("SCHEDULERD_STORE", "sqlite:/x.db"),
            Map.entry("SCHEDULERD_CONFIG", here + "/s.properties"));
  }

  @Test
  void aClassCacheBeingWritten_isTheFrontEndsAlone_andTheDaemonReadsItsOwn() {
    assertThat(DaemonCommand.daemonsFlag("-XX:AOTCacheOutput=/t/cache", "/c/d.aot")).isNull();
    assertThat(DaemonCommand.daemonsFlag("-XX:ArchiveClassesAtExit=/t/a.jsa", null)).isNull();
    assertThat(DaemonCommand.daemonsFlag("-XX:AOTCache=/c/front-end.aot", "/c/daemon.aot"))
        .isEqualTo("-XX:AOTCache=/c/daemon.aot");
    assertThat(DaemonCommand.daemonsFlag("-XX:AOTCache=/c/one.aot", null))
        .isEqualTo("-XX:AOTCache=/c/one.aot");
    assertThat(DaemonCommand.daemonsFlag("-XX:+UseSerialGC", "/c/daemon.aot"))
        .isEqualTo("-XX:+UseSerialGC");
  }

  @Test
  void aRelativeSqliteStore_isNamedByItsAbsolutePath() {
    assertThat(DaemonCommand.normalizedStore("sqlite")).isEqualTo("sqlite");
    assertThat(DaemonCommand.normalizedStore("sqlite:tasks.db?synchronous=normal"))
        .isEqualTo(
            "sqlite:"
                + java.nio.file.Path.of("tasks.db").toAbsolutePath().normalize()
                + "?synchronous=normal");
    assertThat(DaemonCommand.normalizedStore("json:tasks.json"))
        .as("a relative JSON file, as the client's folder has it (the daemon runs in the home)")
        .isEqualTo("json:" + java.nio.file.Path.of("tasks.json").toAbsolutePath().normalize());
    assertThat(DaemonCommand.normalizedStore(" postgres:jdbc:postgresql://h/db "))
        .isEqualTo("postgres:jdbc:postgresql://h/db");
  }
}
