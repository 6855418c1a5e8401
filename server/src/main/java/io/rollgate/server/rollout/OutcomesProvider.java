package io.rollgate.server.rollout;

import io.rollgate.rollout.Measurement;
import io.rollgate.server.analysis.AnalysisProvider;
import io.rollgate.store.rollout.RolloutStore;
import java.time.Instant;

/**
 * The {@code outcomes} provider: the rollout's judge compares the candidate with the baseline over the
 * counters applications report, rebuilt from the stored rows at every measurement (see
 * {@link io.rollgate.rollout.judge.LiveJudge}), with the stage's counts and the split check of the
 * current analysis.
 */
final class OutcomesProvider implements AnalysisProvider {
  private final RolloutStore store;

  OutcomesProvider(RolloutStore store) {
    this.store = store;
  }

  @Override
  public Measurement measure(Target t, Instant now) {
    try {
      return store.compare(t.rolloutId(), t.analysisStartedAt(), now);
    } catch (RuntimeException e) { // the database, not the candidate: an error, never a failure
      return new Measurement.ProviderError(now, "cannot read the outcome counters: " + e.getMessage());
    }
  }
}
