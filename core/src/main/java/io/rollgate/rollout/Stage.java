package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * One step of a rollout: the share of subjects that get the candidate, how long to stay at least,
 * and, optionally, the highest error rate that still passes. Entering a stage that
 * {@code requiresApproval} needs an explicit approval; the reconciler never does it on its own.
 *
 * @param basisPoints the candidate's share in basis points, 0..10000 (10000 = 100%)
 * @param minDuration the least time spent in this stage before it may be left forwards
 * @param maxErrorRate 0..1, or empty. Under the {@code threshold} judge (and for a Prometheus
 *     measurement) it is the stage's bar: above it (strictly) is a failure, and it is required. Under the
 *     comparing judges it is an absolute ceiling on top of the judge: the candidate's error rate in the
 *     stage above it fails even when the judge passes; empty means no ceiling
 */
public record Stage(String name, int basisPoints, Duration minDuration, OptionalDouble maxErrorRate,
    boolean requiresApproval) {
  public static final int MAX_BASIS_POINTS = 10_000;
  /** A month: a longer minimum is a typo, and a stage that long is a freeze. */
  public static final Duration MAX_DURATION = Duration.ofDays(31);

  public Stage {
    Text.requireText("name", name, 64);
    if (basisPoints < 0 || basisPoints > MAX_BASIS_POINTS) {
      throw new InvalidInputException("percentage", "stage '" + name
          + "': percentage must be between 0 and 100, got " + BigDecimal.valueOf(basisPoints, 2).toPlainString());
    }
    if (minDuration == null || minDuration.isNegative() || minDuration.compareTo(MAX_DURATION) > 0) {
      throw new InvalidInputException("minDurationSeconds", "stage '" + name
          + "': minDurationSeconds must be between 0 and " + MAX_DURATION.toSeconds() + ", got "
          + (minDuration == null ? "none" : minDuration.toSeconds()));
    }
    if (maxErrorRate == null) {
      maxErrorRate = OptionalDouble.empty();
    }
    if (maxErrorRate.isPresent() && !(maxErrorRate.getAsDouble() >= 0 && maxErrorRate.getAsDouble() <= 1)) {
      throw new InvalidInputException("maxErrorRate", "stage '" + name // the check also rejects NaN
          + "': maxErrorRate must be between 0 and 1 (a ratio: 0.005 = 0.5%), got " + maxErrorRate.getAsDouble());
    }
  }

  /** A stage with a maxErrorRate. */
  public Stage(String name, int basisPoints, Duration minDuration, double maxErrorRate, boolean requiresApproval) {
    this(name, basisPoints, minDuration, OptionalDouble.of(maxErrorRate), requiresApproval);
  }

  /** This stage with {@code rate} as its maxErrorRate. */
  public Stage withMaxErrorRate(double rate) {
    return new Stage(name, basisPoints, minDuration, rate, requiresApproval);
  }

  /**
   * A stage from a percentage as the API speaks it: 0..100 with at most two decimals (basis-point
   * precision). {@code 12.5} → 1250 bp; {@code 12.345} is refused rather than rounded.
   */
  public static Stage ofPercentage(String name, BigDecimal percentage, Duration minDuration,
      OptionalDouble maxErrorRate, boolean requiresApproval) {
    return new Stage(name, basisPoints(name, percentage), minDuration, maxErrorRate, requiresApproval);
  }

  /** {@link #ofPercentage(String, BigDecimal, Duration, OptionalDouble, boolean)} with a maxErrorRate. */
  public static Stage ofPercentage(String name, BigDecimal percentage, Duration minDuration,
      double maxErrorRate, boolean requiresApproval) {
    return ofPercentage(name, percentage, minDuration, OptionalDouble.of(maxErrorRate), requiresApproval);
  }

  /** Percentage (0..100, at most two decimals) → basis points; the message names the stage. */
  public static int basisPoints(String stageName, BigDecimal percentage) {
    if (percentage == null) {
      throw new InvalidInputException("percentage", "stage '" + stageName + "': percentage is required");
    }
    BigDecimal p = percentage.stripTrailingZeros();
    if (p.scale() > 2) {
      throw new InvalidInputException("percentage", "stage '" + stageName
          + "': percentage allows at most two decimals (basis points), got " + percentage.toPlainString());
    }
    if (p.signum() < 0 || p.compareTo(BigDecimal.valueOf(100)) > 0) {
      throw new InvalidInputException("percentage", "stage '" + stageName
          + "': percentage must be between 0 and 100, got " + percentage.toPlainString());
    }
    return p.movePointRight(2).intValueExact();
  }

  /** "12.5%". */
  public String percentage() {
    return Text.basisPoints(basisPoints);
  }

  @Override
  public String toString() {
    return name + " (" + percentage() + ")";
  }
}
