package io.rollgate.error;

import java.time.Duration;

/** The journal queue stayed full past the submit timeout; the caller should retry after {@link #retryAfter()}. */
public final class SaturatedException extends RollgateException {
  private final Duration retryAfter;

  public SaturatedException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
