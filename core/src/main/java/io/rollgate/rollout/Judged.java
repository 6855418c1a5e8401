package io.rollgate.rollout;

import java.util.Objects;

/**
 * A measurement with its verdict and a sentence naming the numbers, e.g. "error rate 0.62% > 0.50%
 * over 1,204 requests". This is what the status and the journal show.
 *
 * @param stageIndex the stage it was judged against
 */
public record Judged(Measurement measurement, Verdict verdict, String reason, int stageIndex) {
  public Judged {
    Objects.requireNonNull(measurement, "measurement");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(reason, "reason");
  }

  /** Judges {@code m} against {@code stage}'s threshold and the settings' minSamples. */
  public static Judged of(Measurement m, int stageIndex, Stage stage, AnalysisSettings settings) {
    return switch (m) {
      case Measurement.ProviderError e -> new Judged(m, Verdict.ERROR, "provider error: " + e.why(), stageIndex);
      case Measurement.NoData n -> new Judged(m, Verdict.INCONCLUSIVE, "no data: " + n.why(), stageIndex);
      case Measurement.Value v -> judgeValue(v, stageIndex, stage, settings);
    };
  }

  private static Judged judgeValue(Measurement.Value v, int stageIndex, Stage stage, AnalysisSettings settings) {
    String over = v.samplesKnown() ? " over " + Text.count(v.samples()) + " requests" : "";
    if (v.samplesKnown() && v.samples() < settings.minSamples()) {
      return new Judged(v, Verdict.INCONCLUSIVE, "only " + Text.count(v.samples()) + " requests, fewer than "
          + "minSamples " + Text.count(settings.minSamples()) + " (error rate " + Text.rate(v.errorRate()) + ")",
          stageIndex);
    }
    if (v.errorRate() > stage.maxErrorRate()) {
      return new Judged(v, Verdict.FAIL, "error rate " + Text.rate(v.errorRate()) + " > "
          + Text.rate(stage.maxErrorRate()) + over, stageIndex);
    }
    return new Judged(v, Verdict.PASS, "error rate " + Text.rate(v.errorRate()) + " ≤ "
        + Text.rate(stage.maxErrorRate()) + over, stageIndex);
  }

  @Override
  public String toString() {
    return verdict + " at " + measurement.at() + ": " + reason;
  }
}
