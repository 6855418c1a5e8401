package io.rollgate.error;

/**
 * The caller is authenticated and may use the route, but this particular act is not theirs to do,
 * e.g. approving a rollout they authored (four-eyes). Maps to 403.
 */
public final class ForbiddenException extends RollgateException {
  public ForbiddenException(String message) {
    super(message);
  }
}
