package dev.schedulerd.mcp.cli;

import dev.schedulerd.mcp.transport.DaemonRequests;
import dev.schedulerd.mcp.transport.UnixSocketTransportProvider;
import io.modelcontextprotocol.json.McpJsonMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

/**
 * The background daemon's hold on its socket: the lock that makes it the only daemon of its store
 * (held for as long as it runs, released by the kernel when it dies, however it dies), and the
 * socket it serves MCP sessions on. A socket file found while holding the lock was left by a daemon
 * that died: it is replaced.
 */
final class DaemonSocket implements AutoCloseable {
  /** Another daemon serves this store already. */
  static final class AlreadyRunning extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    AlreadyRunning(String message) {
      super(message);
    }
  }

  private final FileChannel lockFile;
  private final FileLock lock;
  private final UnixSocketTransportProvider transport;

  private DaemonSocket(FileChannel lockFile, FileLock lock, UnixSocketTransportProvider transport) {
    this.lockFile = lockFile;
    this.lock = lock;
    this.transport = transport;
  }

  /**
   * Takes the daemon's lock and listens on its socket.
   *
   * @throws AlreadyRunning when another daemon holds the lock
   * @throws IllegalStateException when the folder is unsafe or the socket cannot be bound
   */
  static DaemonSocket claim(DaemonPaths paths, McpJsonMapper json, DaemonRequests requests) {
    paths.prepare();
    FileChannel lockFile = null;
    try {
      lockFile =
          FileChannel.open(
              paths.daemonLock(),
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock lock = lockFile.tryLock();
      if (lock == null) {
        String pid = Files.readString(paths.daemonLock(), StandardCharsets.UTF_8).strip();
        throw new AlreadyRunning(
            "a schedulerd daemon"
                + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                + " already serves this store on "
                + paths.socket()
                + "; another node of the store on this machine needs --socket none (or a --socket"
                + " PATH of its own)");
      }
      lockFile.truncate(0);
      lockFile.write(
          java.nio.ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
          0);
      removeStaleSocket(paths.socket()); // we hold the lock: whoever bound it is gone
      UnixSocketTransportProvider transport =
          UnixSocketTransportProvider.bind(json, paths.socket(), requests);
      return new DaemonSocket(lockFile, lock, transport);
    } catch (IOException e) {
      closeQuietly(lockFile);
      throw new IllegalStateException(
          "could not listen on " + paths.socket() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(lockFile);
      throw e;
    }
  }

  /** Removes what a dead daemon left at {@code socket}: a socket, never any other file. */
  private static void removeStaleSocket(java.nio.file.Path socket) throws IOException {
    java.nio.file.attribute.BasicFileAttributes found;
    try {
      found =
          Files.readAttributes(
              socket,
              java.nio.file.attribute.BasicFileAttributes.class,
              java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    if (!found.isOther()) {
      throw new IllegalStateException(
          socket + " exists and is not a socket: remove it, or choose another --socket PATH");
    }
    Files.delete(socket);
  }

  UnixSocketTransportProvider transport() {
    return transport;
  }

  /**
   * Idempotent and whole: the shutdown hook and the daemon's main thread may both call it, and the
   * lock is released only once the socket file is gone.
   */
  @Override
  public synchronized void close() {
    transport.close();
    try {
      lock.release();
    } catch (IOException e) {
      // the channel's close releases it too
    }
    closeQuietly(lockFile);
  }

  private static void closeQuietly(@org.jspecify.annotations.Nullable FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
