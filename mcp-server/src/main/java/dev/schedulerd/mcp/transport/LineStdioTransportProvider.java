package dev.schedulerd.mcp.transport;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * MCP over newline-delimited JSON-RPC on a pair of streams (stdin/stdout), written to survive what
 * kills the SDK's stock stdio transport (see MCP-NOTES):
 *
 * <ul>
 *   <li>Outbound messages are written one at a time under a lock, so concurrent responses and
 *       notifications can never interleave or fail to enqueue.
 *   <li>A line that is not JSON-RPC gets a -32700 parse error (id null) and reading goes on; a line
 *       longer than the limit is skipped to its end and answered with -32600.
 *   <li>End of input ends the session and runs the {@code onSessionEnd} callback, so the daemon can
 *       shut down deliberately instead of hanging on its own threads.
 * </ul>
 *
 * <p>One session per provider. Thread-safe.
 */
public final class LineStdioTransportProvider implements McpServerTransportProvider {
  private static final Logger log = LoggerFactory.getLogger(LineStdioTransportProvider.class);

  /** Default bound on one inbound line: far above any sane request, far below the heap. */
  public static final int DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

  private final McpJsonMapper json;
  private final InputStream in;
  private final OutputStream out;
  private final int maxLineBytes;
  private final Runnable onSessionEnd;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch ended = new CountDownLatch(1);

