package dev.schedulerd.mcp.tools;

/** A tool argument the server refuses; becomes a tool result with {@code isError: true}. */
final class ToolInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ToolInputException(String field, String message) {
    super(field + ": " + message);
  }
}
