package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteErrorCode;

/**
 * Looks at a store file before anything is written to it, and turns every way it can be unusable
 * into one message that names the file, what is wrong and what to do. A file that fails a check is
 * left exactly as it was.
 */
final class StoreFileChecks {
  private static final String WHAT_TO_DO =
      " The file was left untouched. Restore it from a backup, move it aside to start with an"
          + " empty store, or choose another file with --store sqlite:PATH.";

  private StoreFileChecks() {}

  /** Checks what the file system says, and creates the parent directory of a new file. */
  static void checkPath(Path file) {
    if (Files.isDirectory(file)) {
      throw new StoreException(
          "Cannot open the task store "
              + file
              + ": it is a directory, not a database file. Name a file, e.g. --store sqlite:"
              + file.resolve("scheduler.db")
              + ".");
    }
    if (Files.exists(file)) {
      if (!Files.isReadable(file) || !Files.isWritable(file)) {
        throw new StoreException(
            "Cannot open the task store "
                + file
                + ": this user may not "
                + (Files.isReadable(file) ? "write" : "read")
                + " it. Fix its permissions (schedulerd needs to read and write it and its"
                + " directory), or choose another file with --store sqlite:PATH.");
      }
      if (isEmpty(file) && isEmpty(Path.of(file + "-wal"))) {
        // A store file is never empty once created (the schema is in it, or in its WAL file):
        // an empty one was cut short (disk full, a failed copy), and filling it would hide that.
        throw new StoreException(
            "Cannot open the task store "
                + file
                + ": it is empty (0 bytes), so its tasks were lost before schedulerd started."
                + WHAT_TO_DO.replace(
                    "move it aside to start with an empty store",
                    "delete it or move it aside to start with an empty store"));
      }
      return;
    }
    Path parent = file.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      try {
        Files.createDirectories(parent);
      } catch (IOException e) {
        throw new StoreException(
            "Cannot create the task store "
                + file
                + ": its directory cannot be created ("
                + e
                + "). Create it, or choose another file with --store sqlite:PATH.",
            e);
      }
    }
  }

  /** Whether the file is missing or has no bytes. */
  private static boolean isEmpty(Path file) {
    try {
      return !Files.exists(file) || Files.size(file) == 0;
    } catch (IOException e) {
      return false; // let opening it report what is wrong
    }
  }

  /**
   * Reads the header and schema of an existing file: it must be an intact SQLite database that is
   * empty or a schedulerd store this build understands.
   */
  static void inspect(Path file, Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      int version;
      List<String> tables = new ArrayList<>();
      try {
        version = SqliteDialect.userVersion(statement);
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                    + " AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
          while (rs.next()) {
            tables.add(rs.getString(1));
          }
        }
      } catch (SQLException e) {
        throw damaged(file, e);
      }
      if (version > SqliteDialect.LATEST_SCHEMA) {
        throw new StoreException(
            "Cannot open the task store "
                + file
                + ": it was written by a newer schedulerd (schema version "
                + version
                + "; this one knows versions up to "
                + SqliteDialect.LATEST_SCHEMA
                + "). Run the newer schedulerd, or choose another file with --store sqlite:PATH."
                + " The file was left untouched.");
      }
      if (version == 0 && !tables.isEmpty()) {
        throw new StoreException(
            "Cannot open the task store "
                + file
                + ": it is a SQLite database of some other program (tables "
                + String.join(", ", tables)
                + "), not a schedulerd store. Choose another file with --store sqlite:PATH. The"
                + " file was left untouched.");
      }
      if (!tables.isEmpty()) {
        String problem;
        try (ResultSet rs = statement.executeQuery("PRAGMA quick_check(1)")) {
          problem = rs.next() ? rs.getString(1) : "quick_check returned nothing";
        } catch (SQLException e) {
          throw damaged(file, e);
        }
        if (!"ok".equals(problem)) {
          throw new StoreException(
              "Cannot open the task store "
                  + file
                  + ": it is damaged (SQLite's integrity check says: "
                  + problem
                  + ")."
                  + WHAT_TO_DO);
        }
      }
    }
  }

  private static StoreException damaged(Path file, SQLException e) {
    String what =
        SqliteTaskStore.isError(e, SQLiteErrorCode.SQLITE_NOTADB)
            ? "it is not a SQLite database (another kind of file, or its header is destroyed)"
            : SqliteTaskStore.isError(e, SQLiteErrorCode.SQLITE_CORRUPT)
                ? "it is damaged (" + e.getMessage() + ")"
                : "it cannot be read (" + e.getMessage() + ")";
    return new StoreException(
        "Cannot open the task store " + file + ": " + what + "." + WHAT_TO_DO, e);
  }

  /** For failures while opening that no check above foresaw. */
  static StoreException cannotOpen(Path file, SQLException e) {
    if (SqliteTaskStore.isError(e, SQLiteErrorCode.SQLITE_NOTADB)
        || SqliteTaskStore.isError(e, SQLiteErrorCode.SQLITE_CORRUPT)) {
      return damaged(file, e);
    }
    return new StoreException(
        "Cannot open the task store "
            + file
            + ": "
            + e.getMessage()
            + ". Check that the file and its directory are readable and writable, or choose"
            + " another file with --store sqlite:PATH.",
        e);
  }
}
