package dev.schedulerd.mcp.transport;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
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
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One MCP session over newline-delimited JSON-RPC on a pair of byte streams (stdin/stdout, or one
 * connection of a Unix socket), written to survive what kills the SDK's stock stdio transport (see
 * MCP-NOTES):
 *
 * <ul>
 *   <li>Outbound messages are queued in order and written by the session's own thread ({@link
 *       Outbox}), so they never interleave, and a client that stops reading stalls nobody else:
 *       past a bound it is dropped.
 *   <li>A line that is not JSON-RPC gets a -32700 parse error (id null) and reading goes on; a line
 *       longer than the limit is skipped to its end and answered with -32600.
 *   <li>End of input ends the session after the requests received are answered (at most {@link
 *       #DRAIN_LIMIT}), then runs the {@code onEnd} callback.
 * </ul>
 *
 * Thread-safe. The providers ({@link LineStdioTransportProvider}, {@link
 * UnixSocketTransportProvider}) create one per connection.
 */
final class LineSession {
  private static final Logger log = LoggerFactory.getLogger(LineSession.class);

  /** Bound on waiting, at end of input, for answers to requests already received. */
  static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);

  private static final Pattern LEADING_ID =
      Pattern.compile(
          "^\\s*\\{\\s*(?:\"jsonrpc\"\\s*:\\s*\"[^\"]{0,16}\"\\s*,\\s*)?\"id\"\\s*:\\s*"
              + "(\"(?:[^\"\\\\]|\\\\.){0,256}\"|-?\\d{1,18})(?=\\s*[,}])");

  private final McpJsonMapper json;
  private final InputStream in;
  private final OutputStream out;
  private final String name;
  private final Runnable abort;
  private volatile @Nullable Outbox outbox; // made in start(), once the session exists
  private final int maxLineBytes;
  private final Supplier<RequestGuard> guard;
  private final LocalRequests local;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean initializeSeen = new AtomicBoolean();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile Runnable onEnd = () -> {};

  /** Inbound messages whose handling (for a request: its answer) has not finished. */
  private final ReentrantLock handlingLock = new ReentrantLock();

  private final Condition handlingDone = handlingLock.newCondition();
  private int handling; // guarded by handlingLock
  private @Nullable McpServerSession session; // set once, before reading starts

  /**
   * @param guard read at each request, so that a provider's guard set later still applies
   * @param local requests the transport answers itself, before the protocol's checks, and only
   *     before {@code initialize} (a front-end asks them first; a client's own lines come after)
   * @param name the session's name, its threads' names
   * @param abort cuts the client off (closes its connection) when it stopped reading; the session
   *     then ends
   */
  LineSession(
      McpJsonMapper json,
      InputStream in,
      OutputStream out,
      int maxLineBytes,
      Supplier<RequestGuard> guard,
      LocalRequests local,
      String name,
      Runnable abort) {
    this.json = json;
    // The reader takes one byte at a time: buffer, or every byte is a read(2).
    this.in = new BufferedInputStream(in);
    this.out = out;
    this.name = name;
    this.abort = abort;
    this.maxLineBytes = maxLineBytes;
    this.guard = guard;
    this.local = local;
  }

  /** Requests the transport answers itself, never passed to the MCP session. */
  @FunctionalInterface
  interface LocalRequests {
    LocalRequests NONE = (method, params) -> null;

    /**
     * The result of the request (a {@link ThenRun} to act once it is written), or null when it is
     * not one of these.
     */
    @Nullable Object answer(String method, @Nullable Object params);
  }

  /** A local answer, and what to do once it reached the client (or could not, within a bound). */
  record ThenRun(Object result, Runnable then) {}

  /** Bound on waiting for a {@link ThenRun}'s answer to be written. */
  private static final Duration ANSWER_WRITE_LIMIT = Duration.ofSeconds(5);

  /** Creates the MCP session and reads its input on a thread of the session's name. */
  McpServerSession start(McpServerSession.Factory factory, Runnable onEnd) {
    this.onEnd = onEnd;
    McpServerSession created = factory.create(new SessionTransport());
    session = created;
    // Made once the session exists: a factory that throws leaves no writer thread behind.
    outbox = new Outbox(out, name + "-out", Outbox.MAX_PENDING_BYTES, this::overflowed);
    Thread reader = Thread.ofPlatform().name(name).daemon().unstarted(() -> readLoop(created));
    reader.start();
    return created;
  }

  /** The client stopped reading: cut it off, and end the session. */
  private void overflowed() {
    closed.set(true);
    try {
      abort.run();
    } finally {
      finish();
    }
  }

  /** Ends the session once: whoever comes first of the reader's end and an overflow. */
  private void finish() {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    closed.set(true);
    Outbox current = outbox;
    if (current != null) {
      current.close();
    }
    ended.countDown();
    try {
      onEnd.run();
    } catch (RuntimeException e) {
      log.error("Session-end handling failed", e);
    }
  }

  /** The SDK's session, once started. */
  @Nullable McpServerSession session() {
    return session;
  }

  /** Blocks until the input ended and the session's requests were answered. */
  void awaitEnd() throws InterruptedException {
    ended.await();
  }

  /** Whether the input ended (or the session was closed). */
  boolean isClosed() {
    return closed.get();
  }

  /** Stops writing; the provider closes the streams to end the reader. */
  void close() {
    closed.set(true);
    Outbox current = outbox;
    if (current != null) {
      current.close();
    }
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
      log.debug("The MCP client closed its input; ending the session");
      awaitHandled();
      Outbox current = outbox;
      if (current != null && !current.awaitWritten(DRAIN_LIMIT)) {
        log.warn("The session's last answers could not be written within {}", DRAIN_LIMIT);
      }
    } catch (IOException e) {
      if (!closed.get()) {
        log.warn("Reading from the MCP client failed; ending the session: {}", e.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      finish();
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
          null,
          McpSchema.ErrorCodes.PARSE_ERROR,
          "parse error: the line is not a JSON-RPC 2.0 message ("
              + firstLine(e.getMessage())
              + ")");
      return;
    }
    if (message instanceof McpSchema.JSONRPCRequest request) {
      Object answer =
          initializeSeen.get() ? null : local.answer(request.method(), request.params());
      if (answer instanceof ThenRun then) {
        writeResult(request.id(), then.result());
        Outbox current = outbox;
        try {
          if (current != null) {
            current.awaitWritten(ANSWER_WRITE_LIMIT);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        then.then().run();
        return;
      }
      if (answer != null) {
        writeResult(request.id(), answer);
        return;
      }
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
        refused = guard.get().refuse(request.method(), request.params());
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

  /**
   * The id at the start of a line too long to read, when it comes first (or after "jsonrpc"), as
   * clients write it: the error then answers that request, not an unknown one.
   */
  private @Nullable Object idAtStart(ByteArrayOutputStream line) {
    byte[] bytes = line.toByteArray();
    String start = new String(bytes, 0, Math.min(bytes.length, 1024), StandardCharsets.UTF_8);
    Matcher id = LEADING_ID.matcher(start);
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

  private void writeResult(Object id, Object result) {
    try {
      write(
          json.writeValueAsString(
              new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, id, result, null)));
    } catch (IOException e) {
      writeError(id, McpSchema.ErrorCodes.INTERNAL_ERROR, "could not write the answer");
    }
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
    Outbox current = outbox;
    if (current != null) { // set before any line is read or any message sent
      current.offer((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String firstLine(@Nullable String text) {
    if (text == null) {
      return "unreadable";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  /**
   * The session's view of the transport: sends are queued in order, never blocked by the client.
   */
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
