package dev.schedulerd.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates and upgrades a store's schema with its dialect's numbered SQL scripts, one transaction
 * per script under the dialect's migration lock, so processes starting together migrate once. A
 * small runner rather than Flyway: it adds no dependency and no start-up cost to a process an MCP
 * client launches on demand, and the version lives where the dialect keeps it (SQLite's file
 * header, a table on PostgreSQL).
 */
public final class SchemaMigrations {
  private SchemaMigrations() {}

  /**
   * Brings the schema to the dialect's latest version.
   *
   * @return the version found before migrating (0 for a new database)
   * @throws SQLException also when the schema is newer than this build knows
   */
  public static int migrate(Connection connection, Dialect dialect) throws SQLException {
    List<String> scripts = dialect.migrationScripts();
    int found = -1;
    while (true) {
      dialect.beginMigration(connection);
      boolean committed = false;
      try {
        int version = dialect.schemaVersion(connection);
        if (found < 0) {
          found = version;
        }
        if (version > scripts.size()) {
          throw new SQLException(
              "the schema is version "
                  + version
                  + ", written by a newer schedulerd (this one knows up to "
                  + scripts.size()
                  + "); run the newer schedulerd or use another database");
        }
        if (version == scripts.size()) {
          dialect.endMigration(connection, true);
          committed = true;
          return found;
        }
        try (Statement statement = connection.createStatement()) {
          for (String sql : statements(dialect, scripts.get(version))) {
            statement.execute(sql);
          }
        }
        dialect.setSchemaVersion(connection, version + 1);
        dialect.endMigration(connection, true);
        committed = true;
      } finally {
        if (!committed) {
          dialect.endMigration(connection, false);
        }
      }
    }
  }

  /** The latest schema version the dialect's scripts reach. */
  public static int latest(Dialect dialect) {
    return dialect.migrationScripts().size();
  }

  /** The script's statements: comments dropped, split at semicolons that end a line. */
  static List<String> statements(Dialect dialect, String script) {
    String text;
    try (InputStream in = dialect.getClass().getResourceAsStream(script)) {
      if (in == null) {
        throw new IllegalStateException("migration script " + script + " is missing from the jar");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n")) {
      int comment = line.indexOf("--");
      String code = (comment >= 0 ? line.substring(0, comment) : line).strip();
      if (code.isEmpty()) {
        continue;
      }
      current.append(code).append('\n');
      if (code.endsWith(";")) {
        result.add(current.toString().strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      result.add(current.toString().strip());
    }
    return result;
  }
}
