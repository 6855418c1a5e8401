package io.rollgate.simulate;

import java.util.List;

/**
 * One detector in one cell. Times are minutes from the regression's onset to the check that rolled back;
 * a run not rolled back before the promotion is a miss and counts as infinite ({@code null} here) in
 * the quantiles. Fields that do not apply (detection in a healthy cell) are {@code null}.
 *
 * @param rollbackRate rolled-back runs / runs: false rollbacks in a healthy cell (for {@code srm}: alarms)
 * @param wilsonLow the 95% Wilson interval of {@code rollbackRate}
 * @param caughtBeforePromotion runs rolled back after the onset and before the promotion / runs
 * @param detectedMedianMinutes the median among the caught runs only
 * @param badRequestsServed mean candidate requests served between the onset and the rollback (or the
 *     promotion): how many requests met the bad version before the detector stopped it
 * @param excessErrors mean expected extra errors among those requests, Σ n_c (p1 − p0)
 * @param rollbacksByStage rollbacks per stage index
 */
public record DetectorResult(String name, int runs, int rolledBack, double rollbackRate, double wilsonLow,
    double wilsonHigh, Double caughtBeforePromotion, Double medianMinutesToDetect, Double p90MinutesToDetect,
    Double detectedMedianMinutes, Double badRequestsServed, Double excessErrors, List<Integer> rollbacksByStage) {

  static DetectorResult of(String name, Tally t, boolean regressed) {
    double[] w = wilson(t.rolledBack, t.runs);
    return new DetectorResult(name, t.runs, t.rolledBack, (double) t.rolledBack / t.runs, w[0], w[1],
        regressed ? (double) t.caught / t.runs : null,
        regressed ? minutes(t.quantileSeconds(0.5)) : null,
        regressed ? minutes(t.quantileSeconds(0.9)) : null,
        regressed ? minutes(t.detectedMedianSeconds()) : null,
        regressed && !name.equals(Simulator.SRM) ? (double) t.badRequests / t.runs : null,
        regressed && !name.equals(Simulator.SRM) ? t.excessErrors / t.runs : null,
        java.util.Arrays.stream(t.rollbacksByStage).boxed().toList());
  }

  private static Double minutes(double seconds) {
    return Double.isFinite(seconds) ? seconds / 60 : null;
  }

  /** The 95% Wilson score interval of k successes in n trials. */
  static double[] wilson(long k, long n) {
    double z = 1.959963984540054;
    double p = (double) k / n;
    double z2n = z * z / n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z / (1 + z2n) * Math.sqrt(p * (1 - p) / n + z2n / (4 * n));
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }
}
