package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SettingsTest {
  @TempDir Path dir;

  private Path config(String text) throws IOException {
    Path file = dir.resolve("schedulerd.properties");
    Files.writeString(file, text);
    return file;
  }

  private static @org.jspecify.annotations.Nullable String value(Settings settings, String option) {
    return settings.value(option);
  }

  @Test
  void commandLineBeatsEnvironmentBeatsConfigFile() throws IOException {
    Path file = config("store=json:/tmp/a.json\nzone=Europe/Berlin\nstop-grace=7\n");
    Settings settings =
        Settings.load(file.toString(), Map.of("SCHEDULERD_ZONE", "America/New_York"), dir);

    assertThat(value(settings, "store")).isEqualTo("json:/tmp/a.json");
    assertThat(value(settings, "zone")).isEqualTo("America/New_York");
    assertThat(value(settings, "stop-grace")).isEqualTo("7");
    assertThat(value(settings, "node-id")).isNull();

    // And an explicit option wins over both.
    assertThat(
            CommandLineArgs.parse(new String[] {"--zone", "Asia/Tokyo"}, config -> settings)
                .text(CommandLineArgs.ZONE))
        .isEqualTo("Asia/Tokyo");
    assertThat(
            CommandLineArgs.parse(new String[] {}, config -> settings).text(CommandLineArgs.ZONE))
        .isEqualTo("America/New_York");
    assertThat(
            CommandLineArgs.parse(new String[] {}, config -> settings).text(CommandLineArgs.STORE))
        .isEqualTo("json:/tmp/a.json");
  }

  @Test
  void limits_comeFromTheConfigFile_andBadOnesAreRefused() throws IOException {
    Path file =
        config(
            "resources.gpu=2\nresources.licence=1\nmax-concurrent-runs=16\n"
                + "max-concurrent-runs.shell=1\npriority-aging=0\nlease-seconds=12\n"
                + "retention-hours=36\n");
    Settings.Limits limits = Settings.load(file.toString(), Map.of(), dir).limits();
    assertThat(limits.resources()).containsEntry("gpu", 2).containsEntry("licence", 1);
    assertThat(limits.maxRunsPerKind()).containsExactly(Map.entry("shell", 1));
    assertThat(limits.maxRuns()).isEqualTo(16);
    assertThat(limits.priorityAgingSeconds()).isZero();
    assertThat(limits.leaseSeconds()).isEqualTo(12);
    assertThat(limits.retentionHours()).isEqualTo(36);
    assertThat(Settings.load(config("retention-hours=0\n").toString(), Map.of(), dir).limits())
        .as("0 keeps every task")
        .extracting(Settings.Limits::retentionHours)
        .isEqualTo(0);
    Path badRetention = config("retention-hours=a week\n");
    assertThatThrownBy(() -> Settings.load(badRetention.toString(), Map.of(), dir))
        .hasMessageContaining("retention-hours='a week'")
        .hasMessageContaining("at least 0");
    assertThat(Settings.load(config("").toString(), Map.of(), dir).limits().leaseSeconds())
        .as("the scheduler's default")
        .isNull();
    Path shortLease = config("lease-seconds=2\n");
    assertThatThrownBy(() -> Settings.load(shortLease.toString(), Map.of(), dir))
        .hasMessageContaining("lease-seconds='2'")
        .hasMessageContaining("at least 6");

    Path bad = config("resources.gpu=none\n");
    assertThatThrownBy(() -> Settings.load(bad.toString(), Map.of(), dir))
        .isInstanceOf(Settings.SettingsException.class)
        .hasMessageContaining("resources.gpu='none'")
        .hasMessageContaining("use a whole number of at least 1");
  }

  @Test
  void aRelativePluginsFolderInTheConfigFile_isTheConfigFilesNeighbour() throws IOException {
    Path file = config("plugins=my-plugins\n");
    assertThat(Settings.load(file.toString(), Map.of(), dir).value("plugins"))
        .isEqualTo(dir.toAbsolutePath().resolve("my-plugins").toString());
    Path absolute = config("plugins=/opt/schedulerd/plugins\n");
    assertThat(Settings.load(absolute.toString(), Map.of(), dir).value("plugins"))
        .isEqualTo("/opt/schedulerd/plugins");
  }

  @Test
  void theDashboard_isOnByDefault_andItsKeysAreChecked() throws IOException {
    assertThat(Settings.load(config("zone=UTC\n").toString(), Map.of(), dir).dashboard())
        .isEqualTo(Settings.Dashboard.DEFAULT);
    Settings.Dashboard set =
        Settings.load(
                config(
                        "dashboard.port=0\ndashboard.read-only=true\n"
                            + "dashboard.allowed-hosts=a.example, b.example:8443\n")
                    .toString(),
                Map.of(),
                dir)
            .dashboard();
    assertThat(set.port()).isZero();
    assertThat(set.readOnly()).isTrue();
    assertThat(set.allowedHosts()).containsExactly("a.example", "b.example:8443");
    for (String bad :
        List.of("dashboard.port=70000", "dashboard.read-only=yes", "dashboard.colour=red")) {
      String text = bad + "\n";
      assertThatThrownBy(() -> Settings.load(config(text).toString(), Map.of(), dir))
          .isInstanceOf(Settings.SettingsException.class)
          .hasMessageContaining(bad.substring(0, bad.indexOf('=')));
    }
  }

  @Test
  void storeOptions_comeFromStoreDotKeys() throws IOException {
    Path file = config("store=sqlite\nstore.synchronous=normal\n");
    Settings settings = Settings.load(file.toString(), Map.of(), dir);
    assertThat(settings.storeOptions()).containsExactly(Map.entry("synchronous", "normal"));
  }

  @Test
  void configFile_isFoundInTheStandardPlaceOrNamedByTheEnvironment() throws IOException {
    Path standard = dir.resolve(".config/schedulerd/schedulerd.properties");
    Files.createDirectories(standard.getParent());
    Files.writeString(standard, "node-id=from-standard\n");
    assertThat(value(Settings.load(null, Map.of(), dir), "node-id")).isEqualTo("from-standard");

    Path named = config("node-id=from-env-file\n");
    assertThat(
            value(
                Settings.load(null, Map.of("SCHEDULERD_CONFIG", named.toString()), dir), "node-id"))
        .isEqualTo("from-env-file");
  }

  @Test
  void badSettings_failWithOneMessageNamingTheSourceKeyAndValue() throws IOException {
    Path unknown = config("stroe=sqlite\n");
    assertThatThrownBy(() -> Settings.load(unknown.toString(), Map.of(), dir))
        .hasMessageContaining("unknown setting 'stroe'")
        .hasMessageContaining(unknown.toString());
    assertThatThrownBy(() -> Settings.load(null, Map.of("SCHEDULERD_NO_DAEMON", "yes"), dir))
        .hasMessageContaining("no-daemon='yes' in the environment variable SCHEDULERD_NO_DAEMON")
        .hasMessageContaining("true or false");
    assertThatThrownBy(() -> Settings.load(null, Map.of("SCHEDULERD_KEEP_ALIVE", "true"), dir))
        .hasMessageContaining("keep-alive is gone")
        .hasMessageContaining("SCHEDULERD_KEEP_ALIVE");
    assertThatThrownBy(() -> Settings.load(config("keep-alive=true\n").toString(), Map.of(), dir))
        .hasMessageContaining("keep-alive is gone");
    assertThatThrownBy(() -> Settings.load(dir.resolve("missing").toString(), Map.of(), dir))
        .hasMessageContaining("does not exist");
  }
}
