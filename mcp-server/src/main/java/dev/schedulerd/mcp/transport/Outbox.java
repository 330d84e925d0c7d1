package dev.schedulerd.mcp.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's outbound lines, written in order by a thread of its own: a client that stops
 * reading stalls its own session only, never the thread that answers another client or sends the
 * scheduler's notifications. What waits is bounded ({@link #MAX_PENDING_BYTES}): past it the client
 * is taken for gone, its lines are dropped and {@code onOverflow} ends its session.
 */
final class Outbox {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);

  /** The most bytes that may wait for a client to read them: hundreds of large answers. */
  static final long MAX_PENDING_BYTES = 16L * 1024 * 1024;

  private final OutputStream out;
  private final long maxPendingBytes;
  private final Runnable onOverflow;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<byte[]> lines = new ArrayDeque<>(); // guarded by lock
  private long pendingBytes; // guarded by lock
  private boolean writing; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean dropped; // guarded by lock: lines were queued and never written

  /**
   * @param threadName the writer thread's name
   * @param onOverflow called once when the client stopped reading (from the offering thread)
   */
  Outbox(OutputStream out, String threadName, long maxPendingBytes, Runnable onOverflow) {
    this.out = out;
    this.maxPendingBytes = maxPendingBytes;
    this.onOverflow = onOverflow;
    Thread.ofPlatform().name(threadName).daemon().start(this::writeLoop);
  }

  /**
   * Queues a line (with its newline) to be written after those queued before it.
   *
   * @return false when it was dropped: the outbox is closed, or this line overflowed it
   */
  boolean offer(byte[] line) {
    boolean overflowed;
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      overflowed = pendingBytes + line.length > maxPendingBytes;
      if (overflowed) {
        log.warn(
            "The MCP client stopped reading: {} bytes wait for it; ending its session",
            pendingBytes);
        closeLocked();
        dropped = true;
      } else {
        lines.add(line);
        pendingBytes += line.length;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    if (overflowed) {
      onOverflow.run();
      return false;
    }
    return true;
  }

  /**
   * Waits until every line queued so far is written (or the outbox closed), at most {@code limit}.
   *
   * @return whether every line was written (false when some were dropped)
   */
  boolean awaitWritten(Duration limit) throws InterruptedException {
    long left = limit.toNanos();
    lock.lock();
    try {
      while (!closed && (writing || !lines.isEmpty())) {
        if (left <= 0) {
          return false;
        }
        left = changed.awaitNanos(left);
      }
      return !dropped && lines.isEmpty() && !writing;
    } finally {
      lock.unlock();
    }
  }

  /** Drops what waits and stops the writer after the line it is writing. */
  void close() {
    lock.lock();
    try {
      closeLocked();
    } finally {
      lock.unlock();
    }
  }

  private void closeLocked() {
    dropped |= writing || !lines.isEmpty();
    closed = true;
    lines.clear();
    pendingBytes = 0;
    changed.signalAll();
  }

  private void writeLoop() {
    List<byte[]> batch = new ArrayList<>();
    try {
      while (true) {
        lock.lock();
        try {
          while (lines.isEmpty() && !closed) {
            changed.await(1, TimeUnit.MINUTES);
          }
          if (closed) {
            return;
          }
          batch.addAll(lines);
          lines.clear();
          writing = true;
        } finally {
          lock.unlock();
        }
        long written = 0;
        for (byte[] line : batch) {
          out.write(line);
          written += line.length;
        }
        out.flush(); // once per batch: a burst of notifications is one flush
        batch.clear();
        lock.lock();
        try {
          if (!closed) { // a close cleared the count
            pendingBytes -= written;
          }
          writing = false;
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    } catch (IOException e) {
      lock.lock();
      try {
        if (!closed) {
          log.warn("Writing to the MCP client failed: {}", e.toString());
        }
      } finally {
        lock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      // However the writer ends (an error, a bug, an interrupt), nothing more will be written:
      // offers are refused and waits for the lines end.
      lock.lock();
      try {
        if (!closed) {
          closeLocked();
        }
        dropped |= writing;
        writing = false;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
