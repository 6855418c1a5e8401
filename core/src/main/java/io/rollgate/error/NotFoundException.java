package io.rollgate.error;

/** A named thing that does not exist, e.g. {@code policy 'limits'} or {@code version 7 of policy 'limits'}. */
public final class NotFoundException extends RollgateException {
  public NotFoundException(String message) {
    super(message);
  }
}
