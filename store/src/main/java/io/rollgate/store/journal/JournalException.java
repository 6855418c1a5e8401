package io.rollgate.store.journal;

/** The journal could not commit (database unavailable, disk full, shut down). Nothing was acknowledged. */
public final class JournalException extends RuntimeException {
  public JournalException(String message, Throwable cause) {
    super(message, cause);
  }

  public JournalException(String message) {
    super(message);
  }
}
