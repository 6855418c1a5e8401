package io.rollgate.server.rollout;

import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.Variant;
import io.rollgate.server.analysis.AnalysisProvider;
import io.rollgate.store.rollout.RolloutStore;
import java.time.Instant;

/**
 * The {@code outcomes} provider: the candidate cohort's error rate from the counters applications
 * report, summed since the current analysis began. No requests is no data, never a 0% pass.
 */
final class OutcomesProvider implements AnalysisProvider {
  private final RolloutStore store;

  OutcomesProvider(RolloutStore store) {
    this.store = store;
  }

  @Override
  public Measurement measure(Target t, Instant now) {
    try {
      long[] c = store.outcomeTotals(t.rolloutId(), Variant.CANDIDATE, t.analysisStartedAt());
      return Measurement.Value.ofCounts(now, c[1], c[0] + c[1]);
    } catch (RuntimeException e) { // the database, not the candidate: an error, never a failure
      return new Measurement.ProviderError(now, "cannot read the outcome counters: " + e.getMessage());
    }
  }
}
