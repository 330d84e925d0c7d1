/** The line-based stdio transport: one JSON-RPC message per line, robust to bad input. */
@NullMarked
package dev.schedulerd.mcp.transport;

import org.jspecify.annotations.NullMarked;
