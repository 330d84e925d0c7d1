package dev.schedulerd.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.schedulerd.api.store.ChangeListeners;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.store.jdbc.JdbcTaskStore;
import dev.schedulerd.store.jdbc.SchemaMigrations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TaskStore} on PostgreSQL, shared by any number of nodes. The queries are {@link
 * JdbcTaskStore}'s; {@link PostgresTransactions} runs each write in one transaction, and {@link
 * PostgresDialect} locks rows: a conditional write waits for its task's row, a batch of claims
 * skips rows another node is claiming, so exactly one node wins each run. Committed writes are
 * announced by {@code NOTIFY schedulerd_changes} ({@link ChangeAnnouncer}), which other nodes hear
 * through {@code LISTEN} (and at their sync interval if a notification is lost). Leases and
 * heartbeats are measured by the database server's clock ({@link #sharedClock}).
 */
public final class PostgresTaskStore extends JdbcTaskStore {
  private static final Logger log = LoggerFactory.getLogger(PostgresTaskStore.class);
  static final String CHANNEL = "schedulerd_changes";
  private static final int RUNS_KEPT_PER_TASK = 1_000;

  /** Connections of the pool {@link #open(String)} makes. */
  public static final int DEFAULT_POOL_SIZE = 8;

  /** Where the LISTEN connection comes from. */
  private interface ConnectionSource {
    Connection connect() throws SQLException;
  }

  private final String name;
  private final PostgresTransactions transactions;
  private final ConnectionSource listenSource;
  private final Thread listener;
  private final CountDownLatch listening = new CountDownLatch(1);
  private final ChangeAnnouncer announcer;

  /** This store's notifications carry it; its listener ignores them. */
  private final String selfId;

