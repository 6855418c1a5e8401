package io.rollgate.server.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Debian's {@code prometheus} and {@code promtool} on the PATH. Without them a test is
 * skipped on a developer machine, but fails in CI (environment variable {@code CI} set), where
 * {@code .ci/run} installs them.
 */
public final class PrometheusBinaries {
  private PrometheusBinaries() {}

  public static Path require(String name) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    String message = name + " is not on the PATH; install it with 'apt-get install prometheus' (Debian)";
    if (System.getenv("CI") != null) {
      fail(message + "; CI is set, so this test must run");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }
}
