package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that the store's file is no longer the one this process opened: deleted, replaced by
 * another file, or its write-ahead log removed. SQLite writes on through the handles it holds, so
 * without this every write would still be acknowledged and then lost (the file a restart opens is
 * another one, or empty). Checked before each batch of writes and by the change watcher; once the
 * file is lost the store refuses writes until it is reopened, and says why.
 *
 * <p>Identity is the file key (device and inode on Linux and macOS): a file moved or renamed onto
 * the path gives another key; a copy written into the same file ({@code cp backup.db scheduler.db})
 * keeps it and is not noticed, which is why the message says to stop schedulerd before restoring.
 * The log's key is taken once it exists and must then stay: SQLite keeps the log while any
 * connection is open, resetting it after a checkpoint, never deleting it. The log is looked for
 * beside the file's real path, where SQLite puts it when the store's path is a symbolic link.
 */
final class StoreFileGuard {
  private static final Logger log = LoggerFactory.getLogger(StoreFileGuard.class);

  private final Path file;
  private final Path wal;
  private final Object fileKey;
  private final AtomicReference<@Nullable Object> walKey = new AtomicReference<>();
  private final AtomicReference<@Nullable String> lost = new AtomicReference<>();

  private StoreFileGuard(Path file, Object fileKey) {
    this.file = file;
    Path real;
    try {
      real = file.toRealPath();
    } catch (IOException e) {
      real = file;
    }
    this.wal = real.resolveSibling(real.getFileName() + "-wal");
    this.fileKey = fileKey;
  }

  /** The guard of {@code file} as it is now, right after this process opened it. */
  static StoreFileGuard of(Path file) {
    Object key;
    try {
      key = keyOf(file);
    } catch (IOException e) {
      key = null;
    }
    if (key == null) {
      // No file key on this file system: nothing to compare, so nothing is ever reported lost.
      log.warn("{} has no file identity here: a deleted or replaced file cannot be noticed", file);
      return new StoreFileGuard(file, new Object());
    }
    StoreFileGuard guard = new StoreFileGuard(file, key);
    try {
      guard.walKey.set(keyOf(guard.wal));
    } catch (IOException e) {
      log.debug("Could not read the attributes of {}: {}", guard.wal, e.toString());
    }
    return guard;
  }

  /**
   * Throws when the file is lost: before a batch of writes, so that nothing is acknowledged that
   * would not be found after a restart.
   *
   * @throws StoreException naming the file, what happened and what to do
   */
  void checkWritable() {
    String problem = problem();
    if (problem != null) {
      throw new StoreException(problem);
    }
  }

  /** Why the store may not be written as far as known, without looking at the file again. */
  @Nullable String knownProblem() {
    return lost.get();
  }

  /** Why the store may not be written, or null; checks the file again while it is still fine. */
  @Nullable String problem() {
    String known = lost.get();
    if (known != null) {
      return known;
    }
    String found;
    try {
      found = inspect();
    } catch (IOException e) {
      log.debug("Could not check {}: {}", file, e.toString());
      return null; // cannot tell now; the next check looks again
    }
    if (found == null) {
      return null;
    }
    String message =
        "The task store "
            + file
            + " "
            + found
            + " since schedulerd opened it: writes are refused, as they would be lost (what was"
            + " written before stays readable until a restart). Stop schedulerd, restore the file"
            + " from a backup if it matters, then start it again.";
    if (lost.compareAndSet(null, message)) {
      log.error(message);
    }
    return lost.get();
  }

  private @Nullable String inspect() throws IOException {
    if (fileKey.getClass() == Object.class) {
      return null; // no identity to compare
    }
    Object now = keyOf(file);
    if (now == null) {
      return "was deleted";
    }
    if (!now.equals(fileKey)) {
      return "was replaced by another file";
    }
    Object walNow = keyOf(wal);
    Object walThen = walKey.get();
    if (walThen == null) {
      walKey.compareAndSet(null, walNow); // the log appeared: from now on it must stay
      return null;
    }
    if (walNow == null) {
      return "lost its write-ahead log (" + wal.getFileName() + " was deleted)";
    }
    if (!Objects.equals(walNow, walThen)) {
      return "had its write-ahead log (" + wal.getFileName() + ") replaced";
    }
    return null;
  }

  /**
   * Once the file is lost and this process has closed its connections: moves this process's
   * write-ahead log, if it is still at the log's path, out of the way. Left there, it would be
   * replayed into whatever file is at the path next (a replacement, a new store), writing this
   * file's pages over that one's.
   */
  void setAsideLogIfLost() {
    if (lost.get() == null) {
      return;
    }
    try {
      Object ours = walKey.get();
      if (ours == null || !ours.equals(keyOf(wal))) {
        return; // gone, or another file's log
      }
      Path aside =
          wal.resolveSibling(wal.getFileName() + ".lost-by-" + ProcessHandle.current().pid());
      Files.move(wal, aside);
      log.warn(
          "Moved the write-ahead log of the lost task store to {}, so that it is not replayed into"
              + " the file now at {}",
          aside,
          file);
    } catch (IOException e) {
      log.error(
          "Could not move {} aside: delete it before schedulerd opens {} again, or its pages"
              + " would be written into that file",
          wal,
          file,
          e);
    }
  }

  /** The path's file key, or null when there is no such file. */
  private static @Nullable Object keyOf(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
