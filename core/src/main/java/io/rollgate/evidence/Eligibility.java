package io.rollgate.evidence;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/**
 * Whether a scenario's recent runs suffice for a promotion, with a reason a person can act on.
 * Pure: the store hands it the criteria and the outcomes of the most recent runs.
 */
public record Eligibility(String scenario, boolean eligible, String reason, int runs, int failures, double failureRate,
    double threshold, int minRuns, int window) {

  /**
   * @param recentPassed the outcome of each recorded run, newest first; only the first {@code window} count
   */
  public static Eligibility of(String scenario, Criteria c, List<Boolean> recentPassed) {
    List<Boolean> counted = recentPassed.size() > c.window() ? recentPassed.subList(0, c.window()) : recentPassed;
    int runs = counted.size();
    int failures = (int) counted.stream().filter(p -> !p).count();
    double rate = runs == 0 ? 0.0 : (double) failures / runs;
    String reason;
    boolean eligible;
    if (runs < c.minRuns()) {
      eligible = false;
      reason = runs + " of " + c.minRuns() + " required runs";
    } else if (exceeds(failures, runs, c.maxFailureRate())) {
      eligible = false;
      reason = "failure rate " + percent(rate) + " > " + percent(c.maxFailureRate()) + " (" + failures + " of the last "
          + runs + " runs failed)";
    } else {
      eligible = true;
      reason = "failure rate " + percent(rate) + " ≤ " + percent(c.maxFailureRate()) + " over the last " + runs
          + " runs";
    }
    return new Eligibility(scenario, eligible, reason, runs, failures, rate, c.maxFailureRate(), c.minRuns(), c.window());
  }

  /** failures / runs > threshold, in decimal arithmetic: 2 of 20 is exactly 10%, not a rounding error above it. */
  private static boolean exceeds(int failures, int runs, double threshold) {
    return BigDecimal.valueOf(failures).compareTo(BigDecimal.valueOf(threshold).multiply(BigDecimal.valueOf(runs))) > 0;
  }

  static String percent(double rate) {
    return String.format(Locale.ROOT, "%.1f%%", rate * 100);
  }
}
