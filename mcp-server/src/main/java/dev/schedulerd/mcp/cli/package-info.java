/**
 * The daemon's command line: options, the config file, opening the store, plug-ins, and starting
 * the MCP session.
 */
@NullMarked
package dev.schedulerd.mcp.cli;

import org.jspecify.annotations.NullMarked;
