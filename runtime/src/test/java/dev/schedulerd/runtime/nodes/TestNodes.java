package dev.schedulerd.runtime.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts {@link TestNode}s, each a JVM of its own on one shared store, and drives them: the one
 * multi-node harness of the SQLite and PostgreSQL tests. Close it to kill every node left.
 *
 * <pre>{@code
 * try (TestNodes nodes = new TestNodes("sqlite", db.toString(), dir)) {
 *   TestNodes.Node a = nodes.start("a", Duration.ofSeconds(30), 256);
 *   a.send("add task 0 100 0 0");
 *   a.awaitLine("added");
 * }
 * }</pre>
 */
public final class TestNodes implements AutoCloseable {
  private final String storeName;
  private final String location;
  private final Path dir;
  private final List<Node> started = new ArrayList<>();

  /**
   * @param storeName the store provider's name ({@code sqlite}, {@code postgres})
   * @param location the store's location (a file, a JDBC URL)
   * @param dir where each node's run file ({@code ID.runs}) and log ({@code ID.log}) go
   */
  public TestNodes(String storeName, String location, Path dir) {
    this.storeName = storeName;
    this.location = location;
    this.dir = dir;
  }

  /** The store's location, as the nodes open it. */
  public String location() {
    return location;
  }

  /** Starts node {@code nodeId} and waits until it is ready. */
  public Node start(String nodeId, Duration lease, int maxConcurrentRuns) throws IOException {
    Path runsFile = dir.resolve(nodeId + ".runs");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dorg.sqlite.tmpdir=" + dir, // a killed node's native-library copy stays here
                "-cp",
                System.getProperty("java.class.path"),
                TestNode.class.getName(),
                storeName,
                location,
                nodeId,
                runsFile.toString(),
                Long.toString(lease.toMillis()),
                Integer.toString(maxConcurrentRuns))
            .redirectError(dir.resolve(nodeId + ".log").toFile())
            .start();
    Node node = new Node(nodeId, process, runsFile, dir.resolve(nodeId + ".log"));
    started.add(node);
    node.awaitLine("ready", Duration.ofSeconds(60));
    return node;
  }

  /** The lines the nodes {@code nodeIds} appended to their run files, in node order. */
  public List<String> runLines(String... nodeIds) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String id : nodeIds) {
      Path file = dir.resolve(id + ".runs");
      if (Files.exists(file)) {
        lines.addAll(Files.readAllLines(file));
      }
    }
    return lines;
  }

  /** Kills every node left and waits until each is gone, before the test's folder is removed. */
  @Override
  public void close() {
    for (Node node : started) {
      node.process.destroyForcibly();
    }
    for (Node node : started) {
      try {
        node.process.waitFor(30, TimeUnit.SECONDS);
        node.stdin.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // its pipe is gone with it
      }
    }
  }

  /** A running node: its process, its stdin, the lines it printed. */
  public static final class Node {
    private final String id;
    private final Process process;
    private final Path runsFile;
    private final Path log;
    private final Writer stdin;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private int consumed; // lines before this index were matched by awaitLine

    private Node(String id, Process process, Path runsFile, Path log) {
      this.id = id;
      this.process = process;
      this.runsFile = runsFile;
      this.log = log;
      this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      this.reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (BufferedReader out =
                        new BufferedReader(
                            new InputStreamReader(
                                process.getInputStream(), StandardCharsets.UTF_8))) {
                      String line;
                      while ((line = out.readLine()) != null) {
                        lines.add(line);
                      }
                    } catch (IOException e) {
                      // the process died; its lines so far are kept
                    }
                  });
    }

    public String id() {
      return id;
    }

    public Process process() {
      return process;
    }

    public Path log() {
      return log;
    }

    public void send(String command) throws IOException {
      stdin.write(command + "\n");
      stdin.flush();
    }

    /** Waits up to a minute for {@link #awaitLine(String, Duration)}. */
    public String awaitLine(String prefix) {
      return awaitLine(prefix, Duration.ofSeconds(60));
    }

    /**
     * Waits for the next line starting with {@code prefix} after the last one this returned (other
     * lines, such as {@code started} ones, are passed over) and returns it.
     */
    public String awaitLine(String prefix, Duration timeout) {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> indexOf(prefix) >= 0 || !process.isAlive());
      if (indexOf(prefix) < 0) {
        try {
          reader.join(Duration.ofSeconds(5)); // a dead node's last lines may still be in the pipe
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int index = indexOf(prefix);
      assertThat(index)
          .as("%s printed a line starting with '%s'; its log:%n%s", id, prefix, logTail())
          .isNotNegative();
      consumed = index + 1;
      return lines.get(index);
    }

    private int indexOf(String prefix) {
      for (int i = consumed; i < lines.size(); i++) {
        if (lines.get(i).startsWith(prefix)) {
          return i;
        }
      }
      return -1;
    }

    private String logTail() {
      try {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }

    /** The tasks whose runs this node started, from its {@code started TASK} lines. */
    public Set<String> startedTasks() {
      return lines.stream()
          .filter(l -> l.startsWith("started "))
          .map(l -> l.substring("started ".length()))
          .collect(Collectors.toSet());
    }

    /** The lines this node appended to its run file. */
    public List<String> runLines() throws IOException {
      return Files.exists(runsFile) ? Files.readAllLines(runsFile) : List.of();
    }

    /** Sends {@code kill -SIGNAL} (KILL, STOP, CONT) to the node's process. */
    public void signal(String signal) throws Exception {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).as("kill -%s %s", signal, id).isZero();
    }

    /** Asks the node to stop and waits until it has, cleanly. */
    public void quit() throws Exception {
      send("quit");
      stdin.close();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s exits after quit", id).isTrue();
      assertThat(process.exitValue()).isZero();
    }
  }
}
