/**
 * The MCP tools: each declared with its schemas beside its handler, and the views of tasks and runs
 * they answer with.
 */
@NullMarked
package dev.schedulerd.mcp.tools;

import org.jspecify.annotations.NullMarked;
