package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;

/**
 * What a rollout was created with; fixed for its life.
 *
 * @param author who created it; may not approve it unless {@code selfApproval}
 * @param selfApproval lets the author approve their own rollout (single-admin installations)
 */
public record RolloutSpec(Stages stages, AnalysisSettings analysis, OnFailure onFailure, String author,
    boolean selfApproval) {
  public RolloutSpec {
    if (stages == null) {
      throw new InvalidInputException("stages", "stages are required");
    }
    if (analysis == null) {
      throw new InvalidInputException("analysis", "analysis settings are required");
    }
    if (onFailure == null) {
      throw new InvalidInputException("onFailure", "onFailure is required");
    }
    Text.requireText("author", author, 200);
    if (analysis.judge().isThreshold()) {
      if (stages.equals(Stages.DEFAULT)) {
        stages = Stages.DEFAULT_WITH_THRESHOLDS; // 004's thresholds belong to the threshold judge
      }
      for (int i = 0; i < stages.size(); i++) {
        if (stages.get(i).maxErrorRate().isEmpty()) {
          throw new InvalidInputException("stages[" + i + "].maxErrorRate", "stages[" + i + "] '"
              + stages.get(i).name() + "' needs a maxErrorRate: the threshold judge fails a stage whose "
              + "candidate error rate is above it" + (analysis.provider() == AnalysisSettings.Provider.PROMETHEUS
                  ? " (the prometheus provider judges with thresholds only)" : ""));
        }
      }
    }
  }

  /** The five default stages, default analysis, step back on failure, four-eyes on. */
  public static RolloutSpec defaults(String author) {
    return new RolloutSpec(Stages.DEFAULT, AnalysisSettings.DEFAULT, OnFailure.STEP_BACK, author, false);
  }
}
