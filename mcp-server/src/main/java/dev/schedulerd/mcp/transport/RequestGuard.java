package dev.schedulerd.mcp.transport;

import org.jspecify.annotations.Nullable;

/** Refuses a request the SDK would accept though the server cannot serve it. */
@FunctionalInterface
public interface RequestGuard {
  /** Why the request is refused (answered -32602), or null to let it through. */
  @Nullable String refuse(String method, @Nullable Object params);
}
