package io.rollgate.server.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Debian's {@code prometheus} and {@code promtool} on the PATH. Without them a test is
 * skipped on a developer machine, but fails in CI (environment variable {@code CI} set), where
 * {@code .ci/run} installs them. {@link #promtool()} fails everywhere.
 */
public final class PrometheusBinaries {
  private PrometheusBinaries() {}

  public static Path require(String name) {
    Optional<Path> found = onPath(name);
    if (found.isPresent()) {
      return found.get();
    }
    String message = name + " is not on the PATH; install it with 'apt-get install prometheus' (Debian)";
    if (System.getenv("CI") != null) {
      fail(message + "; CI is set, so this test must run");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  /**
   * promtool next to the prometheus binary on the PATH, else on the PATH. Missing, the test fails
   * rather than skips, also outside CI: what it checks (docs/prometheus/alerts.yml) ships to users.
   */
  public static Path promtool() {
    return onPath("prometheus").map(p -> p.resolveSibling("promtool")).filter(PrometheusBinaries::executable)
        .or(() -> onPath("promtool"))
        .orElseGet(() -> fail("promtool is neither next to prometheus nor on the PATH (" + System.getenv("PATH")
            + "); install it with 'apt-get install prometheus' (Debian), as .ci/run does"));
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, name);
        if (executable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static boolean executable(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }
}
