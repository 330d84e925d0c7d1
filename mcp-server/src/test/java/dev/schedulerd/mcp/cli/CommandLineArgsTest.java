package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.mcp.cli.CommandLineArgs.Command;
import dev.schedulerd.mcp.cli.CommandLineArgs.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class CommandLineArgsTest {
  @TempDir Path home;

  private CommandLineArgs parse(String... args) {
    return CommandLineArgs.parse(args, config -> Settings.load(config, Map.of(), home));
  }

  @Test
  void noArguments_serveWithTheDefaults() {
    CommandLineArgs cli = parse();
    assertThat(cli.command()).isEqualTo(Command.SERVE);
    assertThat(cli.text(CommandLineArgs.STORE)).isEqualTo("sqlite");
    assertThat(cli.text(CommandLineArgs.ZONE)).isEqualTo("UTC");
    assertThat(cli.flag(CommandLineArgs.NO_DAEMON)).isFalse();
    assertThat(cli.number(CommandLineArgs.STOP_GRACE)).isEqualTo(2);
    assertThat(cli.value(CommandLineArgs.NODE_ID)).isNull();
    assertThat(cli.number(CommandLineArgs.METRICS_PORT)).isNull();
    assertThat(cli.text(CommandLineArgs.METRICS_BIND)).isEqualTo("127.0.0.1");
    assertThat(cli.helpRequested()).isFalse();
    assertThat(cli.versionRequested()).isFalse();
  }

  @Test
  void modeAndOptions_inBothSpellings_inAnyOrder() {
    CommandLineArgs cli =
        parse(
            "--store=memory",
            "daemon",
            "--zone",
            "Europe/Berlin",
            "--socket",
            "/run/s.sock",
            "--stop-grace=5",
            "--node-id",
            "n1",
            "--metrics-port",
            "0",
            "--plugins=/opt/plugins");
    assertThat(cli.command()).isEqualTo(Command.DAEMON);
    assertThat(cli.text(CommandLineArgs.STORE)).isEqualTo("memory");
    assertThat(cli.text(CommandLineArgs.ZONE)).isEqualTo("Europe/Berlin");
    assertThat(cli.value(CommandLineArgs.SOCKET)).isEqualTo("/run/s.sock");
    assertThat(cli.number(CommandLineArgs.STOP_GRACE)).isEqualTo(5);
    assertThat(cli.value(CommandLineArgs.NODE_ID)).isEqualTo("n1");
    assertThat(cli.number(CommandLineArgs.METRICS_PORT)).isZero();
    assertThat(cli.value(CommandLineArgs.PLUGINS)).isEqualTo("/opt/plugins");
    assertThat(parse("--no-daemon").flag(CommandLineArgs.NO_DAEMON)).isTrue();
    assertThat(parse("--no-daemon=false").flag(CommandLineArgs.NO_DAEMON)).isFalse();
    assertThat(
            parse("--store", "postgres:jdbc:postgresql://h/db?user=u&password=p=1")
                .value(CommandLineArgs.STORE))
        .isEqualTo("postgres:jdbc:postgresql://h/db?user=u&password=p=1");
  }

  @Test
  void environmentAndConfigFile_fillWhatTheCommandLineLeaves() throws Exception {
    Path config = home.resolve("s.properties");
    Files.writeString(config, "zone=Asia/Tokyo\nno-daemon=true\nstop-grace=9\n");
    String[] args = {"--config", config.toString(), "--stop-grace", "1"};
    CommandLineArgs cli =
        CommandLineArgs.parse(
            args,
            named -> Settings.load(named, Map.of("SCHEDULERD_STORE", "json:/tmp/t.json"), home));
    assertThat(cli.text(CommandLineArgs.ZONE)).isEqualTo("Asia/Tokyo");
    assertThat(cli.flag(CommandLineArgs.NO_DAEMON)).isTrue();
    assertThat(cli.number(CommandLineArgs.STOP_GRACE)).isEqualTo(1);
    assertThat(cli.text(CommandLineArgs.STORE)).isEqualTo("json:/tmp/t.json");
  }

  @Test
  void importAndExport_takeAFileAndTheirOwnOptions() {
    CommandLineArgs imported =
        parse("import", "tasks.json", "--store", "memory", "--zone=Europe/Paris");
    assertThat(imported.command()).isEqualTo(Command.IMPORT);
    assertThat(imported.file()).isEqualTo("tasks.json");
    assertThat(imported.text(CommandLineArgs.STORE)).isEqualTo("memory");
    assertThat(imported.text(CommandLineArgs.IMPORT_ZONE)).isEqualTo("Europe/Paris");

    CommandLineArgs exported = parse("export", "--store=memory", "out.json");
    assertThat(exported.command()).isEqualTo(Command.EXPORT);
    assertThat(exported.file()).isEqualTo("out.json");

    assertThatThrownBy(() -> parse("export", "out.json", "--zone", "UTC"))
        .isInstanceOf(UsageException.class)
        .hasMessage("Unknown option: '--zone'");
    assertThatThrownBy(() -> parse("import"))
        .isInstanceOf(UsageException.class)
        .hasMessage("Missing required parameter: 'FILE'");
    assertThat(parse("import", "--help").helpRequested()).isTrue();
  }

  @Test
  void mistakes_areUsageErrorsThatSayWhat() {
    assertThatThrownBy(() -> parse("--stroe", "memory"))
        .isInstanceOf(UsageException.class)
        .hasMessage("Unknown option: '--stroe'");
    assertThatThrownBy(() -> parse("-x"))
        .isInstanceOf(UsageException.class)
        .hasMessage("Unknown option: '-x'");
    assertThatThrownBy(() -> parse("--store"))
        .isInstanceOf(UsageException.class)
        .hasMessage("Missing required parameter for option '--store' (NAME[:LOCATION])");
    assertThatThrownBy(() -> parse("sever"))
        .isInstanceOf(UsageException.class)
        .hasMessage("unknown MODE 'sever': use serve or daemon");
    assertThatThrownBy(() -> parse("serve", "daemon"))
        .isInstanceOf(UsageException.class)
        .hasMessage("Unmatched argument: 'daemon'");
    assertThatThrownBy(() -> parse("--no-daemon=yes"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("'yes' is not true or false");
    assertThatThrownBy(() -> parse("--keep-alive"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--keep-alive is gone")
        .hasMessageContaining("--no-daemon");
    assertThatThrownBy(() -> parse("--socket", "/s.sock"))
        .as("the socket is the daemon's option")
        .isInstanceOf(UsageException.class)
        .hasMessage("--socket is an option of 'schedulerd daemon', not of 'schedulerd serve'");
    assertThatThrownBy(() -> parse("daemon", "--no-daemon"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--no-daemon is an option of 'schedulerd serve', not of 'schedulerd daemon'");
    assertThatThrownBy(() -> parse("--stop-grace", "soon").number(CommandLineArgs.STOP_GRACE))
        .isInstanceOf(UsageException.class)
        .hasMessage("Invalid value for option '--stop-grace': 'soon' is not an int");
  }

  @Test
  void help_namesEveryOptionOfItsCommand() {
    assertThat(parse("-h").helpRequested()).isTrue();
    assertThat(parse("--version").versionRequested()).isTrue();
    for (Command command : Command.values()) {
      String usage = CommandLineArgs.usage(command);
      for (CommandLineArgs.Option option : command.options()) {
        assertThat(usage).as("%s help", command).contains("--" + option.name());
      }
      assertThat(usage.lines())
          .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(100));
    }
    assertThat(CommandLineArgs.usage(Command.SERVE))
        .contains("import FILE")
        .contains("SCHEDULERD_STORE");
  }

  @Test
  void helpAndVersion_doNotReadTheConfigFile() throws Exception {
    Path broken = home.resolve("broken.properties");
    Files.writeString(broken, "no-such-key=1\n");
    assertThat(parse("--config", broken.toString(), "-V").versionRequested()).isTrue();
    assertThat(parse("--config", broken.toString(), "--help").helpRequested()).isTrue();
    assertThatThrownBy(() -> parse("--config", broken.toString()))
        .hasMessageContaining("unknown setting 'no-such-key'");
  }

  @Test
  void stopGrace_outsideZeroToAnHour_isRefused() {
    java.io.PrintStream out = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
    for (String bad : new String[] {"-1", "3601"}) {
      assertThatThrownBy(
              () -> Main.run(new String[] {"--store", "memory", "--stop-grace", bad}, out))
          .isInstanceOf(UsageException.class)
          .hasMessageContaining("--stop-grace")
          .hasMessageContaining("0 to 3600");
    }
  }
}
