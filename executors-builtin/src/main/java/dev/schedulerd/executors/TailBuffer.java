package dev.schedulerd.executors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps the last {@code capacity} bytes of a stream and counts what was dropped before them, so a
 * chatty process cannot fill the heap. Thread-safe: one thread pumps, another reads the result.
 */
final class TailBuffer {
  private final byte[] ring;
  private final ReentrantLock lock = new ReentrantLock();
  private long total; // guarded by lock

  TailBuffer(int capacity) {
    this.ring = new byte[capacity];
  }

  /** Reads {@code in} to its end. */
  void pump(InputStream in) throws IOException {
    byte[] chunk = new byte[8192];
    int n;
    while ((n = in.read(chunk)) >= 0) {
      append(chunk, n);
    }
  }

  private void append(byte[] chunk, int length) {
    lock.lock();
    try {
      for (int i = 0; i < length; i++) {
        ring[(int) (total++ % ring.length)] = chunk[i];
      }
    } finally {
      lock.unlock();
    }
  }

  /** Bytes written in all. */
  long total() {
    lock.lock();
    try {
      return total;
    } finally {
      lock.unlock();
    }
  }

  /** Bytes that came before the kept tail. */
  long dropped() {
    lock.lock();
    try {
      return Math.max(0, total - ring.length);
    } finally {
      lock.unlock();
    }
  }

  /** The kept tail as UTF-8 text (a character cut at the start is replaced). */
  String text() {
    lock.lock();
    try {
      int kept = (int) Math.min(total, ring.length);
      byte[] out = new byte[kept];
      long start = total - kept;
      for (int i = 0; i < kept; i++) {
        out[i] = ring[(int) ((start + i) % ring.length)];
      }
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      lock.unlock();
    }
  }
}
