package io.rollgate.incident;

import java.time.Duration;
import java.util.Objects;

/**
 * How signals become incidents.
 *
 * @param reopenWindow a signal this soon after its key's incident was resolved reopens it (default 30 min)
 * @param maxCreatedPerWindow incidents created per key and {@code rateWindow}; over it a signal attaches
 *     to the key's latest incident and is reported as suppressed (default 3)
 * @param rateWindow the creation rate limit's window (default 1 h)
 */
public record IncidentSettings(Duration reopenWindow, int maxCreatedPerWindow, Duration rateWindow) {
  public static final IncidentSettings DEFAULTS =
      new IncidentSettings(Duration.ofMinutes(30), 3, Duration.ofHours(1));

  public IncidentSettings {
    Objects.requireNonNull(reopenWindow, "reopenWindow");
    Objects.requireNonNull(rateWindow, "rateWindow");
    if (reopenWindow.isNegative() || reopenWindow.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException("reopenWindow must be between 0 and 7 days, got " + reopenWindow.toSeconds()
          + " s");
    }
    if (maxCreatedPerWindow < 1 || maxCreatedPerWindow > 1_000) {
      throw new IllegalArgumentException("maxCreatedPerWindow must be between 1 and 1000, got " + maxCreatedPerWindow);
    }
    if (rateWindow.compareTo(Duration.ofSeconds(1)) < 0 || rateWindow.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException("rateWindow must be between 1 s and 7 days, got " + rateWindow.toMillis()
          + " ms");
    }
  }
}
