package io.rollgate.store.rollout;

/** What a person can do to a rollout (the reconciler's own decisions are not actions). */
public enum Action {
  /** Approve the next stage or force an advance; admin, four-eyes. */
  ADVANCE,
  PAUSE,
  RESUME,
  /** Everyone back to the baseline: ROLLED_BACK. */
  ROLL_BACK,
  /** Everyone back to the baseline: ABORTED. */
  ABORT
}
