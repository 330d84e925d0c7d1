package dev.schedulerd.store.json;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.ChangeNotifier;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.NodeRegistry;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed's JSON task file as a store, for one process at a time: tasks live in memory and every
 * change rewrites the whole file atomically before it is acknowledged (changes that arrive together
 * share one rewrite). Kept for compatibility; it costs time proportional to all tasks per change,
 * and it takes an exclusive lock so that a second process is refused instead of corrupting it. To
 * share tasks between processes, use the SQLite store.
 *
 * <p>Tasks the store has not changed are written back exactly as they were read; fields it does not
 * know are kept.
 */
public final class JsonTaskStore implements TaskStore {
  private static final Logger log = LoggerFactory.getLogger(JsonTaskStore.class);

  private final Path file;
  private final InstantSource clock;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final InMemoryTaskStore memory = new InMemoryTaskStore();

  private final ReentrantLock persistLock = new ReentrantLock();
  private final AtomicLong changes = new AtomicLong();
  private long persistedThrough; // guarded by persistLock
  private final Map<String, ObjectNode> originals = new HashMap<>(); // guarded by persistLock
  private final Set<String> untouched = new LinkedHashSet<>(); // guarded by persistLock
  private final Set<String> order = new LinkedHashSet<>(); // file order; guarded by persistLock
  private @Nullable FileStamp written; // the file as this store last read or wrote it
  private byte @Nullable [] writtenDigest; // and a digest of its bytes then
  private volatile @Nullable String editedElsewhere; // set once: writes refused until reopened
  private volatile boolean closed;

  /** What tells one version of the file from another without reading it. */
  private record FileStamp(@Nullable Object key, long size, long modifiedNanos) {
    static @Nullable FileStamp of(Path file) {
      try {
        var attributes =
            Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        return new FileStamp(
            attributes.fileKey(),
            attributes.size(),
            attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
      } catch (IOException e) {
        return null; // gone, or unreadable: not the file this store wrote
      }
    }
  }

