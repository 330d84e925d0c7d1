package dev.schedulerd.mcp.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.mcp.SuppressForbidden;
import dev.schedulerd.mcp.transport.ChannelStreams;
import dev.schedulerd.mcp.transport.LineStdioTransportProvider;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code schedulerd} an MCP client spawns: relays the client's session, line for line, to the
 * background daemon of its store over the daemon's Unix socket, starting the daemon when none
 * answers ({@link DaemonStarter}). Tasks then run whether or not a client is open.
 *
 * <p>When the daemon dies mid-session, the requests in flight are answered with a JSON-RPC error
 * (never left hanging), the daemon is started again (a few times, with pauses; then the front-end
 * gives up and says so), the session's {@code initialize} and subscriptions are replayed to it, and
 * the client's next call works. The front-end ends when its input ends (after the daemon answered
 * what was asked) or when the client that spawned it is gone. It reads of each line only its id and
 * method, and no line longer than the daemon would take.
 */
final class FrontEnd {
  private static final Logger log = LoggerFactory.getLogger(FrontEnd.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory PARSER = new JsonFactory();

  /** Bound on waiting, at the end of input, for the daemon's last answers. */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);

  /** The longest client line relayed: the daemon's own bound. */
  static final int MAX_LINE_BYTES = LineStdioTransportProvider.DEFAULT_MAX_LINE_BYTES;

  /** Subscriptions replayed after a restart, at most (each is one line and one answer). */
  private static final int MAX_SUBSCRIPTIONS = 100;

  /** Restarts of the daemon within {@link #RESTART_WINDOW} before the front-end gives up. */
  private static final int MAX_RESTARTS = 5;

  private static final Duration RESTART_WINDOW = Duration.ofMinutes(1);

  private final DaemonStarter starter;
  private final InputStream clientIn;
  private final OutputStream clientOut;
  private final ReentrantLock clientOutLock = new ReentrantLock();
  private final ReentrantLock stateLock = new ReentrantLock();

  /** The ids of the front-end's own requests (replays): exact, and never a client's. */
  private final String ownPrefix = "schedulerd-front-end-" + UUID.randomUUID();

  private final Set<String> ownIds = ConcurrentHashMap.newKeySet();

  // guarded by stateLock: what a new connection needs replayed, and the requests in flight
  private @Nullable String initializeLine;
  private final Map<String, String> subscriptions = new LinkedHashMap<>(); // uri -> line
  private final Map<String, String> inFlight = new LinkedHashMap<>(); // id (JSON) -> method
  private @Nullable Connection connection;
  private boolean inputEnded;
  private final ArrayDeque<Long> restarts = new ArrayDeque<>(); // relay thread only

  private record Connection(SocketChannel channel, OutputStream out) {}

  /** The prefix of the requests a front-end alone sends its daemon, outside MCP. */
  private static final String DAEMON_METHODS = "schedulerd/";

  /** What the front-end reads of a line: its method and id, when it has them. */
  record Peek(@Nullable String method, @Nullable String id, @Nullable String uri) {}

  FrontEnd(DaemonStarter starter, InputStream clientIn, OutputStream clientOut) {
    this.starter = starter;
    this.clientIn = new BufferedInputStream(clientIn);
    this.clientOut = clientOut;
  }

