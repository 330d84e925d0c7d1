package dev.schedulerd.mcp.transport;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpServerSession;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * MCP sessions over a Unix domain socket: each connection is one {@link LineSession}, with the same
 * robustness as stdio (parse errors answered, over-long lines dropped, serialized writes), all on
 * one server and so on one scheduler. Notifications go to every session, or to the one a
 * subscription belongs to.
 *
 * <p>Only this user may connect: the socket's folder is the caller's to make private (0700), and
 * each connection's peer credentials are checked as well. At most {@value #MAX_SESSIONS} sessions
 * at once. A connection may first ask the {@link DaemonRequests} (answered here, outside MCP): the
 * daemon's build and pid, so that a front-end of another build never talks to it unawares, and a
 * hand-over to a newer build.
 */
public final class UnixSocketTransportProvider implements GuardedTransportProvider {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketTransportProvider.class);

  /** The most sessions served at once; a connection beyond it is answered with an error. */
  public static final int MAX_SESSIONS = 64;

  private final McpJsonMapper json;
  private final Path path;
  private final ServerSocketChannel server;
  private final DaemonRequests requests;
  private final @Nullable Object
      socketKey; // the socket file's identity, where the platform has one
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger connections = new AtomicInteger();
  private final Map<String, Connection> sessions = new ConcurrentHashMap<>();
  private volatile RequestGuard guard = (method, params) -> null;

  private record Connection(SocketChannel channel, LineSession line, McpServerSession session) {}

  private UnixSocketTransportProvider(
      McpJsonMapper json, Path path, ServerSocketChannel server, DaemonRequests requests) {
    this.json = json;
    this.path = path;
    this.server = server;
    this.requests = requests;
    this.socketKey = fileKey(path); // just bound: the file is ours
  }

  /**
   * Listens on {@code path}, which must not exist (the caller removes a stale socket once it knows
   * no daemon answers on it).
   *
   * @param requests what the daemon answers outside MCP
   */
  public static UnixSocketTransportProvider bind(
      McpJsonMapper json, Path path, DaemonRequests requests) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(path));
    } catch (IOException e) {
      server.close();
      throw e;
    }
    return new UnixSocketTransportProvider(json, path, server, requests);
  }

  /**
   * Whether the file at {@link #path()} is still the socket this provider bound: false once it was
   * removed or replaced (then no client can reach it).
   */
  public boolean socketFileIsOurs() {
    try {
      Object now =
          Files.readAttributes(
                  path,
                  java.nio.file.attribute.BasicFileAttributes.class,
                  java.nio.file.LinkOption.NOFOLLOW_LINKS)
              .fileKey();
      return socketKey == null || now == null || socketKey.equals(now);
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return true; // could not tell (a passing error): not taken for gone
    }
  }

  private static @Nullable Object fileKey(Path file) {
    try {
      return Files.readAttributes(
              file,
              java.nio.file.attribute.BasicFileAttributes.class,
              java.nio.file.LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** The socket's path. */
  public Path path() {
    return path;
  }

  /** Sessions connected now. */
  public int sessionCount() {
    return sessions.size();
  }

  @Override
  public void guardRequests(RequestGuard requestGuard) {
    this.guard = requestGuard;
  }

  @Override
  public void setSessionFactory(McpServerSession.Factory sessionFactory) {
    Thread.ofPlatform().name("schedulerd-socket").daemon().start(() -> acceptLoop(sessionFactory));
  }

  private void acceptLoop(McpServerSession.Factory factory) {
    while (!closed.get()) {
      SocketChannel channel;
      try {
        channel = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed.get()) {
          log.warn("Accepting a connection on {} failed: {}", path, e.toString());
        }
        continue;
      }
      try {
        serve(channel, factory);
      } catch (IOException | RuntimeException e) {
        log.warn("Could not serve a connection on {}: {}", path, e.toString());
        closeQuietly(channel);
      }
    }
  }

  private void serve(SocketChannel channel, McpServerSession.Factory factory) throws IOException {
    String refusal = refusal(channel);
    if (refusal != null) {
      log.warn("Refused a connection on {}: {}", path, refusal);
      String error =
          "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":"
              + json.writeValueAsString(refusal)
              + "}}\n";
      channel.write(ByteBuffer.wrap(error.getBytes(StandardCharsets.UTF_8)));
      channel.close();
      return;
    }
    int number = connections.incrementAndGet();
    LineSession line =
        new LineSession(
            json,
            ChannelStreams.in(channel),
            ChannelStreams.out(channel),
            LineStdioTransportProvider.DEFAULT_MAX_LINE_BYTES,
            () -> guard,
            this::answerLocally,
            "schedulerd-session-" + number,
            () -> closeQuietly(channel)); // ends its reader, and so its session
    McpServerSession[] started = new McpServerSession[1];
    McpServerSession session =
        line.start(
            factory,
            () -> {
              McpServerSession ended = started[0];
              if (ended != null) {
                sessions.remove(ended.getId());
                ended.closeGracefully().subscribe(ignored -> {}, error -> {});
              }
              closeQuietly(channel);
              log.info("MCP session {} ended; {} connected", number, sessions.size());
            });
    started[0] = session;
    sessions.put(session.getId(), new Connection(channel, line, session));
    log.info("MCP session {} connected; {} connected", number, sessions.size());
  }

  private @Nullable Object answerLocally(String method, @Nullable Object params) {
    return switch (method) {
      case DaemonRequests.HELLO_METHOD -> requests.hello();
      case DaemonRequests.HAND_OVER_METHOD -> {
        DaemonRequests.HandOver handOver =
            requests.handOver(
                params instanceof Map<?, ?> given && given.get("build") instanceof String build
                    ? build
                    : "");
        Runnable stop = handOver.thenStop();
        yield stop == null ? handOver.answer() : new LineSession.ThenRun(handOver.answer(), stop);
      }
      default -> null;
    };
  }

  /** Why this connection is not served, or null: another user, or too many sessions. */
  @dev.schedulerd.mcp.SuppressForbidden(
      reason =
          "SO_PEERCRED is the supported jdk.net way to learn a Unix socket peer's user (Linux,"
              + " macOS); elsewhere it throws and the private folder is the gate")
  private @Nullable String refusal(SocketChannel channel) {
    try {
      var peer = channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
      String user = peer.user().getName();
      String me = System.getProperty("user.name");
      if (!user.equals(me) && !user.equals("root")) {
        return "this socket serves user " + me + " only, not " + user;
      }
    } catch (IOException | UnsupportedOperationException e) {
      // No peer credentials on this platform: the private folder is the only gate.
    }
    if (sessions.size() >= MAX_SESSIONS) {
      return "this daemon serves at most "
          + MAX_SESSIONS
          + " sessions at once; close a client and try again";
    }
    return null;
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    return Flux.fromIterable(List.copyOf(sessions.values()))
        .flatMap(
            c ->
                c.session()
                    .sendNotification(method, params)
                    .onErrorResume(
                        e -> {
                          log.debug("Could not notify a session: {}", e.toString());
                          return Mono.empty();
                        }))
        .then();
  }

  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    Connection connection = sessions.get(sessionId);
    return connection == null
        ? Mono.empty()
        : connection.session().sendNotification(method, params);
  }

  /** Stops accepting, ends every session and removes the socket file. */
  @Override
  public Mono<Void> closeGracefully() {
    return Mono.fromRunnable(this::close);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeQuietly(server);
    for (Connection connection : List.copyOf(sessions.values())) {
      connection.line().close();
      closeQuietly(connection.channel());
    }
    if (!socketFileIsOurs()) {
      return; // removed, or another daemon's by now: not ours to delete
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.debug("Could not remove the socket {}: {}", path, e.toString());
    }
  }

  private static void closeQuietly(java.nio.channels.Channel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
