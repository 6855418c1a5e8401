package io.rollgate.store.journal;

/**
 * The journal could not acknowledge a command. Usually nothing was recorded (database unavailable,
 * disk full, shutting down); when {@link #outcomeUnknown()} the command is still queued or
 * committing and may yet be applied, so a caller must look before retrying.
 */
public final class JournalException extends RuntimeException {
  private final boolean outcomeUnknown;

  public JournalException(String message, Throwable cause) {
    super(message, cause);
    this.outcomeUnknown = false;
  }

  public JournalException(String message) {
    super(message);
    this.outcomeUnknown = false;
  }

  private JournalException(String message, Throwable cause, boolean outcomeUnknown) {
    super(message, cause);
    this.outcomeUnknown = outcomeUnknown;
  }

  /** The caller stopped waiting; the command may still commit. */
  static JournalException outcomeUnknown(String message, Throwable cause) {
    return new JournalException(message, cause, true);
  }

  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
