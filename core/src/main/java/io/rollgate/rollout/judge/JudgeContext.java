package io.rollgate.rollout.judge;

import io.rollgate.error.InvalidInputException;
import io.rollgate.rollout.Stages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a judge needs to know about the rollout besides the buckets.
 *
 * @param window the lookback of the window judges ({@code threshold}, {@code kayenta}): the buckets that
 *     started in {@code [now − window, now)} of the current stage; normally the check interval. The
 *     cumulative judges ignore it
 * @param maxErrorRates each stage's maxErrorRate, by stage index: the {@code threshold} judge's bar
 * @param minRequests fewer candidate requests than this (in the window, or since the start for the
 *     cumulative judges) and a judge that found nothing wrong says INCONCLUSIVE rather than PASS. It never
 *     blocks a sequential FAIL (that is valid at any sample size); the threshold judge, as before, does
 *     not fail below it either
 */
public record JudgeContext(Duration window, List<Double> maxErrorRates, long minRequests) {
  public JudgeContext {
    if (window == null || window.isNegative() || window.isZero()) {
      throw new InvalidInputException("analysis.intervalSeconds",
          "the judge's window must be positive, got " + window);
    }
    if (maxErrorRates == null || maxErrorRates.isEmpty()) {
      throw new InvalidInputException("stages", "the judge needs each stage's maxErrorRate, got none");
    }
    maxErrorRates = List.copyOf(maxErrorRates);
    for (int i = 0; i < maxErrorRates.size(); i++) {
      double r = maxErrorRates.get(i);
      if (!(r >= 0 && r <= 1)) {
        throw new InvalidInputException("stages[" + i + "].maxErrorRate",
            "stages[" + i + "].maxErrorRate must be between 0 and 1, got " + r);
      }
    }
    if (minRequests < 0) {
      throw new InvalidInputException("analysis.minSamples", "analysis.minSamples must be ≥ 0, got " + minRequests);
    }
  }

  /** The context of a rollout: its stages' thresholds, the check interval as window, minSamples. */
  public static JudgeContext of(Stages stages, Duration interval, long minSamples) {
    List<Double> rates = new ArrayList<>(stages.size());
    for (int i = 0; i < stages.size(); i++) {
      rates.add(stages.get(i).maxErrorRate().orElse(1)); // none: no rate is above 100%
    }
    return new JudgeContext(interval, rates, minSamples);
  }

  /** The threshold of stage {@code index}, or NaN when the context has none for it. */
  double maxErrorRate(int index) {
    return index < maxErrorRates.size() ? maxErrorRates.get(index) : Double.NaN;
  }
}
