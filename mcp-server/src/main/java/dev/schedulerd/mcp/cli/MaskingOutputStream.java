package dev.schedulerd.mcp.cli;

import dev.schedulerd.api.executor.SecretMask;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's stderr, through which every log line passes — ours, the MCP SDK's, a JDBC driver's:
 * each line is written once complete, with the values of the variables tasks may use masked, so
 * that no library that logs what it was given (a server's error quoting a tool's arguments) can
 * print a secret. Thread-safe; a line longer than 1 MiB is written in pieces.
 */
final class MaskingOutputStream extends OutputStream {
  private static final int MAX_LINE = 1 << 20;

  private final OutputStream target;
  private final SecretMask mask;
  private final ReentrantLock lock = new ReentrantLock();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(); // guarded by lock

  MaskingOutputStream(OutputStream target, SecretMask mask) {
    this.target = target;
    this.mask = mask;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    lock.lock();
    try {
      int start = offset;
      for (int i = offset; i < offset + length; i++) {
        if (bytes[i] == '\n') {
          line.write(bytes, start, i + 1 - start);
          emit();
          start = i + 1;
        }
      }
      line.write(bytes, start, offset + length - start);
      if (line.size() > MAX_LINE) {
        emit();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Requires lock. */
  private void emit() throws IOException {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    target.write(mask.mask(text).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void flush() throws IOException {
    lock.lock();
    try {
      target.flush(); // a partial line waits for its end: a value may still be coming
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (line.size() > 0) {
        emit();
      }
      target.close();
    } finally {
      lock.unlock();
    }
  }
}
