package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.time.Instant;
import java.util.Objects;

/**
 * A rollout at a moment: what the store persists and the reconciler reads. Immutable; the
 * reconciler and the manual actions return a new one in a {@link Step}.
 *
 * @param stageStartedAt when the candidate reached this stage's percentage; the minimum duration counts from here
 * @param analysisStartedAt when the current analysis began: the stage start, or a resume (which keeps the
 *     time spent at the stage but asks for fresh evidence). Measurements taken earlier are ignored.
 * @param analysis the evidence gathered since {@code analysisStartedAt}
 * @param reason the sentence that explains the current phase and stage (the last transition's reason)
 */
public record RolloutState(RolloutSpec spec, Phase phase, int stageIndex, Instant stageStartedAt,
    Instant analysisStartedAt, StageAnalysis analysis, String reason) {
  public RolloutState {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(stageStartedAt, "stageStartedAt");
    Objects.requireNonNull(analysisStartedAt, "analysisStartedAt");
    Objects.requireNonNull(analysis, "analysis");
    Objects.requireNonNull(reason, "reason");
    if (stageIndex < 0 || stageIndex >= spec.stages().size()) {
      throw new InvalidInputException("stageIndex", "stageIndex must be between 0 and "
          + (spec.stages().size() - 1) + ", got " + stageIndex);
    }
    if (analysisStartedAt.isBefore(stageStartedAt)) {
      throw new InvalidInputException("analysisStartedAt", "analysisStartedAt " + analysisStartedAt
          + " is before stageStartedAt " + stageStartedAt);
    }
  }

  /** A new rollout at its first stage, PROGRESSING from {@code now}. */
  public static RolloutState start(RolloutSpec spec, Instant now) {
    Stage first = spec.stages().get(0);
    return new RolloutState(spec, Phase.PROGRESSING, 0, now, now, StageAnalysis.EMPTY,
        "started by " + spec.author() + " at stage " + first);
  }

  public Stage stage() {
    return spec.stages().get(stageIndex);
  }

  /**
   * The candidate's share for bucketing: the stage's basis points while running (also when paused or
   * awaiting approval), 0 once rolled back or aborted, 10000 once completed.
   */
  public int candidateBasisPoints() {
    return switch (phase) {
      case ROLLED_BACK, ABORTED -> 0;
      case COMPLETED -> Stage.MAX_BASIS_POINTS;
      case PROGRESSING, AWAITING_APPROVAL, PAUSED -> stage().basisPoints();
    };
  }

  /**
   * When the next measurement is due: one interval after the newest one in the current analysis, or
   * one interval after the analysis began (the stage gets an interval of traffic first). Empty when
   * paused or finished: nothing is measured then.
   */
  public java.util.Optional<Instant> nextMeasurementAt() {
    if (phase.isTerminal() || phase == Phase.PAUSED) {
      return java.util.Optional.empty();
    }
    Instant from = analysis.latest().map(j -> j.measurement().at())
        .filter(at -> !at.isBefore(analysisStartedAt)).orElse(analysisStartedAt);
    return java.util.Optional.of(from.plus(spec.analysis().interval()));
  }

  RolloutState withAnalysis(StageAnalysis a) {
    return new RolloutState(spec, phase, stageIndex, stageStartedAt, analysisStartedAt, a, reason);
  }

  /** Same stage, new phase (checked against the transition table). */
  RolloutState to(Phase next, String why, String what) {
    phase.requireTransition(next, what);
    return new RolloutState(spec, next, stageIndex, stageStartedAt, analysisStartedAt, analysis, why);
  }

  /** A fresh start at stage {@code index}, PROGRESSING (checked against the transition table). */
  RolloutState atStage(int index, Instant now, String why, String what) {
    phase.requireTransition(Phase.PROGRESSING, what);
    return new RolloutState(spec, Phase.PROGRESSING, index, now, now, StageAnalysis.EMPTY, why);
  }
}