  /** Relays until the client's input ends; the exit code. */
  int run() throws InterruptedException {
    watchParent();
    Connection first;
    try {
      first = connect(false);
    } catch (IOException | IllegalStateException e) {
      log.error("schedulerd: could not reach the daemon: {}", e.getMessage());
      return 1;
    }
    Thread reader = startReading(first);
    try {
      byte[] line;
      while ((line = readLine(clientIn)) != null) {
        if (line == OVERLONG) {
          log.warn("Dropped a client line longer than {} bytes", MAX_LINE_BYTES);
          answerError(
              "null", -32600, "request line longer than " + MAX_LINE_BYTES + " bytes was dropped");
        } else {
          forward(new String(line, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      log.warn("Reading from the MCP client failed: {}", e.toString());
    }
    Connection current;
    stateLock.lock();
    try {
      inputEnded = true;
      current = connection;
    } finally {
      stateLock.unlock();
    }
    if (current != null) {
      try {
        current.channel().shutdownOutput(); // the daemon answers what it has, then ends
      } catch (IOException e) {
        // gone already
      }
    }
    reader.join(DRAIN_LIMIT.toMillis());
    return 0;
  }

  private static final byte[] OVERLONG = new byte[0];

  /** The next line (without its newline), {@link #OVERLONG} for one too long, null at the end. */
  private static byte @Nullable [] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean overlong = false;
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        return overlong ? OVERLONG : line.toByteArray();
      }
      if (line.size() < MAX_LINE_BYTES) {
        line.write(b);
      } else {
        overlong = true;
      }
    }
    return line.size() == 0 && !overlong ? null : overlong ? OVERLONG : line.toByteArray();
  }

  /**
   * Sends one client line to the daemon, remembering what a reconnection must replay. The write
   * happens outside the lock: the relay thread must always be able to take it, or a daemon that
   * waits for us to read could wait for ever.
   */
  private void forward(String line) {
    if (line.isBlank()) {
      return;
    }
    Peek peek = peek(line);
    String method = peek.method();
    String requestId = method != null ? peek.id() : null;
    if (method != null && method.startsWith(DAEMON_METHODS)) {
      // The front-end's own words with the daemon (hello, hand-over): never a client's.
      if (requestId != null) {
        answerError(requestId, -32601, "method not found: " + method);
      }
      return;
    }
    Connection current;
    stateLock.lock();
    try {
      if ("initialize".equals(method)) {
        initializeLine = line;
      } else if ("resources/subscribe".equals(method) && peek.uri() != null) {
        if (subscriptions.containsKey(peek.uri()) || subscriptions.size() < MAX_SUBSCRIPTIONS) {
          subscriptions.put(peek.uri(), line);
        }
      } else if ("resources/unsubscribe".equals(method) && peek.uri() != null) {
        subscriptions.remove(peek.uri());
      }
      current = connection;
      if (requestId != null && method != null && current != null) {
        inFlight.put(requestId, method);
      }
    } finally {
      stateLock.unlock();
    }
    if (current != null) {
      write(current.out(), line);
    } else if (requestId != null) {
      answerError(requestId, -32603, "the schedulerd daemon is restarting; retry");
    }
  }

  /** Reads the daemon's lines to the client; reconnects when the daemon goes away early. */
  private Thread startReading(Connection first) {
    return Thread.ofPlatform()
        .name("schedulerd-relay")
        .daemon()
        .start(
            () -> {
              Connection current = first;
              while (current != null) {
                relayToClient(current);
                current = afterDaemonGone(current);
              }
            });
  }

  private void relayToClient(Connection current) {
    try (BufferedReader daemon =
        new BufferedReader(
            new InputStreamReader(ChannelStreams.in(current.channel()), StandardCharsets.UTF_8))) {
      String line;
      while ((line = daemon.readLine()) != null) {
        Peek peek = peek(line);
        if (peek.id() != null && peek.method() == null) {
          String id = peek.id();
          if (ownIds.remove(unquoted(id))) {
            continue; // the answer to a replayed initialize or subscription
          }
          stateLock.lock();
          try {
            inFlight.remove(id);
          } finally {
            stateLock.unlock();
          }
        }
        writeClient(line);
      }
    } catch (IOException e) {
      log.debug("The daemon's connection ended: {}", e.toString());
    }
  }

  /**
   * The daemon closed the connection. At the end of the client's input that is the session's end;
   * otherwise the daemon died: the requests in flight get an error, and a new daemon is reached.
   *
   * @return the new connection, or null when the session is over
   */
  @SuppressForbidden(reason = "pauses between restarts of another process, bounded and few")
  private @Nullable Connection afterDaemonGone(Connection gone) {
    List<String> unanswered;
    stateLock.lock();
    try {
      connection = null;
      if (inputEnded) {
        return null;
      }
      unanswered = new ArrayList<>(inFlight.keySet());
      inFlight.clear();
    } finally {
      stateLock.unlock();
    }
    closeQuietly(gone.channel());
    for (String id : unanswered) {
      answerError(id, -32603, "the schedulerd daemon stopped while answering; retry the request");
    }
    long now = System.nanoTime();
    while (!restarts.isEmpty() && now - restarts.peekFirst() > RESTART_WINDOW.toNanos()) {
      restarts.pollFirst();
    }
    if (restarts.size() >= MAX_RESTARTS) {
      log.error(
          "schedulerd: the daemon went away {} times within {} s; giving up. Its log says why.",
          restarts.size(),
          RESTART_WINDOW.toSeconds());
      System.exit(1);
    }
    restarts.addLast(now);
    log.warn(
        "The schedulerd daemon went away mid-session; {} request(s) in flight got an error;"
            + " reaching it again",
        unanswered.size());
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        Thread.sleep(250L * attempt * restarts.size()); // a dying daemon's socket may still be up
        return connect(true);
      } catch (IOException | IllegalStateException e) {
        log.warn("Could not reach the daemon again (attempt {}): {}", attempt, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    log.error("schedulerd: the daemon could not be started again; ending the session");
    System.exit(1);
    return null;
  }

  /**
   * Reaches the daemon (starting it when none answers), greets it, and when {@code replay} sends it
   * the session's initialize and subscriptions again. Called before the relay reads (first) or on
   * the relay thread: a few lines, whose answers the socket's buffers hold.
   */
  private Connection connect(boolean replay) throws IOException {
    DaemonStarter.Reached reached = starter.reach();
    SocketChannel channel = reached.channel();
    if (reached.warning() != null) {
      log.warn("{}", reached.warning());
    }
    OutputStream out = ChannelStreams.out(channel);
    Connection created = new Connection(channel, out);
    List<String> replayed = new ArrayList<>();
    stateLock.lock();
    try {
      if (replay && initializeLine != null) {
        replayed.add(withId(initializeLine, ownPrefix + "-init"));
        replayed.add("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        int n = 0;
        for (String subscribe : subscriptions.values()) {
          replayed.add(withId(subscribe, ownPrefix + "-sub-" + n++));
        }
      }
      connection = created;
    } finally {
      stateLock.unlock();
    }
    for (String line : replayed) {
      write(out, line);
    }
    return created;
  }

  /** {@code line} with its id replaced by {@code id}, which the relay then drops the answer of. */
  private String withId(String line, String id) throws IOException {
    var node = JSON.readTree(line);
    if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
      object.put("id", id);
      ownIds.add(id);
      return JSON.writeValueAsString(object);
    }
    return line;
  }

  /** Exits when the process that spawned this one is gone: no front-end outlives its client. */
  private static void watchParent() {
    Optional<ProcessHandle> parent = ProcessHandle.current().parent();
    if (parent.isEmpty()) {
      return;
    }
    CompletableFuture<ProcessHandle> gone = parent.get().onExit();
    gone.thenRun(
            () -> {
              log.info("The MCP client that started this front-end is gone; exiting");
              System.exit(0);
            })
        .exceptionally(
            e -> {
              log.debug("Cannot watch the client's process: {}", e.toString());
              return null;
            });
  }

  /**
   * The method, id (as JSON: a number or a quoted string) and params.uri of a JSON-RPC line, read
   * with a streaming parser: nothing of the rest is kept. Empty for a line that is not JSON.
   */
  static Peek peek(String line) {
    String method = null;
    String id = null;
    String uri = null;
    try (JsonParser parser = PARSER.createParser(line)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return new Peek(null, null, null);
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (field) {
          case "method" -> method = value == JsonToken.VALUE_STRING ? parser.getText() : null;
          case "id" ->
              id =
                  switch (value) {
                    case VALUE_STRING -> JSON.writeValueAsString(parser.getText());
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getText();
                    default -> null;
                  };
          case "params" -> {
            if (value == JsonToken.START_OBJECT) {
              while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken inner = parser.nextToken();
                if (name.equals("uri") && inner == JsonToken.VALUE_STRING) {
                  uri = parser.getText();
                } else {
                  parser.skipChildren();
                }
              }
            } else {
              parser.skipChildren();
            }
          }
          default -> parser.skipChildren();
        }
      }
    } catch (IOException e) {
      // not JSON, or cut: the daemon answers it with a parse error
    }
    return new Peek(method, id, uri);
  }

