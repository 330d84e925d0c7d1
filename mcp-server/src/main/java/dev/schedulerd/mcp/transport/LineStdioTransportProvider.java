package dev.schedulerd.mcp.transport;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpServerSession;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * MCP over newline-delimited JSON-RPC on stdin/stdout: one {@link LineSession}, robust to bad input
 * and concurrent sends. End of input ends the session and runs the {@code onSessionEnd} callback,
 * so the daemon can shut down deliberately instead of hanging on its own threads. Thread-safe.
 */
public final class LineStdioTransportProvider implements GuardedTransportProvider {
  private static final Logger log = LoggerFactory.getLogger(LineStdioTransportProvider.class);

  /** Default bound on one inbound line: far above any sane request, far below the heap. */
  public static final int DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

  private final LineSession line;
  private final Runnable onSessionEnd;
  private volatile RequestGuard guard = (method, params) -> null;

  public LineStdioTransportProvider(
      McpJsonMapper json,
      InputStream in,
      OutputStream out,
      int maxLineBytes,
      Runnable onSessionEnd) {
    // A client that stops reading stdout cannot be cut off (its stdin is not ours to close): past
    // the bound the session ends as if its input had, and this process stops serving it.
    this.line =
        new LineSession(
            json,
            in,
            out,
            maxLineBytes,
            () -> guard,
            LineSession.LocalRequests.NONE,
            "schedulerd-stdin",
            () -> log.error("The MCP client stopped reading its output; ending the session"));
    this.onSessionEnd = onSessionEnd;
  }

  @Override
  public void guardRequests(RequestGuard requestGuard) {
    this.guard = requestGuard;
  }

  @Override
  public void setSessionFactory(McpServerSession.Factory sessionFactory) {
    line.start(
        sessionFactory,
        () -> {
          log.info("The MCP client closed its input; the session ended");
          onSessionEnd.run();
        });
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    McpServerSession current = line.session();
    return current == null ? Mono.empty() : current.sendNotification(method, params);
  }

  /** stdio has one session: a notification for it (e.g. a resource update) goes to our client. */
  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    @Nullable McpServerSession current = line.session();
    return current != null && current.getId().equals(sessionId)
        ? current.sendNotification(method, params)
        : Mono.empty();
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.fromRunnable(line::close);
  }

  /** Blocks until the client closed its end of the input. */
  public void awaitSessionEnd() throws InterruptedException {
    line.awaitEnd();
  }
}
