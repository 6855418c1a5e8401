package io.rollgate.simulate;

import io.rollgate.error.InvalidInputException;
import io.rollgate.rollout.judge.JudgeSettings;
import io.rollgate.rollout.judge.Judges;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code rollgate simulate} runs: a grid of cells (rate × baseline error × multiplier), the
 * rollout every run goes through, the scenario, and the detectors. Validated here, with messages that
 * name the command-line option, so that every bad input is refused before a single run.
 *
 * @param rates requests per second, both cohorts together ({@code --rate})
 * @param baselineErrors the baseline's error probability p0 ({@code --baseline-error})
 * @param multipliers the candidate's error probability is m × p0 ({@code --multiplier}); 1 = healthy
 * @param healthyRuns runs per cell with m = 1; {@code regressedRuns} runs per cell with m &gt; 1
 * @param stageBasisPoints the candidate's share per stage, strictly increasing, below 100% (at 100% there
 *     is no baseline left to compare with: that is the promotion, after the last stage)
 * @param driftAmplitude a: p0(t) = p0 · (1 + a · sin(2πt/T − π/2)) for both cohorts over the rollout's
 *     length T; 0 = stationary
 * @param regressionOnset when the candidate turns bad (its error rate is p0 before); zero = from the start
 * @param srmBug the candidate receives 0.9 × its share while the stages say otherwise
 * @param detectors judges by name, plus {@code threshold-scaled} (004's thresholds as multiples of
 *     p0: 5/4/3/2 × p0); the SRM check always runs alongside
 * @param thresholds the {@code threshold} judge's maxErrorRate per stage
 */
