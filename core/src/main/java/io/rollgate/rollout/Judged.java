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

  /**
   * Judges {@code m} for {@code stage}: a value against the stage's maxErrorRate and the settings'
   * minSamples; a comparison by its judge's verdict, with the stage's maxErrorRate as a ceiling on top and
   * minSamples candidate requests in the stage before a pass counts.
   */
  public static Judged of(Measurement m, int stageIndex, Stage stage, AnalysisSettings settings) {
    return switch (m) {
      case Measurement.ProviderError e -> new Judged(m, Verdict.ERROR, "provider error: " + e.why(), stageIndex);
      case Measurement.NoData n -> new Judged(m, Verdict.INCONCLUSIVE, "no data: " + n.why(), stageIndex);
      case Measurement.Value v -> judgeValue(v, stageIndex, stage, settings);
      case Measurement.Comparison c -> judgeComparison(c, stageIndex, stage, settings);
    };
  }

  /**
   * The order matters: a judge's FAIL stands whatever the sample size (the sequential test is valid at any
   * n); then the ceiling, which like a threshold needs minSamples candidate requests in the stage (one error
   * in three requests is not a 33% error rate worth a rollback); and a judge's PASS only counts once the
   * stage itself has seen minSamples candidate requests, so that every stage is measured at its own
   * exposure before the rollout moves on.
   */
  private static Judged judgeComparison(Measurement.Comparison c, int stageIndex, Stage stage,
      AnalysisSettings settings) {
    String judge = c.judge() + ": " + c.sentence();
    if (c.verdict() == Verdict.FAIL) {
      return new Judged(c, Verdict.FAIL, judge, stageIndex);
    }
    long n = c.stage().candidateRequests();
    boolean ceiling = stage.maxErrorRate().isPresent() && !settings.judge().isThreshold();
    String inStage = " over " + Text.count(n) + " candidate requests in this stage";
    if (ceiling && n > 0 && n >= settings.minSamples()) {
      double max = stage.maxErrorRate().getAsDouble();
      double rate = c.candidateErrorRate();
      if (rate > max) {
        return new Judged(c, Verdict.FAIL, "candidate error rate " + Text.rate(rate) + " > ceiling maxErrorRate "
            + Text.rate(max) + inStage + " (the judge alone would not fail it: " + judge + ")", stageIndex);
      }
    }
    if (c.verdict() == Verdict.PASS && n < settings.minSamples()) {
      return new Judged(c, Verdict.INCONCLUSIVE, "only " + Text.count(n) + " candidate requests in this stage, "
          + "fewer than minSamples " + Text.count(settings.minSamples()) + "; " + judge, stageIndex);
    }
    if (c.verdict() == Verdict.PASS && ceiling) {
      return new Judged(c, Verdict.PASS, judge + "; candidate error rate " + Text.rate(c.candidateErrorRate())
          + " ≤ ceiling " + Text.rate(stage.maxErrorRate().getAsDouble()) + inStage, stageIndex);
    }
    return new Judged(c, c.verdict(), judge, stageIndex);
  }

  private static Judged judgeValue(Measurement.Value v, int stageIndex, Stage stage, AnalysisSettings settings) {
    String over = v.samplesKnown() ? " over " + Text.count(v.samples()) + " requests" : "";
    if (v.samplesKnown() && v.samples() < settings.minSamples()) {
      return new Judged(v, Verdict.INCONCLUSIVE, "only " + Text.count(v.samples()) + " requests, fewer than "
          + "minSamples " + Text.count(settings.minSamples()) + " (error rate " + Text.rate(v.errorRate()) + ")",
          stageIndex);
    }
    if (stage.maxErrorRate().isEmpty()) {
      return new Judged(v, Verdict.PASS, "error rate " + Text.rate(v.errorRate()) + over
          + " (stage " + stage.name() + " has no maxErrorRate)", stageIndex);
    }
    double max = stage.maxErrorRate().getAsDouble();
    if (v.errorRate() > max) {
      return new Judged(v, Verdict.FAIL, "error rate " + Text.rate(v.errorRate()) + " > " + Text.rate(max) + over,
          stageIndex);
    }
    return new Judged(v, Verdict.PASS, "error rate " + Text.rate(v.errorRate()) + " ≤ " + Text.rate(max) + over,
        stageIndex);
  }

  @Override
  public String toString() {
    return verdict + " at " + measurement.at() + ": " + reason;
  }
}
