package io.rollgate.rollout;

/** A single measurement judged against its stage. */
public enum Verdict {
  /** Error rate ≤ the stage's maxErrorRate over enough samples. */
  PASS,
  /** Error rate > the stage's maxErrorRate. */
  FAIL,
  /** No data, or fewer than minSamples: says nothing either way. */
  INCONCLUSIVE,
  /** The provider could not measure. */
  ERROR
}
