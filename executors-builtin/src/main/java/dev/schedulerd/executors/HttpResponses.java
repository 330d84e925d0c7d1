package dev.schedulerd.executors;

import dev.schedulerd.api.executor.ExecutionContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** What the http executor keeps of a response, and how it words a failed exchange. */
final class HttpResponses {
  private HttpResponses() {}

  /**
   * The first {@link #HttpExecutor.KEPT_BYTES} of a body and the count of the rest; fed by one
   * thread at a time.
   */
  static final class KeptBody implements Consumer<Optional<byte[]>> {
    // A margin beyond what is shown: masking runs before the cut, so no value is cut in two.
    private static final int MARGIN = 16 * 1024;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long total;

    @Override
    public void accept(Optional<byte[]> chunk) {
      chunk.ifPresent(
          bytes -> {
            int room = HttpExecutor.KEPT_BYTES + MARGIN - kept.size();
            kept.write(bytes, 0, Math.max(0, Math.min(room, bytes.length)));
            total += bytes.length;
          });
    }

    String describe(ExecutionContext context) {
      // Masked before the cut (a value whole in the margin), and after it (a part at the edge).
      String body =
          context.mask(
              Utf8Cuts.head(
                  context.mask(kept.toString(StandardCharsets.UTF_8)), HttpExecutor.KEPT_BYTES));
      long dropped = Math.max(0, total - HttpExecutor.KEPT_BYTES);
      if (body.isEmpty()) {
        return "";
      }
      return "\n--- body"
          + (dropped > 0
              ? " (first "
                  + HttpExecutor.KEPT_BYTES
                  + " bytes; "
                  + dropped
                  + " later bytes dropped)"
              : "")
          + " ---\n"
          + body;
    }
  }

  /** A network error in words: the JDK's connection errors often carry no message at all. */
  static String describe(IOException e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String known = known(t);
      if (known != null) {
        return known;
      }
      root = t;
    }
    String detail = root.getMessage() == null ? "" : ": " + root.getMessage();
    return root.getClass().getSimpleName() + detail;
  }

  private static @Nullable String known(Throwable t) {
    String detail = t.getMessage() == null ? "" : " (" + t.getMessage() + ")";
    if (t instanceof java.net.http.HttpConnectTimeoutException) {
      return "the connection timed out";
    }
    if (t instanceof java.net.ConnectException) {
      return "connection refused" + detail;
    }
    if (t instanceof java.net.UnknownHostException) {
      return "unknown host" + detail;
    }
    if (t instanceof java.net.NoRouteToHostException) {
      return "no route to host";
    }
    if (t instanceof javax.net.ssl.SSLException) {
      return "TLS failed" + detail;
    }
    return null;
  }
}
