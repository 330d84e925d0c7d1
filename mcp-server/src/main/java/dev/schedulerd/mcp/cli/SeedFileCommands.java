package dev.schedulerd.mcp.cli;

import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.store.json.SeedFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.InstantSource;
import java.time.ZoneId;

/** {@code schedulerd import FILE} and {@code schedulerd export FILE}: the seed's JSON format. */
final class SeedFileCommands {
  private SeedFileCommands() {}

  private static TaskStore openStore(CommandLineArgs cli) {
    return Main.openStore(
        cli.text(CommandLineArgs.STORE), cli.settings(), SeedFileCommands.class.getClassLoader());
  }

  /**
   * Adds the tasks of a JSON task file in the seed's format to the store. Tasks whose id the store
   * already has are left alone. The file is only read.
   */
  static int importFile(CommandLineArgs cli, PrintStream out) {
    ZoneId defaultZone = CommandLineArgs.zone(cli.text(CommandLineArgs.IMPORT_ZONE));
    Path file = Path.of(cli.file());
    try (TaskStore target = openStore(cli)) {
      SeedFiles.ImportReport report =
          SeedFiles.importInto(
              target, file, new FireTimes(defaultZone), InstantSource.system().instant());
      out.println(
          "Imported "
              + report.imported()
              + " task(s) from "
              + file
              + (report.alreadyPresent().isEmpty()
                  ? ""
                  : "; left alone, already in the store: "
                      + String.join(", ", report.alreadyPresent())));
    }
    out.flush();
    return 0;
  }

  /**
   * Writes every task of the store (with its latest runs) to a JSON task file in the seed's format,
   * replacing the file atomically.
   */
  static int exportFile(CommandLineArgs cli, PrintStream out) {
    Path file = Path.of(cli.file());
    try (TaskStore source = openStore(cli)) {
      int count = SeedFiles.exportFrom(source, file, InstantSource.system().instant());
      out.println("Exported " + count + " task(s) to " + file);
    }
    out.flush();
    return 0;
  }
}
