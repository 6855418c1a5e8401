package io.rollgate.error;

/** Stored state does not match what was committed: a failed verification barrier or a broken chain. */
public final class IntegrityException extends RollgateException {
  public IntegrityException(String message) {
    super(message);
  }
}
