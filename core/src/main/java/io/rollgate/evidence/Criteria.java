package io.rollgate.evidence;

import io.rollgate.error.InvalidInputException;

/**
 * When a scenario's evidence suffices: at least {@code minRuns} runs among the last {@code window},
 * and a failure rate among them of at most {@code maxFailureRate}.
 */
public record Criteria(int minRuns, double maxFailureRate, int window) {
  public static final int MAX_RUNS = 10_000;
  public static final int DEFAULT_MIN_RUNS = 20;
  public static final double DEFAULT_MAX_FAILURE_RATE = 0.10;
  public static final int DEFAULT_WINDOW = 100;
  public static final Criteria DEFAULTS = new Criteria(DEFAULT_MIN_RUNS, DEFAULT_MAX_FAILURE_RATE, DEFAULT_WINDOW);

  public Criteria {
    if (minRuns < 1 || minRuns > MAX_RUNS) {
      throw new InvalidInputException("minRuns", "'minRuns' must be 1 to " + MAX_RUNS + ", got " + minRuns);
    }
    requireRate("maxFailureRate", maxFailureRate);
    if (window < 1 || window > MAX_RUNS) {
      throw new InvalidInputException("window", "'window' must be 1 to " + MAX_RUNS + ", got " + window);
    }
    if (window < minRuns) {
      throw new InvalidInputException("window", "'window' (" + window + " runs) must be at least 'minRuns' ("
          + minRuns + "): the evidence is counted among the last 'window' runs");
    }
  }

  static void requireRate(String field, double rate) {
    if (!(rate >= 0.0 && rate <= 1.0)) { // NaN fails too
      throw new InvalidInputException(field, "'" + field + "' must be a rate from 0 to 1, got " + rate);
    }
  }
}
