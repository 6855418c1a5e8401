package io.rollgate.evidence;

import io.rollgate.error.InvalidInputException;

/**
 * How much stricter the scenario learned from a rolled-back promotion is: at least {@code minRuns}
 * runs and at most {@code maxFailureRate} failures (000: 50 runs, 5%), and never laxer than the
 * scenario that let the bad promotion through.
 */
public record RegressionRule(int minRuns, double maxFailureRate) {
  public static final RegressionRule DEFAULT = new RegressionRule(50, 0.05);

  public RegressionRule {
    if (minRuns < 1 || minRuns > Criteria.MAX_RUNS) {
      throw new InvalidInputException("regressionMinRuns", "'regressionMinRuns' must be 1 to " + Criteria.MAX_RUNS
          + ", got " + minRuns);
    }
    Criteria.requireRate("regressionMaxFailureRate", maxFailureRate);
  }

  /** The learned scenario's criteria: the stricter of this rule and {@code failed} on each count. */
  public Criteria stricterThan(Criteria failed) {
    int runs = Math.max(minRuns, failed.minRuns());
    return new Criteria(runs, Math.min(maxFailureRate, failed.maxFailureRate()), Math.max(failed.window(), runs));
  }
}
