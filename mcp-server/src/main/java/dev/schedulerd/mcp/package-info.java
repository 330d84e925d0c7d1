/**
 * The schedulerd daemon, by role as the MCP Java SDK splits its own: {@code cli} (the command line
 * and start-up), {@code transport} (the line-based stdio transport), {@code server} (one MCP
 * session: tools, resources, answer checks) and {@code tools} (each tool's declaration and
 * handler).
 */
@NullMarked
package dev.schedulerd.mcp;

import org.jspecify.annotations.NullMarked;
