package dev.schedulerd.api;

/**
 * A task definition the scheduler refuses: it names the field at fault and says what would be
 * accepted, so that a client (often an LLM) can correct it and try again.
 */
public final class InvalidTaskException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidTaskException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The name of the field at fault, as clients spell it ({@code schedule}, {@code config}). */
  public String field() {
    return field;
  }
}
