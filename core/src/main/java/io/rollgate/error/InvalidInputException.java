package io.rollgate.error;

/** Input that can never succeed as sent; {@link #field()} names the offending field (a JSON pointer or parameter). */
public final class InvalidInputException extends RollgateException {
  private final String field;

  public InvalidInputException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
