package io.rollgate.server.analysis;

import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Measurement;
import java.time.Instant;
import java.util.Objects;

/** Takes one measurement of a rollout's candidate cohort. Never throws for what the provider does: a failure to measure is a Measurement.ProviderError. */
public interface AnalysisProvider {
  /** What is being measured. stageName is the current stage's name; analysisStartedAt the start of the current analysis (outcomes count from here). */
  record Target(String policy, String rolloutId, String stageName, AnalysisSettings settings, Instant analysisStartedAt) {
    public Target {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(rolloutId, "rolloutId");
      Objects.requireNonNull(stageName, "stageName");
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(analysisStartedAt, "analysisStartedAt");
    }
  }

  Measurement measure(Target target, Instant now);
}
