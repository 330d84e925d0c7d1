package dev.schedulerd.mcp.transport;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a front-end may ask the daemon outside MCP, on a new connection before its session starts:
 * answered by the transport, never passed to the MCP server.
 */
public interface DaemonRequests {
  /** The request a front-end sends first: the daemon's name, build and pid. */
  String HELLO_METHOD = "schedulerd/hello";

  /**
   * Asked by a front-end of a newer build: stop (as on SIGTERM) so that it can start its own; its
   * parameter {@code build} names the asking build.
   */
  String HAND_OVER_METHOD = "schedulerd/hand-over";

  /** The answer to {@value #HELLO_METHOD}: name, version (the build), pid, started_at. */
  Map<String, Object> hello();

  /**
   * The answer to {@value #HAND_OVER_METHOD}: {@code accepted} (the daemon then stops, releasing
   * its socket and lock within {@code stops_within_seconds}) or a {@code reason} why not.
   *
   * @param requesterBuild the asking front-end's build, as it says (untrusted; compared only)
   */
  HandOver handOver(String requesterBuild);

  /**
   * The answer, and the stop to begin once it was written to the asking front-end (null when the
   * daemon does not hand over).
   */
  record HandOver(Map<String, Object> answer, @Nullable Runnable thenStop) {}
}
