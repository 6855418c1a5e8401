package io.rollgate.cli;

/** A failure to report in one line, with the exit code: 1 a negative verdict, 2 usage or connection. */
final class CliException extends RuntimeException {
  final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }
}
