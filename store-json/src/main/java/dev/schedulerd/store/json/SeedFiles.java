package dev.schedulerd.store.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The seed's task file: {@code {"tasks": {"<id>": {...}}, "metadata": {"saved_at",
 * "total_tasks"}}}. Reads it with checks that never modify a bad file, writes it atomically, and
 * imports and exports it into and from any {@link TaskStore}.
 */
public final class SeedFiles {
  /** Written as {@code metadata.schedulerd_format}; a file with a larger one is refused. */
  public static final int FORMAT_VERSION = 1;

  private SeedFiles() {}

  /** {@code ~/.memory/scheduler_tasks.json}, where the seed kept its tasks. */
  public static Path defaultFile() {
    return home().resolve(".memory").resolve("scheduler_tasks.json");
  }

  /** {@code $HOME} as the shell (and the seed) sees it; Java's user.home ignores it. */
  public static Path home() {
    String home = System.getenv("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }

  /** What {@link #importInto} did. */
  public record ImportReport(int imported, List<String> alreadyPresent) {}

  /**
   * Adds the tasks of the seed file {@code file} to {@code target}, as they are in the file (state
   * and last run included; run history under {@code "schedulerd"} is not carried over). Tasks whose
   * id {@code target} already has are left alone and reported. The file is only read.
   *
   * @throws StoreException when the file cannot be read or is invalid; nothing is imported then
   */
  public static ImportReport importInto(
      TaskStore target, Path file, FireTimes fireTimes, Instant now) {
    List<SeedFormat.Entry> entries = read(file, fireTimes, now);
    int imported = 0;
    List<String> present = new ArrayList<>();
    for (SeedFormat.Entry entry : entries) {
      StoredTask task = entry.task();
      try {
        target.insert(task.definition(), task.state());
        imported++;
      } catch (DuplicateTaskException e) {
        present.add(task.id());
      }
    }
    return new ImportReport(imported, present);
  }

  /**
   * Writes every task of {@code source} (with its newest {@value SeedFormat#RUNS_SAVED_PER_TASK}
   * runs) to {@code file} in the seed's format, replacing it atomically.
   *
   * @return how many tasks were written
   */
  public static int exportFrom(TaskStore source, Path file, Instant now) {
    List<ObjectNode> tasks = new ArrayList<>();
    for (StoredTask task : source.list()) {
      tasks.add(
          SeedFormat.write(task, source.runs(task.id(), SeedFormat.RUNS_SAVED_PER_TASK), null));
    }
    write(file, tasks, now);
    return tasks.size();
  }

  // ------------------------------------------------------------------ reading

  /**
   * Reads and checks a seed file.
   *
   * @throws StoreException naming the file, what is wrong, and what to do
   */
  static List<SeedFormat.Entry> read(Path file, FireTimes fireTimes, Instant now) {
    JsonNode root = parse(file);
    JsonNode metadata = root.path("metadata");
    int format = metadata.path("schedulerd_format").asInt(0);
    if (format > FORMAT_VERSION) {
      throw bad(
          file,
          "it was written by a newer schedulerd (format "
              + format
              + "; this one reads up to "
              + FORMAT_VERSION
              + ")",
          "Run the newer schedulerd, or choose another file.");
    }
    JsonNode tasks = root.get("tasks");
    if (!root.isObject() || tasks == null || !tasks.isObject()) {
      throw bad(
          file,
          "it is not a task file: expected {\"tasks\": {\"<id>\": {...}}, \"metadata\": {...}}",
          "Choose the right file.");
    }
    List<SeedFormat.Entry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = tasks.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> task = it.next();
      try {
        entries.add(SeedFormat.read(task.getKey(), task.getValue(), fireTimes, now));
      } catch (RuntimeException e) {
        throw bad(
            file,
            "task '" + task.getKey() + "' is invalid: " + e.getMessage(),
            "Fix or remove that task in the file (it is plain JSON).");
      }
    }
    return entries;
  }

  private static JsonNode parse(Path file) {
    if (Files.isDirectory(file)) {
      throw new StoreException(
          "Cannot open the task file " + file + ": it is a directory. Name a file instead.");
    }
    if (!Files.exists(file)) {
      throw new StoreException("Cannot read the task file " + file + ": it does not exist.");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StoreException(
          "Cannot read the task file "
              + file
              + ": "
              + e
              + ". Fix its permissions, or choose another file with --store.",
          e);
    }
    if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      throw bad(file, "it is empty (a write may have been interrupted)", null);
    }
    try {
      return SeedFormat.MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw bad(
          file,
          "it is not valid JSON ("
              + (where != null
                  ? "line " + where.getLineNr() + ", column " + where.getColumnNr() + ": "
                  : "")
              + e.getOriginalMessage()
              + "); it may be truncated or damaged",
          null);
    } catch (IOException e) {
      throw bad(file, "it cannot be read (" + e + ")", null);
    }
  }

  static StoreException bad(Path file, String what, @Nullable String fix) {
    return new StoreException(
        "Cannot open the task file "
            + file
            + ": "
            + what
            + ". The file was left untouched. "
            + (fix != null
                ? fix
                : "Restore it from a backup, move it aside to start with an empty store, or"
                    + " choose another file with --store json:PATH (or the default SQLite store)."));
  }

  // ------------------------------------------------------------------ writing

  /**
   * Replaces {@code file} with the tasks, atomically: written to a temporary file in the same
   * directory, flushed to disk, renamed over the old file, and the directory flushed, so a crash
   * leaves either the old file or the new one.
   *
   * @return the bytes written
   */
  static byte[] write(Path file, List<ObjectNode> tasksInOrder, Instant savedAt) {
    ObjectNode root = SeedFormat.MAPPER.createObjectNode();
    ObjectNode tasks = root.putObject("tasks");
    for (ObjectNode task : tasksInOrder) {
      tasks.set(task.path("id").asText(), task);
    }
    ObjectNode metadata = root.putObject("metadata");
    metadata.put("saved_at", savedAt.toString());
    metadata.put("total_tasks", tasksInOrder.size());
    metadata.put("schedulerd_format", FORMAT_VERSION);
    Path dir = java.util.Objects.requireNonNull(file.toAbsolutePath().getParent(), "directory");
    Path temp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    try {
      byte[] bytes = SeedFormat.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
      try (FileChannel out =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system cannot replace " + file + " atomically", e);
      }
      try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
        directory.force(true);
      } catch (IOException e) {
        // Some file systems cannot open a directory; the rename is done, only its flush is not.
      }
      return bytes;
    } catch (IOException e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // best effort
      }
      throw new StoreException("Cannot write the task file " + file + ": " + e, e);
    }
  }
}
