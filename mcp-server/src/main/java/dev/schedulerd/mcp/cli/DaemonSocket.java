package dev.schedulerd.mcp.cli;

import dev.schedulerd.mcp.Printable;
import dev.schedulerd.mcp.transport.DaemonRequests;
import dev.schedulerd.mcp.transport.UnixSocketTransportProvider;
import io.modelcontextprotocol.json.McpJsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background daemon's hold on its socket: the locks that make it the only daemon of its store
 * (held for as long as it runs, released by the kernel when it dies, however it dies), and the
 * socket it serves MCP sessions on. A socket file found while holding the lock was left by a daemon
 * that died: it is replaced.
 *
 * <p>Two locks: one in the socket's folder, and one beside the store's file, so that clients with
 * different runtime folders ({@code XDG_RUNTIME_DIR} set in one, not in another) still get one
 * daemon per store. A daemon whose socket file is removed (a logout clears {@code XDG_RUNTIME_DIR})
 * can no longer be reached: {@link #watch} tells it to stop.
 */
final class DaemonSocket implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DaemonSocket.class);

  /** Another daemon serves this store already. */
  static final class AlreadyRunning extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    AlreadyRunning(String message) {
      super(message);
    }
  }

  /** A lock file held open and locked. */
  private record Held(FileChannel channel, FileLock lock) {
    void release() {
      try {
        lock.release();
      } catch (IOException e) {
        // the channel's close releases it too
      }
      closeQuietly(channel);
    }
  }

  private final List<Held> locks;
  private final UnixSocketTransportProvider transport;
  private @Nullable ScheduledExecutorService watcher; // guarded by this

  private DaemonSocket(List<Held> locks, UnixSocketTransportProvider transport) {
    this.locks = List.copyOf(locks);
    this.transport = transport;
  }

  /**
   * Takes the daemon's locks and listens on its socket.
   *
   * @param storeFile the store's file (a lock is taken beside it), or null for a store without one
   * @throws AlreadyRunning when another daemon holds either lock
   * @throws IllegalStateException when the folder is unsafe or the socket cannot be bound
   */
  static DaemonSocket claim(
      DaemonPaths paths, @Nullable Path storeFile, McpJsonMapper json, DaemonRequests requests) {
    paths.prepare();
    List<Held> locks = new ArrayList<>();
    try {
      // The pid alone in the runtime folder's file: `kill $(cat …daemon)` stops the daemon.
      locks.add(lock(paths.daemonLock(), paths, false, "serves this store on " + paths.socket()));
      if (storeFile != null) {
        Held storeLock = lockBesideStore(storeFile, paths);
        if (storeLock != null) {
          locks.add(storeLock);
        }
      }
      removeStaleSocket(paths.socket()); // we hold the lock: whoever bound it is gone
      UnixSocketTransportProvider transport =
          UnixSocketTransportProvider.bind(json, paths.socket(), requests);
      return new DaemonSocket(locks, transport);
    } catch (IOException e) {
      locks.forEach(Held::release);
      throw new IllegalStateException(
          "could not listen on " + paths.socket() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      locks.forEach(Held::release);
      throw e;
    }
  }

  /**
   * Takes {@code file}'s lock and writes this daemon's pid into it, and its socket when {@code
   * withSocket}. The file is opened without following a link, made this user's only (0600), and
   * must be a regular file of this user's.
   *
   * @throws AlreadyRunning saying which daemon holds it
   */
  private static Held lock(Path file, DaemonPaths paths, boolean withSocket, String holderDoes)
      throws IOException {
    FileChannel channel =
        FileChannel.open(
            file,
            java.util.Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      PosixFileAttributes found =
          Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      String me = System.getProperty("user.name");
      if (!found.isRegularFile() || !found.owner().getName().equals(me)) {
        throw new IllegalStateException(
            file + " is not a file of " + me + "'s: remove it (it marks the store's daemon)");
      }
      FileLock lock = channel.tryLock();
      if (lock == null) {
        List<String> holder = Files.readAllLines(file, StandardCharsets.UTF_8);
        String pid = holder.isEmpty() ? "" : holder.get(0).strip();
        pid = pid.matches("\\d{1,10}") ? pid : "";
        String socket = holder.size() < 2 ? "" : Printable.of(holder.get(1).strip(), 300);
        throw new AlreadyRunning(
            "a schedulerd daemon"
                + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                + " already "
                + (socket.isEmpty() || socket.equals(paths.socket().toString())
                    ? holderDoes
                    : "serves this store, on " + socket + " (another runtime folder)")
                + "; another node of the store on this machine needs --socket none (or a --socket"
                + " PATH of its own)");
      }
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n" + (withSocket ? paths.socket() + "\n" : ""))
                  .getBytes(StandardCharsets.UTF_8)),
          0);
      return new Held(channel, lock);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * The socket of the daemon that holds the lock beside {@code storeFile}, as it wrote it, when the
   * file is this user's: where a front-end with another runtime folder finds that daemon.
   */
  static @Nullable Path socketBeside(Path storeFile) {
    Path file = besideStore(storeFile);
    try {
      PosixFileAttributes found =
          Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!found.isRegularFile()
          || !found.owner().getName().equals(System.getProperty("user.name"))
          || found.size() > 4096) {
        return null;
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return lines.size() < 2 || lines.get(1).isBlank() ? null : Path.of(lines.get(1).strip());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static Path besideStore(Path storeFile) {
    return storeFile.resolveSibling(storeFile.getFileName() + ".daemon");
  }

  /**
   * The lock beside the store, or null (with a warning) where it cannot be trusted or written: a
   * folder that others may write (they could hold the lock or plant a link), or a read-only one. A
   * folder not made yet has no daemon in it: the store makes it when it opens.
   */
  private static @Nullable Held lockBesideStore(Path storeFile, DaemonPaths paths)
      throws IOException {
    Path file = besideStore(storeFile);
    Path folder = file.toAbsolutePath().getParent();
    if (folder == null || !Files.isDirectory(folder)) {
      return null;
    }
    try {
      PosixFileAttributes attributes = Files.readAttributes(folder, PosixFileAttributes.class);
      java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = attributes.permissions();
      // A group of the user's own name (a umask of 002 with private groups) is the user alone.
      boolean othersInGroup = !attributes.group().getName().equals(System.getProperty("user.name"));
      if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
          || (othersInGroup
              && mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE))) {
        log.warn(
            "The store's folder {} may be written by others: one daemon per store is enforced in"
                + " {} only",
            folder,
            paths.folder());
        return null;
      }
      return lock(file, paths, true, "serves this store");
    } catch (java.nio.file.FileSystemException e) {
      log.warn(
          "Cannot use {} ({}): one daemon per store is enforced in {} only",
          file,
          e.getReason() != null ? e.getReason() : e.getClass().getSimpleName(),
          paths.folder());
      return null;
    }
  }

  /** Removes what a dead daemon left at {@code socket}: a socket, never any other file. */
  private static void removeStaleSocket(Path socket) throws IOException {
    BasicFileAttributes found;
    try {
      found = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
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
   * Checks every {@code interval} that the socket file is still this daemon's; when it was removed
   * or replaced, no client can reach the daemon any more: {@code onLost} runs, once.
   */
  synchronized void watch(Duration interval, Runnable onLost) {
    if (watcher != null) {
      return;
    }
    ScheduledExecutorService checks =
        Executors.newSingleThreadScheduledExecutor(
            task -> Thread.ofPlatform().name("schedulerd-socket-watch").daemon().unstarted(task));
    watcher = checks;
    checks.scheduleWithFixedDelay(
        () -> {
          if (!transport.socketFileIsOurs()) {
            log.warn(
                "The daemon's socket {} was removed or replaced (a logout clears"
                    + " XDG_RUNTIME_DIR): no client can reach this daemon; stopping",
                transport.path());
            checks.shutdown();
            onLost.run();
          }
        },
        interval.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Idempotent and whole: the shutdown hook and the daemon's main thread may both call it, and the
   * locks are released only once the socket file is gone.
   */
  @Override
  public synchronized void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
    transport.close();
    locks.forEach(Held::release);
  }

  private static void closeQuietly(@Nullable FileChannel channel) {
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
