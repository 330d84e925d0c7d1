package dev.schedulerd.mcp.transport;

import io.modelcontextprotocol.spec.McpServerTransportProvider;

/** A transport provider whose requests pass a {@link RequestGuard} after the protocol's checks. */
public interface GuardedTransportProvider extends McpServerTransportProvider {
  /** Sets the guard every request of every session passes. */
  void guardRequests(RequestGuard requestGuard);
}
