package io.rollgate.server.notify;

/** A notifier configuration or template that cannot be used; the message names the file, the notifier or template, and the field or line. */
public final class NotifyConfigException extends RuntimeException {
  public NotifyConfigException(String message) {
    super(message);
  }

  public NotifyConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
