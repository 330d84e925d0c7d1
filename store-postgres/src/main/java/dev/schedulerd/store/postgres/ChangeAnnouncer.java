package dev.schedulerd.store.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells other nodes that this one wrote: a {@code NOTIFY} after its writes commit, at most one per
 * {@link #GAP} (writes that commit meanwhile are announced by the next), so a node committing
 * thousands of writes a second sends a hundred notifications, not one per write, and others learn
 * of a write within about that gap. Sent in a transaction of its own that does not wait for the
 * disk ({@code synchronous_commit = off}): a notification lost in a crash costs a reader one sync
 * interval, and nothing waits for it.
 *
 * <p>The payload is this store's own id: its listener ignores its own announcements, since its
 * writes already reached its scheduler.
 */
final class ChangeAnnouncer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeAnnouncer.class);

  static final java.time.Duration GAP = java.time.Duration.ofMillis(10);

  private static final java.time.Duration RETRY_AFTER = java.time.Duration.ofSeconds(1);

  private final DataSource pool;
  private final String payload;
  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition requested = lock.newCondition();
  private boolean pending; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean failing; // the announcing thread's
  private final Thread thread;

  ChangeAnnouncer(DataSource pool, String payload, String name) {
    this.pool = pool;
    this.payload = payload;
    this.name = name;
    this.thread = Thread.ofPlatform().daemon().name("schedulerd-pg-notify").start(this::loop);
  }

  /** A write committed: announce it (soon, once for all that ask meanwhile). */
  void announce() {
    lock.lock();
    try {
      pending = true;
      requested.signal();
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (awaitRequest()) {
      long sentAt = System.nanoTime();
      long pause = GAP.toNanos();
      try (Connection c = pool.getConnection()) {
        send(c);
        if (failing) {
          log.info("Announcing changes on {} works again", name);
          failing = false;
        }
      } catch (SQLException e) {
        if (!failing) {
          log.warn(
              "Announcing a change on {} failed ({}); other nodes read it at their sync interval",
              name,
              e.getMessage());
          failing = true;
        } else {
          log.debug("Announcing a change on {} failed again: {}", name, e.getMessage());
        }
        retry(); // not lost: tried again after a second
        pause = RETRY_AFTER.toNanos();
      }
      pauseUntil(sentAt + pause);
    }
  }

  private void retry() {
    lock.lock();
    try {
      pending = true;
    } finally {
      lock.unlock();
    }
  }

  /** Lets requests gather until {@code nanoTime}, unless closed meanwhile. */
  private void pauseUntil(long nanoTime) {
    lock.lock();
    try {
      long left = nanoTime - System.nanoTime();
      while (left > 0 && !closed) {
        left = requested.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  /** Waits for a request and takes it; false once closed with none left. */
  private boolean awaitRequest() {
    lock.lock();
    try {
      while (!pending && !closed) {
        requested.awaitUninterruptibly();
      }
      boolean taken = pending;
      pending = false;
      return taken;
    } finally {
      lock.unlock();
    }
  }

  private void send(Connection c) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement settings = c.createStatement();
        PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      settings.execute("SET LOCAL synchronous_commit = off");
      notify.setString(1, PostgresTaskStore.CHANNEL);
      notify.setString(2, payload);
      notify.execute();
      c.commit();
    } catch (SQLException e) {
      try {
        c.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** Sends what is pending, then stops. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      requested.signal();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
