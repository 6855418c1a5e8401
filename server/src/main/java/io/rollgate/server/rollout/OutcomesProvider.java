package io.rollgate.server.rollout;

import io.rollgate.rollout.Measurement;
import io.rollgate.server.analysis.AnalysisProvider;
import io.rollgate.store.rollout.RolloutStore;
import java.time.Instant;

/**
 * The {@code outcomes} provider: the rollout's judge compares the candidate with the baseline over the
 * counters applications report, rebuilt from the stored rows at every measurement (see
 * {@link io.rollgate.rollout.judge.LiveJudge}), with the stage's counts and the split check of the
 * current analysis. An analysis without a single request reported is no data, not a comparison.
 */
final class OutcomesProvider implements AnalysisProvider {
  private final RolloutStore store;

  OutcomesProvider(RolloutStore store) {
    this.store = store;
  }

  @Override
  public Measurement measure(Target t, Instant now) {
    try {
      Measurement.Comparison c = store.compare(t.rolloutId(), t.analysisStartedAt(), now);
      if (c.verdict() != io.rollgate.rollout.Verdict.FAIL && c.stage().candidateRequests() == 0
          && c.stage().baselineRequests() == 0) {
        // nothing reported in this analysis: say so plainly (a FAIL on earlier stages' evidence still stands)
        return new Measurement.NoData(now, "no requests reported for either variant since the analysis began");
      }
      return c;
    } catch (RuntimeException e) { // the database, not the candidate: an error, never a failure
      return new Measurement.ProviderError(now, "cannot read the outcome counters: " + e.getMessage());
    }
  }
}
