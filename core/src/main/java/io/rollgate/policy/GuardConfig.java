package io.rollgate.policy;

import io.rollgate.error.InvalidInputException;
import java.time.Duration;

/**
 * A policy's guards. Each is off until configured: zero seconds or a null velocity means off.
 *
 * @param cooldownSeconds minimum seconds between applied changes (0 = off)
 * @param velocity at most {@code maxChanges} applied changes per {@code windowSeconds} (null = off)
 * @param oscillationWindowSeconds how long a reverted key counts as oscillating (0 = off)
 */
public record GuardConfig(long cooldownSeconds, Velocity velocity, long oscillationWindowSeconds) {
  /** One week: guards are for tuning loops, not for month-long freezes (that is what freeze is for). */
  public static final long MAX_SECONDS = 7 * 24 * 3600;

  public static final GuardConfig NONE = new GuardConfig(0, null, 0);

  public GuardConfig {
    requireSeconds("cooldownSeconds", cooldownSeconds);
    requireSeconds("oscillationWindowSeconds", oscillationWindowSeconds);
  }

  /** At most {@code maxChanges} applied changes within {@code windowSeconds}. */
  public record Velocity(int maxChanges, long windowSeconds) {
    public Velocity {
      if (maxChanges < 1 || maxChanges > 10_000) {
        throw new InvalidInputException("velocity.maxChanges",
            "velocity.maxChanges must be between 1 and 10000, got " + maxChanges);
      }
      if (windowSeconds < 1 || windowSeconds > MAX_SECONDS) {
        throw new InvalidInputException("velocity.windowSeconds",
            "velocity.windowSeconds must be between 1 and " + MAX_SECONDS + ", got " + windowSeconds);
      }
    }
  }

  /** The longest look-back any guard needs; history older than this cannot make a guard fire. */
  public Duration lookBack() {
    long v = velocity == null ? 0 : velocity.windowSeconds();
    return Duration.ofSeconds(Math.max(cooldownSeconds, Math.max(v, oscillationWindowSeconds)));
  }

  private static void requireSeconds(String field, long value) {
    if (value < 0 || value > MAX_SECONDS) {
      throw new InvalidInputException(field,
          field + " must be between 0 (off) and " + MAX_SECONDS + ", got " + value);
    }
  }
}
