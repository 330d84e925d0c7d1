package dev.schedulerd.store.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL for this module's tests, started once (durably: fsync and synchronous commit
 * on), with a fresh database per test.
 */
final class EmbeddedDatabase {
  private static final AtomicInteger NEXT = new AtomicInteger();

  private EmbeddedDatabase() {}

  /** Started on first use (the JVM's class initialization makes it once), stopped at exit. */
  private static final class Holder {
    static final EmbeddedPostgres POSTGRES = start();

    private static EmbeddedPostgres start() {
      try {
        EmbeddedPostgres started =
            EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "200")
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(started)));
        return started;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
      try {
        postgres.close();
      } catch (IOException ignored) {
        // the JVM is exiting
      }
    }
  }

  static EmbeddedPostgres server() {
    return Holder.POSTGRES;
  }

  /** The JDBC URL of a new, empty database. */
  static String freshDatabase() {
    String name = "t" + NEXT.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return server().getJdbcUrl("postgres", name);
  }
}
