package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.store.ChangeListeners;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.store.jdbc.JdbcTaskStore;
import dev.schedulerd.store.jdbc.SchemaMigrations;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A {@link TaskStore} in one SQLite file, in WAL mode, that any number of processes on one machine
 * may open at once. The queries are {@link JdbcTaskStore}'s; writes and reads go through {@link
 * SqliteTransactions} (one writer thread committing writes in groups, a small reader pool).
 *
 * <p><b>Changes by other processes</b> are noticed by polling {@code PRAGMA data_version} every
 * {@value #WATCH_INTERVAL_MS} ms on a dedicated connection (a read of shared memory, no disk I/O);
 * change listeners then call {@link #changesSince}, which reads only rows written since the
 * caller's cursor through the {@code change_seq} index.
 */
public final class SqliteTaskStore extends JdbcTaskStore {
  private static final Logger log = LoggerFactory.getLogger(SqliteTaskStore.class);
  static final long WATCH_INTERVAL_MS = 200;

  private final Path file;
  private final StoreFileGuard guard;
  private final SqliteTransactions transactions;
  private final ReentrantLock watchLock = new ReentrantLock();
  private final Condition watchStop = watchLock.newCondition();
  private final Thread watcher;

  private SqliteTaskStore(
      Path file,
      SqliteOptions options,
      StoreFileGuard guard,
      SqliteTransactions transactions,
      ChangeListeners listeners)
      throws SQLException {
    super(
        transactions,
        SqliteDialect.INSTANCE,
        listeners,
        options.runsKeptPerTask(),
        "the SQLite store " + file);
    this.file = file;
    this.guard = guard;
    this.transactions = transactions;
    Connection watchConnection = connect(file, options);
    this.watcher =
        Thread.ofPlatform()
            .daemon()
            .name("schedulerd-sqlite-watcher")
            .start(() -> watchLoop(watchConnection));
  }

  /**
   * Opens the store, creating the file (and its directory) or migrating its schema when needed.
   * Checks an existing file first and never writes to one that is damaged, foreign or newer.
   *
   * @throws StoreException with one message naming the file, what is wrong and what to do
   */
  public static SqliteTaskStore open(SqliteOptions options) {
    Path file = options.file().toAbsolutePath().normalize();
    StoreFileChecks.checkPath(file);
    Connection connection;
    try {
      connection = connect(file, options);
    } catch (SQLException e) {
      throw StoreFileChecks.cannotOpen(file, e);
    }
    try {
      StoreFileChecks.inspect(file, connection);
      try (Statement statement = connection.createStatement();
          ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
        if (!mode.next() || !"wal".equalsIgnoreCase(mode.getString(1))) {
          throw new StoreException(
              "Cannot open the task store "
                  + file
                  + ": SQLite refused WAL mode (is it on a network file system?). Use a local"
                  + " file with --store sqlite:PATH.");
        }
      }
      int found = SchemaMigrations.migrate(connection, SqliteDialect.INSTANCE);
      ChangeListeners listeners = new ChangeListeners();
      StoreFileGuard guard = StoreFileGuard.of(file);
      SqliteTransactions transactions =
          new SqliteTransactions(file, options, connection, guard, listeners::changed);
      SqliteTaskStore store = new SqliteTaskStore(file, options, guard, transactions, listeners);
      try {
        store.pruneTombstones();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      int latest = SqliteDialect.LATEST_SCHEMA;
      log.info(
          "Opened task store {} (schema {}{}, synchronous={})",
          file,
          latest,
          found == 0 ? ", new" : found < latest ? ", migrated from " + found : "",
          options.synchronous().name().toLowerCase(Locale.ROOT));
      return store;
    } catch (SQLException e) {
      closeQuietly(connection);
      throw StoreFileChecks.cannotOpen(file, e);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** Set once the file was deleted, replaced or lost its log ({@link StoreFileGuard}). */
  @Override
  public Optional<String> problem() {
    return Optional.ofNullable(guard.problem());
  }

  /**
   * Write transactions this instance has committed; a burst of writes shares one. At {@code
   * synchronous=full} each is one fsync of the write-ahead log (checkpoints add a few more).
   */
  public long commits() {
    return transactions.commits();
  }

  /**
   * Commits this instance has made that fsynced the write-ahead log: at {@code synchronous=full},
   * each commit a caller waited on, and one soon after a commit of the scheduler's own bookkeeping
   * alone, which does not wait for the disk ({@link SqliteOptions#runsSyncedWithin}); none at
   * {@code normal}.
   */
  public long syncedCommits() {
    return transactions.syncedCommits();
  }

  /**
   * SQL statements this instance has run, reads (the change feed's included) and writes: each
   * statement run is one, each row of a batch is one; transaction control is not counted.
   */
  public long statements() {
    return transactions.statements();
  }

  static Connection connect(Path file, SqliteOptions options) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, options.busyTimeout().toMillis()));
    config.setSynchronous(
        options.synchronous() == SqliteOptions.Synchronous.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    return config.createConnection("jdbc:sqlite:" + file);
  }

  private void watchLoop(Connection connection) {
    long lastVersion = -1;
    try (connection;
        Statement statement = connection.createStatement()) {
      while (!isClosed()) {
        long version;
        try (ResultSet rs = statement.executeQuery("PRAGMA data_version")) {
          version = rs.next() ? rs.getLong(1) : 0;
        }
        if (lastVersion >= 0 && version != lastVersion) {
          changedElsewhere();
        }
        guard.problem(); // a file deleted while no one writes is said at once, in the log
        lastVersion = version;
        watchLock.lock();
        try {
          if (!isClosed()) {
            watchStop.await(WATCH_INTERVAL_MS, TimeUnit.MILLISECONDS);
          }
        } finally {
          watchLock.unlock();
        }
      }
    } catch (SQLException e) {
      if (!isClosed()) {
        log.error(
            "Watching {} for other processes' changes failed; they will be seen at the"
                + " scheduler's sync interval",
            file,
            e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (isClosed()) {
      return;
    }
    super.close(); // marks closed, finishes the queued writes, closes the connections
    watchLock.lock();
    try {
      watchStop.signalAll();
    } finally {
      watchLock.unlock();
    }
    try {
      watcher.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    guard.setAsideLogIfLost();
    log.info("Closed task store {}", file);
  }

  static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      log.debug("Closing a connection failed", e);
    }
  }

  static boolean isError(SQLException e, SQLiteErrorCode code) {
    return e instanceof SQLiteException sqlite && sqlite.getResultCode().code == code.code;
  }
}
