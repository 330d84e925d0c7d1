/** The schedulerd daemon: command line, MCP stdio transport and the scheduler's MCP tools. */
@NullMarked
package dev.schedulerd.mcp;

import org.jspecify.annotations.NullMarked;
