package dev.schedulerd.mcp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.mcp.transport.ChannelStreams;
import dev.schedulerd.mcp.transport.UnixSocketTransportProvider;
import java.io.BufferedReader;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * (never left hanging), the daemon is started again, the session's {@code initialize} and
 * subscriptions are replayed to it, and the client's next call works. The front-end ends when its
 * input ends (after the daemon answered what was asked) or when the client that spawned it is gone.
 */
final class FrontEnd {
  private static final Logger log = LoggerFactory.getLogger(FrontEnd.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The id of the front-end's own requests (hello, replayed initialize): never a client's. */
  private static final String OWN_ID = "schedulerd-front-end";

  /** Bound on waiting, at the end of input, for the daemon's last answers. */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);

  private final DaemonStarter starter;
  private final InputStream clientIn;
  private final OutputStream clientOut;
  private final ReentrantLock clientOutLock = new ReentrantLock();
  private final ReentrantLock stateLock = new ReentrantLock();

  // guarded by stateLock: what a new connection needs replayed, and the requests in flight
  private @Nullable String initializeLine;
  private final List<String> subscribeLines = new ArrayList<>();
  private final Map<String, String> inFlight = new LinkedHashMap<>(); // id (JSON) -> method
  private @Nullable Connection connection;
  private boolean inputEnded;

  private record Connection(SocketChannel channel, OutputStream out) {}

  FrontEnd(DaemonStarter starter, InputStream clientIn, OutputStream clientOut) {
    this.starter = starter;
    this.clientIn = clientIn;
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
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(clientIn, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        forward(line);
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

  /**
   * Sends one client line to the daemon, remembering what a reconnection must replay. The write
   * happens outside the lock: the relay thread must always be able to take it, or a daemon that
   * waits for us to read could wait for ever.
   */
  private void forward(String line) {
    if (line.isBlank()) {
      return;
    }
    JsonNode message = parse(line);
    String method =
        message != null && message.has("method") ? message.path("method").asText() : null;
    JsonNode id = message == null ? null : message.get("id");
    String requestId = method != null && id != null ? id.toString() : null;
    Connection current;
    stateLock.lock();
    try {
      if ("initialize".equals(method)) {
        initializeLine = line;
      } else if ("resources/subscribe".equals(method)) {
        subscribeLines.add(line);
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
      answerError(requestId, "the schedulerd daemon is restarting; retry");
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
        JsonNode message = parse(line);
        if (message != null && message.has("id") && !message.has("method")) {
          String id = message.get("id").toString();
          if (id.contains(OWN_ID)) {
            continue; // the answer to a replayed initialize
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
    log.warn(
        "The schedulerd daemon went away mid-session; {} request(s) in flight get an error;"
            + " starting it again",
        unanswered.size());
    for (String id : unanswered) {
      answerError(id, "the schedulerd daemon stopped while answering; retry the request");
    }
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return connect(true);
      } catch (IOException | IllegalStateException e) {
        log.warn("Could not start the daemon again (attempt {}): {}", attempt, e.getMessage());
      }
    }
    log.error("schedulerd: the daemon could not be started again; ending the session");
    System.exit(1);
    return null;
  }

  /**
   * Reaches the daemon (starting it when none answers), greets it, and when {@code replay} sends it
   * the session's initialize and subscriptions again.
   */
  private Connection connect(boolean replay) throws IOException {
    SocketChannel channel = starter.connectOrStart();
    OutputStream out = ChannelStreams.out(channel);
    String versionWarning = starter.greet(channel);
    if (versionWarning != null) {
      log.warn("{}", versionWarning);
    }
    Connection created = new Connection(channel, out);
    stateLock.lock();
    try {
      if (replay && initializeLine != null) {
        JsonNode init = parse(initializeLine);
        if (init != null && init.isObject()) {
          ((com.fasterxml.jackson.databind.node.ObjectNode) init).put("id", OWN_ID);
          write(out, JSON.writeValueAsString(init));
          write(out, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        }
        for (String subscribe : subscribeLines) {
          JsonNode request = parse(subscribe);
          if (request != null && request.isObject()) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) request)
                .put("id", OWN_ID + "-" + request.path("params").path("uri").asText());
            write(out, JSON.writeValueAsString(request));
          }
        }
      }
      connection = created;
    } finally {
      stateLock.unlock();
    }
    return created;
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

  private void answerError(String idJson, String message) {
    try {
      writeClient(
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + idJson
              + ",\"error\":{\"code\":-32603,\"message\":"
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

  private static @Nullable JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null; // the daemon answers it with a parse error
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** The hello request a front-end sends first. */
  static String helloLine(String version) {
    return "{\"jsonrpc\":\"2.0\",\"id\":\""
        + OWN_ID
        + "-hello\",\"method\":\""
        + UnixSocketTransportProvider.HELLO_METHOD
        + "\",\"params\":{\"version\":\""
        + version
        + "\"}}";
  }

  /** Connects to a Unix socket; false when nothing listens there. */
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

  /** Reads one line from {@code channel} without buffering past it. */
  static @Nullable String readLine(SocketChannel channel) throws IOException {
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
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