  /** Bound on waiting, at end of input, for answers to requests already received. */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);

  /** Inbound messages whose handling (for a request: its answer) has not finished. */
  private final ReentrantLock handlingLock = new ReentrantLock();

  private final Condition handlingDone = handlingLock.newCondition();
  private int handling; // guarded by handlingLock
  private volatile @Nullable McpServerSession session;

  public LineStdioTransportProvider(
      McpJsonMapper json,
      InputStream in,
      OutputStream out,
      int maxLineBytes,
      Runnable onSessionEnd) {
    this.json = json;
    // The reader takes one byte at a time: buffer, or every byte is a read(2) on stdin.
    this.in = new BufferedInputStream(in);
    this.out = out;
    this.maxLineBytes = maxLineBytes;
    this.onSessionEnd = onSessionEnd;
  }

  /** Refuses a request the SDK would accept though the server cannot serve it. */
  @FunctionalInterface
  public interface RequestGuard {
    /** Why the request is refused (answered -32602), or null to let it through. */
    @Nullable String refuse(String method, @Nullable Object params);
  }

  private volatile RequestGuard guard = (method, params) -> null;

  /** Sets the guard every request passes after the protocol's own checks. */
  public void guardRequests(RequestGuard requestGuard) {
    this.guard = requestGuard;
  }

  /**
   * The id at the start of a line too long to read, when it comes first (or after "jsonrpc"), as
   * clients write it: the error then answers that request, not an unknown one.
   */
  private @Nullable Object idAtStart(ByteArrayOutputStream line) {
    byte[] bytes = line.toByteArray();
    String start = new String(bytes, 0, Math.min(bytes.length, 1024), StandardCharsets.UTF_8);
    java.util.regex.Matcher id = LEADING_ID.matcher(start);
    if (!id.find()) {
      return null;
    }
    String token = id.group(1);
    try {
      return token.startsWith("\"") ? json.readValue(token, String.class) : Long.valueOf(token);
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  private static final java.util.regex.Pattern LEADING_ID =
      java.util.regex.Pattern.compile(
          "^\\s*\\{\\s*(?:\"jsonrpc\"\\s*:\\s*\"[^\"]{0,16}\"\\s*,\\s*)?\"id\"\\s*:\\s*"
              + "(\"(?:[^\"\\\\]|\\\\.){0,256}\"|-?\\d{1,18})(?=\\s*[,}])");

  @Override
  public void setSessionFactory(McpServerSession.Factory sessionFactory) {
    McpServerSession created = sessionFactory.create(new SessionTransport());
    session = created;
    Thread reader = new Thread(() -> readLoop(created), "schedulerd-stdin");
    reader.setDaemon(true);
    reader.start();
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    McpServerSession current = session;
    return current == null ? Mono.empty() : current.sendNotification(method, params);
  }

  /** stdio has one session: a notification for it (e.g. a resource update) goes to our client. */
  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    McpServerSession current = session;
    return current != null && current.getId().equals(sessionId)
        ? current.sendNotification(method, params)
        : Mono.empty();
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.fromRunnable(() -> closed.set(true));
  }

  /** Blocks until the client closed its end of the input. */
  public void awaitSessionEnd() throws InterruptedException {
    ended.await();
  }

  private void readLoop(McpServerSession session) {
    try {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      boolean overlong = false;
      int b;
      while ((b = in.read()) != -1) {
        if (b != '\n') {
          if (line.size() < maxLineBytes) {
            line.write(b);
          } else {
            overlong = true;
          }
          continue;
        }
        if (overlong) {
          log.warn("Dropped an inbound line longer than {} bytes", maxLineBytes);
          writeError(
              idAtStart(line),
              McpSchema.ErrorCodes.INVALID_REQUEST,
              "request line longer than " + maxLineBytes + " bytes was dropped");
        } else {
          handleLine(session, line.toString(StandardCharsets.UTF_8));
        }
        line.reset();
        overlong = false;
      }
      if (line.size() > 0 && !overlong) {
        handleLine(session, line.toString(StandardCharsets.UTF_8));
      }
      log.info("The MCP client closed its input; ending the session");
      awaitHandled();
    } catch (IOException e) {
      if (!closed.get()) {
        log.warn("Reading from the MCP client failed; ending the session", e);
      }
    } finally {
      closed.set(true);
      ended.countDown();
      try {
        onSessionEnd.run();
      } catch (RuntimeException e) {
        log.error("Session-end handling failed", e);
      }
    }
  }

  private void handleLine(McpServerSession session, String line) {
    String trimmed = line.strip();
    if (trimmed.isEmpty()) {
      return;
    }
    McpSchema.JSONRPCMessage message;
    try {
      message = McpSchema.deserializeJsonRpcMessage(json, trimmed);
    } catch (IOException | RuntimeException e) {
      log.warn("Answering a malformed inbound line with a parse error: {}", e.getMessage());
      writeError(
          McpSchema.ErrorCodes.PARSE_ERROR,
          "parse error: the line is not a JSON-RPC 2.0 message ("
              + firstLine(e.getMessage())
              + ")");
      return;
    }
    if (message instanceof McpSchema.JSONRPCRequest request) {
      String refusal = refusal(request);
      if (refusal != null) {
        writeError(
            request.id(),
            refusal.startsWith("initialize")
                ? McpSchema.ErrorCodes.INVALID_PARAMS
                : McpSchema.ErrorCodes.INVALID_REQUEST,
            refusal);
        return;
      }
      String refused;
      try {
        refused = guard.refuse(request.method(), request.params());
      } catch (RuntimeException e) { // e.g. the store is down: the SDK answers the request
        log.warn("Could not check request {}: {}", request.method(), e.toString());
        refused = null;
      }
      if (refused != null) {
        writeError(request.id(), McpSchema.ErrorCodes.INVALID_PARAMS, refused);
        return;
      }
    }
    handlingLock.lock();
    try {
      handling++;
    } finally {
      handlingLock.unlock();
    }
    session
        .handle(message)
        .doFinally(signal -> handled())
        .subscribe(
            ignored -> {},
            error -> log.warn("Handling an inbound message failed: {}", error.toString()));
  }

  /**
   * Why a request is answered here with an error instead of reaching the SDK, which would drop it
   * without a word or take it as it is: a wrong {@code jsonrpc}, a request before {@code
   * initialize}, an {@code initialize} without {@code protocolVersion}. Null when it may go on.
   */
  private @Nullable String refusal(McpSchema.JSONRPCRequest request) {
    if (!McpSchema.JSONRPC_VERSION.equals(request.jsonrpc())) {
      return "invalid request: \"jsonrpc\" must be \"2.0\", got " + request.jsonrpc();
    }
    String method = request.method();
    if (McpSchema.METHOD_INITIALIZE.equals(method)) {
      if (!(request.params() instanceof Map<?, ?> params)
          || !(params.get("protocolVersion") instanceof String version)
          || version.isBlank()) {
        return "initialize needs params.protocolVersion, the MCP version the client speaks, e.g."
            + " \"2025-06-18\"";
      }
      initializeSeen.set(true);
      return null;
    }
    if (!initializeSeen.get() && !McpSchema.METHOD_PING.equals(method)) {
      return "invalid request: '"
          + method
          + "' before initialize; the session starts with an initialize request";
    }
    return null;
  }

  private void handled() {
    handlingLock.lock();
    try {
      handling--;
      handlingDone.signalAll();
    } finally {
      handlingLock.unlock();
    }
  }

  /**
   * A client may send requests and close its input at once ({@code echo ... | schedulerd}): the
   * requests received are still answered before the session ends.
   */
  private final java.util.concurrent.atomic.AtomicBoolean initializeSeen =
      new java.util.concurrent.atomic.AtomicBoolean();

  private void awaitHandled() {
    long nanos = DRAIN_LIMIT.toNanos();
    handlingLock.lock();
    try {
      while (handling > 0 && nanos > 0) {
        nanos = handlingDone.awaitNanos(nanos);
      }
      if (handling > 0) {
        log.warn(
            "Ending the session with {} request(s) still unanswered after {}",
            handling,
            DRAIN_LIMIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      handlingLock.unlock();
    }
  }

  private void writeError(int code, String message) {
    writeError(null, code, message);
  }

  /** An error answer to the request with {@code id} (null when it could not be read). */
  private void writeError(@Nullable Object id, int code, String message) {
    String escaped;
    String idJson;
    try {
      escaped = json.writeValueAsString(message);
      idJson = json.writeValueAsString(id);
    } catch (IOException e) {
      escaped = "\"error\"";
      idJson = "null";
    }
    write(
        "{\"jsonrpc\":\"2.0\",\"id\":"
            + idJson
            + ",\"error\":{\"code\":"
            + code
            + ",\"message\":"
            + escaped
            + "}}");
  }

  private void write(String jsonLine) {
    byte[] bytes = (jsonLine + "\n").getBytes(StandardCharsets.UTF_8);
    writeLock.lock();
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      if (!closed.get()) {
        log.warn("Writing to the MCP client failed: {}", e.toString());
      }
    } finally {
      writeLock.unlock();
    }
  }

  private static String firstLine(@Nullable String text) {
    if (text == null) {
      return "unreadable";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  /** The session's view of the transport: sends are synchronous and serialized. */
  private final class SessionTransport implements McpServerTransport {
    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
      return Mono.fromRunnable(
          () -> {
            try {
              write(json.writeValueAsString(message));
            } catch (IOException e) {
              throw new IllegalStateException("could not serialize an outbound message", e);
            }
          });
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
      return json.convertValue(data, typeRef);
    }

    @Override
    public Mono<Void> closeGracefully() {
      return Mono.fromRunnable(() -> closed.set(true));
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }
}