public record SimulationSpec(List<Double> rates, List<Double> baselineErrors, List<Double> multipliers,
    int healthyRuns, int regressedRuns, List<Integer> stageBasisPoints, Duration stageDuration,
    Duration checkInterval, Duration bucketWidth, double driftAmplitude, Duration regressionOnset, boolean srmBug,
    List<String> detectors, double alpha, double delta, List<Double> thresholds, long seed) {

  public static final String THRESHOLD_SCALED = "threshold-scaled";
  /** Every detector, in the order the table shows them. */
  public static final List<String> ALL_DETECTORS =
      List.of("sequential", "growthbook", "kayenta", "threshold", THRESHOLD_SCALED, "peeking");
  /** 004's stage thresholds (0.5/0.4/0.3/0.2%); stages beyond the fourth get the last. */
  public static final List<Double> SEED_THRESHOLDS = List.of(0.005, 0.004, 0.003, 0.002);
  public static final double DRIFT = 0.5;
  public static final double SRM_BUG_FACTOR = 0.9;
  public static final int MAX_RUNS = 1_000_000;

  public SimulationSpec {
    rates = List.copyOf(rates);
    baselineErrors = List.copyOf(baselineErrors);
    multipliers = List.copyOf(multipliers);
    stageBasisPoints = List.copyOf(stageBasisPoints);
    detectors = List.copyOf(detectors);
    require(!rates.isEmpty() && !baselineErrors.isEmpty() && !multipliers.isEmpty(), "--rate",
        "the grid needs at least one rate, baseline error and multiplier");
    for (double r : rates) {
      require(r > 0 && r <= 1_000_000, "--rate", "--rate must be > 0 and ≤ 1000000 requests per second, got " + r);
    }
    for (double p : baselineErrors) {
      require(p > 0 && p < 1, "--baseline-error", "--baseline-error must be a probability > 0 and < 1 "
          + "(0.01 = 1%), got " + p);
    }
    require(driftAmplitude >= 0 && driftAmplitude < 1, "--drift", "the drift amplitude must be in [0, 1), got "
        + driftAmplitude);
    for (double m : multipliers) {
      require(m >= 1 && m <= 1_000, "--multiplier", "--multiplier must be between 1 (healthy) and 1000, got " + m);
      for (double p : baselineErrors) {
        require(m * p * (1 + driftAmplitude) <= 1, "--multiplier", "--multiplier " + m + " × --baseline-error "
            + p + (driftAmplitude > 0 ? " × drift peak " + (1 + driftAmplitude) : "")
            + " is an error probability above 1");
      }
    }
    require(healthyRuns >= 1 && healthyRuns <= MAX_RUNS, "--healthy-runs",
        "--healthy-runs must be between 1 and " + MAX_RUNS + ", got " + healthyRuns);
    require(regressedRuns >= 1 && regressedRuns <= MAX_RUNS, "--regressed-runs",
        "--regressed-runs must be between 1 and " + MAX_RUNS + ", got " + regressedRuns);
    require(!stageBasisPoints.isEmpty() && stageBasisPoints.size() <= 20, "--stages",
        "--stages needs between 1 and 20 percentages, got " + stageBasisPoints.size());
    for (int i = 0; i < stageBasisPoints.size(); i++) {
      int bp = stageBasisPoints.get(i);
      require(bp > 0 && bp < 10_000, "--stages", "--stages percentages must be > 0 and < 100 (100% is the "
          + "promotion, with no baseline left to compare), got " + bp / 100.0);
      if (i > 0 && bp <= stageBasisPoints.get(i - 1)) {
        throw new InvalidInputException("--stages", "--stages percentages must strictly increase, got "
            + bp / 100.0 + " after " + stageBasisPoints.get(i - 1) / 100.0);
      }
    }
    require(bucketWidth != null && bucketWidth.toSeconds() >= 1 && bucketWidth.toSeconds() <= 3_600
        && bucketWidth.toNanos() % 1_000_000_000L == 0, "--bucket-seconds",
        "--bucket-seconds must be a whole number between 1 and 3600, got " + bucketWidth);
    require(checkInterval != null && checkInterval.toSeconds() >= bucketWidth.toSeconds()
        && checkInterval.toSeconds() % bucketWidth.toSeconds() == 0, "--check-seconds",
        "--check-seconds must be a positive multiple of --bucket-seconds (" + bucketWidth.toSeconds() + "), got "
            + (checkInterval == null ? "none" : checkInterval.toSeconds()));
    require(stageDuration != null && stageDuration.toSeconds() >= checkInterval.toSeconds()
        && stageDuration.toSeconds() % checkInterval.toSeconds() == 0
        && stageDuration.toSeconds() <= 7 * 24 * 3_600, "--stage-minutes",
        "--stage-minutes must be a whole number of checks (--check-seconds " + checkInterval.toSeconds()
            + ") and at most a week, got " + (stageDuration == null ? "none" : stageDuration.toSeconds() + " s"));
    long total = stageDuration.toSeconds() * stageBasisPoints.size();
    require(total / bucketWidth.toSeconds() <= 200_000, "--bucket-seconds",
        "a run may have at most 200000 buckets, got " + total / bucketWidth.toSeconds());
    require(regressionOnset != null && !regressionOnset.isNegative() && regressionOnset.toSeconds() < total
        && regressionOnset.toSeconds() % bucketWidth.toSeconds() == 0, "--late-regression",
        "--late-regression must be a minute within the rollout (0 to " + (total / 60 - 1) + ") on a bucket "
            + "boundary, got " + (regressionOnset == null ? "none" : regressionOnset.toSeconds() / 60.0));
    require(!detectors.isEmpty(), "--judges", "--judges needs at least one judge");
    for (String d : detectors) {
      require(ALL_DETECTORS.contains(d), "--judges", "--judges: unknown judge '" + d + "'; known: "
          + String.join(", ", ALL_DETECTORS));
    }
    require(detectors.stream().distinct().count() == detectors.size(), "--judges", "--judges lists a judge twice");
    require(alpha > 0 && alpha < 0.5, "--alpha", "--alpha must be > 0 and < 0.5, got " + alpha);
    require(delta >= 0 && delta <= JudgeSettings.MAX_DELTA, "--delta",
        "--delta must be between 0 and 10 (0.1 = +10% tolerated), got " + delta);
    thresholds = thresholds == null ? seedThresholds(stageBasisPoints.size()) : List.copyOf(thresholds);
    require(thresholds.size() == stageBasisPoints.size(), "--thresholds", "--thresholds needs one rate per stage ("
        + stageBasisPoints.size() + "), got " + thresholds.size());
    for (double t : thresholds) {
      require(t >= 0 && t <= 1, "--thresholds", "--thresholds must be error rates between 0 and 1, got " + t);
    }
  }

  /** 004's thresholds for {@code stages} stages: 0.5/0.4/0.3/0.2%, then 0.2%. */
  public static List<Double> seedThresholds(int stages) {
    List<Double> t = new ArrayList<>(stages);
    for (int i = 0; i < stages; i++) {
      t.add(SEED_THRESHOLDS.get(Math.min(i, SEED_THRESHOLDS.size() - 1)));
    }
    return t;
  }

  /** The reference's grid (§8.1): R ∈ {20, 100, 1000}, p0 ∈ {0.1%, 1%}, m ∈ {1, 1.5, 2, 5}, 10,000/2,000 runs. */
  public static SimulationSpec defaultGrid() {
    return new SimulationSpec(List.of(20.0, 100.0, 1000.0), List.of(0.001, 0.01), List.of(1.0, 1.5, 2.0, 5.0),
        10_000, 2_000, List.of(1000, 2500, 5000, 7500), Duration.ofMinutes(10), Duration.ofSeconds(60),
        Duration.ofSeconds(10), 0, Duration.ZERO, false, ALL_DETECTORS, JudgeSettings.DEFAULT_ALPHA,
        JudgeSettings.DEFAULT_DELTA, null, 1L);
  }

  /** The rollout's length: every stage, then the promotion. */
  public Duration rolloutLength() {
    return stageDuration.multipliedBy(stageBasisPoints.size());
  }

  /** How many runs the grid holds. */
  public long totalRuns() {
    long perPair = 0;
    for (double m : multipliers) {
      perPair += m == 1 ? healthyRuns : regressedRuns;
    }
    return perPair * rates.size() * baselineErrors.size();
  }

  private static void require(boolean ok, String option, String message) {
    if (!ok) {
      throw new InvalidInputException(option, message);
    }
  }
}