  private PostgresTaskStore(
      String name,
      PostgresTransactions transactions,
      ChangeListeners listeners,
      ConnectionSource listenSource,
      ChangeAnnouncer announcer,
      String selfId) {
    super(
        transactions,
        PostgresDialect.INSTANCE,
        listeners,
        RUNS_KEPT_PER_TASK,
        "the PostgreSQL store " + name);
    this.name = name;
    this.transactions = transactions;
    this.listenSource = listenSource;
    this.announcer = announcer;
    this.selfId = selfId;
    this.listener =
        Thread.ofPlatform().daemon().name("schedulerd-pg-listen").start(this::listenLoop);
    try {
      // Changes from others are heard from the moment open returns (else at the sync interval).
      if (!listening.await(10, TimeUnit.SECONDS)) {
        log.warn(
            "LISTEN on {} is not up yet; other nodes' changes arrive at the sync interval", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * How long a call waits for a pooled connection before it fails: Hikari's default, said here. 5 s
   * was tried: three nodes draining 10,000 runs on two cores then had adds fail with 165 callers
   * waiting for 8 connections. A node that waits this long on a database that is away is noticed by
   * its lease watch (runs fenced) and its sync (a slow answer counts as unreachable).
   */
  static final java.time.Duration POOL_WAIT = java.time.Duration.ofSeconds(30);

  /**
   * Connects through a pool of {@value #DEFAULT_POOL_SIZE} connections that the store owns (the URL
   * may carry user and password as parameters) and creates or migrates the schema.
   *
   * @throws StoreException naming the database and what is wrong
   */
  public static PostgresTaskStore open(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "'"
              + jdbcUrl
              + "' is not a PostgreSQL JDBC URL; e.g."
              + " postgres:jdbc:postgresql://db:5432/schedulerd?user=s&password=...");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    BOUNDED_WAITS.forEach(config::addDataSourceProperty);
    config.setConnectionInitSql(SERVER_LIMITS);
    config.setMaximumPoolSize(DEFAULT_POOL_SIZE);
    config.setPoolName("schedulerd-pg");
    config.setInitializationFailTimeout(10_000);
    config.setConnectionTimeout(POOL_WAIT.toMillis());
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED"); // what writes rely on, set once
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException(
          "Cannot connect to the task store "
              + redact(jdbcUrl)
              + ": "
              + e.getMessage()
              + ". Check the URL, the credentials and that PostgreSQL is up.",
          e);
    }
    java.util.Properties listenProperties = new java.util.Properties();
    listenProperties.putAll(BOUNDED_WAITS);
    return open(
        pool, pool, redact(jdbcUrl), () -> DriverManager.getConnection(jdbcUrl, listenProperties));
  }

  /**
   * Every wait on the database has an end (connections the store opens itself; a caller's data
   * source keeps the caller's settings, README: Several nodes on one PostgreSQL). A partition that
   * drops packets silently ends a query in an error after {@code socketTimeout} instead of blocking
   * its thread for good, and TCP keepalive finds a dead peer on an idle connection. In the server:
   * a transaction left open by a node that froze is ended after 30 s (its row locks, the change
   * counter's among them, go with it), and a write waits at most 15 s for a row lock ({@link
   * #SERVER_LIMITS}, set on each new connection rather than as startup options, which PgBouncer
   * refuses). The URL's own parameters win over the driver's.
   */
  static final Map<String, String> BOUNDED_WAITS =
      Map.of("tcpKeepAlive", "true", "connectTimeout", "10", "socketTimeout", "60");

  static final String SERVER_LIMITS =
      "SET idle_in_transaction_session_timeout = '30s'; SET lock_timeout = '15s'";

  /**
   * Uses the caller's data source (its credentials, pool size and settings) and creates or migrates
   * the schema. The store borrows connections and never closes the data source: its owner does,
   * after closing the store. One connection stays borrowed for {@code LISTEN} while the store is
   * open.
   *
   * @throws StoreException naming what is wrong
   */
  public static PostgresTaskStore open(DataSource dataSource) {
    return open(dataSource, null, "a PostgreSQL data source", dataSource::getConnection);
  }

  private static PostgresTaskStore open(
      DataSource pool,
      @org.jspecify.annotations.Nullable AutoCloseable owned,
      String name,
      ConnectionSource listenSource) {
    try (Connection connection = pool.getConnection()) {
      SchemaMigrations.migrate(connection, PostgresDialect.INSTANCE);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(owned);
      throw new StoreException("Cannot prepare the task store " + name + ": " + e.getMessage(), e);
    }
    ChangeListeners listeners = new ChangeListeners();
    String selfId = java.util.UUID.randomUUID().toString();
    ChangeAnnouncer announcer = new ChangeAnnouncer(pool, selfId, name);
    PostgresTransactions transactions =
        new PostgresTransactions(
            pool,
            owned,
            name,
            () -> {
              listeners.changed();
              announcer.announce();
            });
    PostgresTaskStore store =
        new PostgresTaskStore(name, transactions, listeners, listenSource, announcer, selfId);
    try {
      store.pruneTombstones(); // removal records beyond the newest 10,000 (retention makes many)
    } catch (RuntimeException e) {
      log.warn("Pruning old removal records of {} failed; trying at the next start", name, e);
    }
    log.info("Opened task store {} (PostgreSQL)", name);
    return store;
  }

  /**
   * The database server's clock ({@code clock_timestamp()}), one query per reading: nodes on
   * different machines measure leases and heartbeats by it, so their own clocks never decide whose
   * lease expired.
   */
  @Override
  public Optional<InstantSource> sharedClock() {
    return Optional.of(this::databaseNow);
  }

  private Instant databaseNow() {
    if (isClosed()) {
      throw new StoreException("the PostgreSQL store " + name + " is closed");
    }
    return transactions.read(
        s -> {
          try (ResultSet rs = s.prepare("SELECT clock_timestamp()").executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
          }
        });
  }

  /** A setting of the store's connections as the server has it, and their socket timeout, ms. */
  String connectionSettings(String setting) {
    return transactions.read(
        s -> {
          java.sql.PreparedStatement query = s.prepare("SELECT current_setting(?)");
          query.setString(1, setting);
          try (ResultSet rs = query.executeQuery()) {
            rs.next();
            return rs.getString(1)
                + "; socket timeout "
                + query.getConnection().getNetworkTimeout();
          }
        });
  }

  /** How often a quiet LISTEN connection is asked a question, to find it dead (a partition). */
  private static final long LISTEN_CHECK_NANOS = 5_000_000_000L;

  /** How long that question may take before the connection is taken for dead. */
  private static final int LISTEN_CHECK_TIMEOUT_MS = 10_000;

  /**
   * LISTEN on its own connection; reconnects after a failure (the sync interval covers gaps). A
   * connection that went quiet is checked every 5 s, so that one a partition left dead is replaced
   * within about 15 s instead of the socket timeout. A failure is said once, not every second.
   */
  private void listenLoop() {
    boolean failing = false;
    while (!isClosed()) {
      try (Connection c = listenSource.connect();
          Statement s = c.createStatement()) {
        c.setAutoCommit(true); // LISTEN takes effect at commit: a pool's default may be off
        s.execute("LISTEN " + CHANNEL);
        listening.countDown();
        if (failing) {
          log.info("Listening for changes on {} again", name);
          failing = false;
        }
        try {
          PGConnection pg = c.unwrap(PGConnection.class);
          long checkAt = System.nanoTime() + LISTEN_CHECK_NANOS;
          while (!isClosed()) {
            PGNotification[] notifications = pg.getNotifications(500);
            if (notifications != null && notifications.length > 0) {
              if (fromElsewhere(notifications)) {
                changedElsewhere();
              }
            } else if (System.nanoTime() - checkAt > 0) {
              int before = c.getNetworkTimeout();
              c.setNetworkTimeout(Runnable::run, LISTEN_CHECK_TIMEOUT_MS);
              try {
                s.execute("SELECT 1");
              } finally {
                c.setNetworkTimeout(Runnable::run, before);
              }
              checkAt = System.nanoTime() + LISTEN_CHECK_NANOS;
            }
          }
        } finally {
          unlistenQuietly(s); // a caller's pooled connection goes back as it came
        }
      } catch (SQLException e) {
        if (!isClosed()) {
          if (!failing) {
            log.warn(
                "Listening for changes on {} failed ({}); retrying every second, and reading"
                    + " changes every second meanwhile",
                name,
                e.getMessage());
            failing = true;
          } else {
            log.debug("Listening for changes on {} failed again: {}", name, e.getMessage());
          }
          LockSupport.parkNanos(1_000_000_000L);
        }
      }
    }
  }

  /** Whether any of them came from another store: this one's own writes are known already. */
  private boolean fromElsewhere(PGNotification[] notifications) {
    for (PGNotification notification : notifications) {
      if (!selfId.equals(notification.getParameter())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    if (isClosed()) {
      return;
    }
    announcer.close(); // its last announcement goes out while the pool is open
    super.close();
    try {
      listener.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void unlistenQuietly(Statement statement) {
    try {
      statement.execute("UNLISTEN *");
    } catch (SQLException e) {
      log.debug("UNLISTEN failed; the connection is likely broken and the pool drops it", e);
    }
  }

  private static void closeQuietly(@org.jspecify.annotations.Nullable AutoCloseable owned) {
    if (owned == null) {
      return;
    }
    try {
      owned.close();
    } catch (Exception e) {
      log.debug("Closing the pool failed", e);
    }
  }

  /** The URL without its parameters, which may carry the password. */
  static String redact(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?…";
  }
}