  private static String unquoted(String idJson) {
    return idJson.length() >= 2 && idJson.startsWith("\"") && idJson.endsWith("\"")
        ? idJson.substring(1, idJson.length() - 1)
        : idJson;
  }

  private void answerError(String idJson, int code, String message) {
    try {
      writeClient(
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + idJson
              + ",\"error\":{\"code\":"
              + code
              + ",\"message\":"
              + JSON.writeValueAsString(message)
              + "}}");
    } catch (IOException e) {
      log.debug("Could not answer the client: {}", e.toString());
    }
  }

  private void writeClient(String line) throws IOException {
    clientOutLock.lock();
    try {
      clientOut.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      clientOut.flush();
    } finally {
      clientOutLock.unlock();
    }
  }

  /** Writes one line to a socket channel (the greeting, before the relay starts). */
  static void write(SocketChannel channel, String line) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  private static void write(OutputStream out, String line) {
    try {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      log.debug("Writing to the daemon failed: {}", e.toString()); // the reader notices the end
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Connects to a Unix socket; null when nothing listens there. */
  static @Nullable SocketChannel tryConnect(java.nio.file.Path socket) {
    try {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
      } catch (IOException e) {
        channel.close();
        return null;
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** Reads one line from {@code channel} without buffering past it, at most 64 KiB. */
  static @Nullable String readLine(SocketChannel channel) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (true) {
      one.clear();
      if (channel.read(one) < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      }
      byte b = one.get(0);
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      if (line.size() > 64 * 1024) {
        throw new IOException("the daemon's greeting is longer than 64 KiB");
      }
      line.write(b);
    }
  }
}
