package io.rollgate.evidence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Canonical;

/** One stress or test run of a scenario. {@code durationMs}, {@code metrics} and {@code source} are optional. */
public record Run(boolean passed, Long durationMs, ObjectNode metrics, String source) {
  public static final int MAX_SOURCE = 200;
  public static final long MAX_DURATION_MS = 366L * 24 * 3600 * 1000;

  public Run {
    if (durationMs != null && (durationMs < 0 || durationMs > MAX_DURATION_MS)) {
      throw new InvalidInputException("durationMs", "'durationMs' must be 0 to " + MAX_DURATION_MS + ", got "
          + durationMs);
    }
    if (metrics != null) {
      Canonical.requireIJson(metrics, "/metrics");
    }
    if (source != null && source.length() > MAX_SOURCE) {
      throw new InvalidInputException("source", "'source' must be at most " + MAX_SOURCE + " characters, got "
          + source.length());
    }
  }
}
