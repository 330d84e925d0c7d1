package dev.schedulerd.mcp;

import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.runtime.FireTimes;
import dev.schedulerd.store.json.SeedFiles;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code schedulerd import FILE} and {@code schedulerd export FILE}: the seed's JSON format. */
final class SeedFileCommands {
  private SeedFileCommands() {}

  /** Options both commands share. */
  abstract static class Base implements Callable<Integer> {
    @ParentCommand Main parent;

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--store",
        paramLabel = "NAME[:LOCATION]",
        description = "The store to import into or export from (default: ${DEFAULT-VALUE}).")
    String store = "sqlite";

    @Parameters(index = "0", paramLabel = "FILE", description = "The JSON task file.")
    Path file;

    TaskStore openStore() {
      return Main.openStore(
          store, parent.settings(), SeedFileCommands.class.getClassLoader(), spec.commandLine());
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description =
          "Adds the tasks of a JSON task file in the seed's format to the store. Tasks whose id"
              + " the store already has are left alone. The file is only read.")
  static final class Import extends Base {
    @Option(
        names = "--zone",
        paramLabel = "ZONE",
        description =
            "Zone of cron schedules in the file that name none (default: ${DEFAULT-VALUE}).")
    String zone = "UTC";

    @Override
    public Integer call() {
      ZoneId defaultZone;
      try {
        defaultZone = ZoneId.of(zone);
      } catch (DateTimeException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--zone '" + zone + "' is not an IANA time zone, e.g. Europe/Berlin");
      }
      try (TaskStore target = openStore()) {
        SeedFiles.ImportReport report =
            SeedFiles.importInto(
                target, file, new FireTimes(defaultZone), InstantSource.system().instant());
        spec.commandLine()
            .getOut()
            .println(
                "Imported "
                    + report.imported()
                    + " task(s) from "
                    + file
                    + (report.alreadyPresent().isEmpty()
                        ? ""
                        : "; left alone, already in the store: "
                            + String.join(", ", report.alreadyPresent())));
      }
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Writes every task of the store (with its latest runs) to a JSON task file in the"
              + " seed's format, replacing the file atomically.")
  static final class Export extends Base {
    @Override
    public Integer call() {
      try (TaskStore source = openStore()) {
        int count = SeedFiles.exportFrom(source, file, InstantSource.system().instant());
        spec.commandLine().getOut().println("Exported " + count + " task(s) to " + file);
      }
      return 0;
    }
  }
}
