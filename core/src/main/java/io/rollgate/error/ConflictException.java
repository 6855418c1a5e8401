package io.rollgate.error;

/** A request that is valid but conflicts with current state (a duplicate name, a state that forbids it). */
public final class ConflictException extends RollgateException {
  public ConflictException(String message) {
    super(message);
  }
}
