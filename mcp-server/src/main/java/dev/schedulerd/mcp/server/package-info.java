/**
 * One MCP session on a started scheduler: its tools, resources and the checks of arguments and
 * answers.
 */
@NullMarked
package dev.schedulerd.mcp.server;

import org.jspecify.annotations.NullMarked;
