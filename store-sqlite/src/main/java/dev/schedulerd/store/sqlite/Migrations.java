package dev.schedulerd.store.sqlite;

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
 * Creates and upgrades the schema with numbered SQL scripts, one transaction per script, recording
 * the version in SQLite's {@code PRAGMA user_version}. A small runner rather than Flyway: the
 * version lives in the file header (no bookkeeping table to corrupt), it adds no dependency and no
 * start-up cost to a process an MCP client launches on demand, and it runs under SQLite's write
 * lock so that processes starting together migrate once.
 */
final class Migrations {
  /** Scripts in order; script {@code i} moves the schema from version {@code i} to {@code i+1}. */
  private static final List<String> SCRIPTS =
      List.of("V1__tasks_runs_changes.sql", "V2__nodes.sql");

  static final int LATEST = SCRIPTS.size();

  private Migrations() {}

  /**
   * Brings the schema to {@link #LATEST}.
   *
   * @return the version found before migrating (0 for a new database)
   */
  static int migrate(Connection connection) throws SQLException {
    int found = -1;
    try (Statement statement = connection.createStatement()) {
      while (true) {
        statement.execute("BEGIN IMMEDIATE");
        try {
          int version = userVersion(statement);
          if (found < 0) {
            found = version;
          }
          if (version >= LATEST) {
            statement.execute("COMMIT");
            return found;
          }
          for (String sql : statements(SCRIPTS.get(version))) {
            statement.execute(sql);
          }
          statement.execute("PRAGMA user_version = " + (version + 1));
          statement.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
          statement.execute("ROLLBACK");
          throw e;
        }
      }
    }
  }

  static int userVersion(Statement statement) throws SQLException {
    try (var rs = statement.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  /** The script's statements: comments dropped, split at semicolons that end a line. */
  static List<String> statements(String script) {
    String text;
    try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + script)) {
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
