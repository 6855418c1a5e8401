package io.rollgate.client;

import java.util.concurrent.atomic.LongAdder;

/**
 * Outcome counts of one rollout, per variant. Callers add with {@link LongAdder#increment} (no
 * lock, no allocation once the adder's cells exist); the flusher drains them with
 * {@code sumThenReset}, which loses no concurrent increment: each lands before or after the drain.
 * Counts a flush could not deliver wait in {@code carried*}, touched by the flusher thread only.
 */
final class Outcomes {
  final String policy;
  final String rolloutId;
  private final LongAdder[] success = {new LongAdder(), new LongAdder()};
  private final LongAdder[] error = {new LongAdder(), new LongAdder()};
  // the flusher's own: undelivered counts, per variant
  final long[] carriedSuccess = new long[2];
  final long[] carriedError = new long[2];

  Outcomes(String policy, String rolloutId) {
    this.policy = policy;
    this.rolloutId = rolloutId;
  }

  void record(Variant variant, boolean ok) {
    (ok ? success : error)[variant.ordinal()].increment();
  }

  /** Moves what callers added since the last drain into the carried counts; true when anything is waiting. */
  boolean drain() {
    boolean any = false;
    for (int v = 0; v < 2; v++) {
      carriedSuccess[v] += success[v].sumThenReset();
      carriedError[v] += error[v].sumThenReset();
      any |= carriedSuccess[v] > 0 || carriedError[v] > 0;
    }
    return any;
  }

  void clearCarried() {
    java.util.Arrays.fill(carriedSuccess, 0);
    java.util.Arrays.fill(carriedError, 0);
  }
}
