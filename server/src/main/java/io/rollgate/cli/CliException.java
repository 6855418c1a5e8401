package io.rollgate.cli;

/** A failure to report in one line, with the exit code: 1 a negative verdict, 2 usage or connection. */
final class CliException extends RuntimeException {
  final int exitCode;
  /** The server answered with this HTTP status (a refusal), or 0 when it could not be reached. */
  final int httpStatus;

  CliException(int exitCode, String message) {
    this(exitCode, message, 0);
  }

  CliException(int exitCode, String message, int httpStatus) {
    super(message);
    this.exitCode = exitCode;
    this.httpStatus = httpStatus;
  }
}
