package io.rollgate.rollout;

import java.util.Optional;

/**
 * What the reconciler (or a manual action) decided, with a sentence a person can read and the
 * judged measurement it rests on, if any. Everything but {@link Stay} is a transition to journal.
 */
public sealed interface Decision {
  String reason();

  /** The measurement and verdict the decision rests on (the newest in the stage when none was new). */
  Optional<Judged> evidence();

  default boolean isTransition() {
    return !(this instanceof Stay);
  }

  /** Nothing changes but the recorded evidence. */
  record Stay(String reason, Optional<Judged> evidence) implements Decision {}

  /** To the next stage, PROGRESSING; its minimum duration and analysis start now. */
  record Advance(int toIndex, Stage to, String reason, Optional<Judged> evidence) implements Decision {}

  /** The current stage passed; entering {@code next} needs an approval. */
  record AwaitApproval(int nextIndex, Stage next, String reason, Optional<Judged> evidence) implements Decision {}

  /** The analysis failed; back one stage (the newest cohort returns to the baseline), PROGRESSING. */
  record StepBack(int toIndex, Stage to, String reason, Optional<Judged> evidence) implements Decision {}

  /** Everyone back to the baseline: ROLLED_BACK. */
  record RollBack(String reason, Optional<Judged> evidence) implements Decision {}

  /** Stopped by an operator: everyone back to the baseline, ABORTED. */
  record Abort(String reason, Optional<Judged> evidence) implements Decision {}

  /** Held at the current stage until resumed: PAUSED. */
  record Pause(String reason, Optional<Judged> evidence) implements Decision {}

  /** Resumed: PROGRESSING at the same stage with a fresh analysis. */
  record Resume(String reason, Optional<Judged> evidence) implements Decision {}

  /** The last stage passed (or was approved): the candidate becomes the policy's current version. */
  record Complete(String reason, Optional<Judged> evidence) implements Decision {}
}