  private JsonTaskStore(Path file, InstantSource clock, FileChannel lockChannel, FileLock lock) {
    this.file = file;
    this.clock = clock;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens {@code file}, creating it (and its directory) when missing. Cron schedules of the seed's
   * tasks that name no zone are read in {@code defaultZone}.
   *
   * @throws StoreException when another process holds the file, or it is unreadable or invalid; the
   *     file is then left untouched
   */
  public static JsonTaskStore open(Path file, ZoneId defaultZone, InstantSource clock) {
    Path path = file.toAbsolutePath().normalize();
    if (Files.isDirectory(path)) {
      throw new StoreException(
          "Cannot open the task file " + path + ": it is a directory. Name a file instead.");
    }
    createDirectories(path);
    Path lockFile = path.resolveSibling(path.getFileName() + ".lock");
    FileChannel channel;
    FileLock lock;
    try {
      channel =
          FileChannel.open(
              lockFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException(
          "Cannot open the task file " + path + ": cannot create " + lockFile + ": " + e, e);
    }
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("Cannot lock the task file " + path + ": " + e, e);
    }
    if (lock == null) {
      String holder = readHolder(channel);
      closeQuietly(channel);
      throw new StoreException(
          "The task file "
              + path
              + " is in use by another schedulerd ("
              + holder
              + "). The JSON store serves one process at a time. To share tasks between several"
              + " MCP clients, use the SQLite store: --store sqlite:PATH (the default).");
    }
    JsonTaskStore store = new JsonTaskStore(path, clock, channel, lock);
    try {
      store.writeHolder();
      store.load(new FireTimes(defaultZone));
    } catch (RuntimeException e) {
      store.releaseLock();
      throw e;
    }
    return store;
  }

  public Path file() {
    return file;
  }

  private void load(FireTimes fireTimes) {
    if (!Files.exists(file)) {
      writtenDigest = digest(SeedFiles.write(file, List.of(), clock.instant()));
      written = FileStamp.of(file);
      log.info("Created task file {}", file);
      return;
    }
    FileStamp before = FileStamp.of(file);
    byte[] digestBefore = digestOf(file);
    List<SeedFormat.Entry> entries = SeedFiles.read(file, fireTimes, clock.instant());
    persistLock.lock();
    try {
      written = before;
      writtenDigest = digestBefore;
      for (SeedFormat.Entry entry : entries) {
        memory.restore(entry.task(), entry.runsOldestFirst());
        originals.put(entry.task().id(), entry.original());
        untouched.add(entry.task().id());
        order.add(entry.task().id());
      }
    } finally {
      persistLock.unlock();
    }
    log.info("Opened task file {} with {} task(s)", file, entries.size());
  }

  // ------------------------------------------------------------------ writes: memory, then file

  @Override
  public List<StoredTask> insertAll(List<StoredTask> tasks) {
    checkOpen();
    checkNotEditedElsewhere();
    List<StoredTask> stored = memory.insertAll(tasks);
    persisted(stored, tasks.stream().map(StoredTask::id).toList());
    return stored;
  }

  @Override
  public Optional<StoredTask> write(TaskWrite write) {
    checkOpen();
    checkNotEditedElsewhere();
    return persistedIfPresent(memory.write(write), write.taskId());
  }

  @Override
  public List<StoredTask> writeAll(List<TaskWrite> writes) {
    checkOpen();
    checkNotEditedElsewhere();
    List<StoredTask> written = memory.writeAll(writes);
    if (!written.isEmpty()) {
      persisted(written, written.stream().map(StoredTask::id).toList());
    }
    return written;
  }

  @Override
  public boolean delete(String taskId) {
    checkOpen();
    checkNotEditedElsewhere();
    boolean removed = memory.delete(taskId);
    if (removed) {
      persisted(Boolean.TRUE, taskId);
    }
    return removed;
  }

  @Override
  public boolean delete(String taskId, long version) {
    checkOpen();
    checkNotEditedElsewhere();
    boolean removed = memory.delete(taskId, version);
    if (removed) {
      persisted(Boolean.TRUE, taskId);
    }
    return removed;
  }

  private Optional<StoredTask> persistedIfPresent(Optional<StoredTask> written, String taskId) {
    written.ifPresent(t -> persisted(t, taskId));
    return written;
  }

  /**
   * Writes the file unless a rewrite that started after this change already did: of the threads
   * that changed something meanwhile, one rewrites for all.
   */
  private <T> T persisted(T result, String changedTask) {
    return persisted(result, List.of(changedTask));
  }

  private <T> T persisted(T result, List<String> changedTasks) {
    long change;
    persistLock.lock();
    try {
      untouched.removeAll(changedTasks);
      order.addAll(changedTasks);
      change = changes.incrementAndGet();
    } finally {
      persistLock.unlock();
    }
    persistLock.lock();
    try {
      if (persistedThrough >= change) {
        return result;
      }
      long through = changes.get();
      List<ObjectNode> tasks = new ArrayList<>();
      Set<String> present = new LinkedHashSet<>();
      for (StoredTask task : memory.list()) {
        present.add(task.id());
      }
      order.retainAll(present);
      order.addAll(present);
      for (String id : order) {
        ObjectNode original = originals.get(id);
        if (untouched.contains(id) && original != null) {
          tasks.add(original);
          continue;
        }
        Optional<StoredTask> task = memory.find(id);
        if (task.isPresent()) {
          tasks.add(
              SeedFormat.write(
                  task.get(), memory.runs(id, SeedFormat.RUNS_SAVED_PER_TASK), original));
        }
      }
      checkNotEditedElsewhere(); // again under the lock: the last moment before overwriting it
      writtenDigest = digest(SeedFiles.write(file, tasks, clock.instant()));
      written = FileStamp.of(file);
      persistedThrough = through;
      return result;
    } finally {
      persistLock.unlock();
    }
  }

  /**
   * Refuses to write once the file changed behind this store's back (a hand edit, another program):
   * rewriting it would silently drop that change. Writes stay refused until the store is opened
   * again, which reads the edited file.
   *
   * @throws StoreException naming the file and what to do
   */
  private void checkNotEditedElsewhere() {
    String known = editedElsewhere;
    if (known != null) {
      throw new StoreException(known);
    }
    persistLock.lock();
    try {
      FileStamp expected = written;
      FileStamp now = FileStamp.of(file);
      if (expected == null || expected.equals(now)) {
        return;
      }
      // Touched, saved unchanged, synced by another program: the same bytes are no edit.
      byte[] expectedDigest = writtenDigest;
      if (now != null && expectedDigest != null && Arrays.equals(expectedDigest, digestOf(file))) {
        written = now;
        return;
      }
      String message =
          "The task file "
              + file
              + " was changed by another program (a hand edit?) since schedulerd last wrote it:"
              + " schedulerd will not overwrite that change and refuses writes until it is"
              + " restarted, which reads the edited file. Restart schedulerd to take the edit;"
              + " to change tasks while schedulerd runs, use its tools or the SQLite store.";
      editedElsewhere = message;
      log.error(message);
      throw new StoreException(message);
    } finally {
      persistLock.unlock();
    }
  }

  private static byte[] digest(byte[] bytes) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The digest of the file's bytes, or none when it cannot be read (then it counts as changed). */
  private byte @Nullable [] digestOf(Path path) {
    try {
      return digest(Files.readAllBytes(path));
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public Optional<String> problem() {
    String known = editedElsewhere;
    if (known != null || closed) {
      return Optional.ofNullable(known);
    }
    try {
      checkNotEditedElsewhere();
      return Optional.empty();
    } catch (StoreException e) {
      return Optional.ofNullable(e.getMessage());
    }
  }

  // ------------------------------------------------------------------ reads: memory

  @Override
  public Optional<StoredTask> find(String taskId) {
    checkOpen();
    return memory.find(taskId);
  }

  @Override
  public List<StoredTask> list() {
    checkOpen();
    return memory.list();
  }

  @Override
  public List<StoredTask> findExpiredLeases(Instant now, int limit) {
    checkOpen();
    return memory.findExpiredLeases(now, limit);
  }

  @Override
  public List<RunRecord> runs(String taskId, int limit) {
    checkOpen();
    return memory.runs(taskId, limit);
  }

  @Override
  public ChangeSet changesSince(long cursor, int limit) {
    checkOpen();
    return memory.changesSince(cursor, limit);
  }

  @Override
  public RunPage runPage(@Nullable String taskId, int limit, @Nullable String cursor) {
    checkOpen();
    return memory.runPage(taskId, limit, cursor);
  }

  /** Heartbeats stay in memory: only this process uses the file. */
  @Override
  public Optional<NodeRegistry> nodeRegistry() {
    return memory.nodeRegistry();
  }

  /** Announces this process's writes (the file is never shared). */
  @Override
  public Optional<ChangeNotifier> changeNotifier() {
    return memory.changeNotifier();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    persistLock.lock();
    try {
      memory.close();
      releaseLock();
    } finally {
      persistLock.unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException("the JSON task file " + file + " is closed");
    }
  }

  // ------------------------------------------------------------------ the lock file

  private void writeHolder() {
    String holder =
        "pid "
            + ProcessHandle.current().pid()
            + " on "
            + hostName()
            + ", since "
            + clock.instant()
            + "\n";
    try {
      lockChannel.truncate(0);
      lockChannel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
      lockChannel.force(false);
    } catch (IOException e) {
      log.debug("Could not note this process in {}.lock", file, e);
    }
  }

  private static String readHolder(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(512);
      int read = channel.read(buffer, 0);
      String text =
          read > 0 ? new String(buffer.array(), 0, read, StandardCharsets.UTF_8).strip() : "";
      return text.isEmpty() ? "a process that did not say which" : text;
    } catch (IOException e) {
      return "a process that could not be identified: " + e;
    }
  }

  private void releaseLock() {
    try {
      lock.release();
    } catch (IOException e) {
      log.debug("Releasing the lock of {} failed", file, e);
    }
    closeQuietly(lockChannel);
  }

  private static @Nullable String hostNameOrNull() {
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return null;
    }
  }

  private static String hostName() {
    String host = hostNameOrNull();
    return host != null ? host : "this host";
  }

  private static void createDirectories(Path file) {
    Path parent = file.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      try {
        Files.createDirectories(parent);
      } catch (IOException e) {
        throw new StoreException(
            "Cannot create the task file " + file + ": its directory cannot be created (" + e + ")",
            e);
      }
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("Closing a lock channel failed", e);
    }
  }
}
