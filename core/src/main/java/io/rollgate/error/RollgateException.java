package io.rollgate.error;

/**
 * The one unchecked root of Rollgate's expected failures. The HTTP layer maps each subclass to a
 * problem document and the CLI to an exit code; anything else reaching the edge is a bug.
 */
public abstract sealed class RollgateException extends RuntimeException
    permits InvalidInputException, NotFoundException, ConflictException, IntegrityException,
        SaturatedException, ForbiddenException {

  protected RollgateException(String message) {
    super(message);
  }

  protected RollgateException(String message, Throwable cause) {
    super(message, cause);
  }
}
