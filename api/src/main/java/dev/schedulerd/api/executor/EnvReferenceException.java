package dev.schedulerd.api.executor;

/**
 * A reference that cannot be resolved: the variable is not allowed or not set. The message names
 * the variable and where it was referenced, never a value.
 */
public final class EnvReferenceException extends RuntimeException {
  public EnvReferenceException(String message) {
    super(message);
  }
}
