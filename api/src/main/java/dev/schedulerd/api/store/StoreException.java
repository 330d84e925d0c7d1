package dev.schedulerd.api.store;

/** The store could not do what was asked: I/O, a lost connection, a corrupt file. */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
