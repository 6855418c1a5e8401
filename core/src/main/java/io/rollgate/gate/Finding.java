package io.rollgate.gate;

import java.util.Objects;

/**
 * One check of a gate and what it found.
 *
 * @param check what was checked: {@code scenario:ID}, {@code apply-stats:POLICY}, {@code rollout:ID}
 * @param message why, with the numbers, e.g. "full apply ratio 85.0% (17 of 20) < 90%"
 */
public record Finding(String check, Verdict verdict, String message) {
  public Finding {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(message, "message");
  }
}
