package io.rollgate.rollout.judge;

/** What {@link Srm} found, with χ², p and a sentence naming the counts. */
public sealed interface SrmResult {
  double chiSquare();

  double pValue();

  long observedCandidate();

  double expectedCandidate();

  String reason();

  /** True only for {@link Mismatch}: hold the rollout and raise an incident. */
  default boolean isMismatch() {
    return this instanceof Mismatch;
  }

  /** The split follows the stages (p ≥ 0.001). */
  record Healthy(double chiSquare, double pValue, long observedCandidate, double expectedCandidate, String reason)
      implements SrmResult {}

  /** The split does not follow the stages: p &lt; 0.001 over at least 16 requests. */
  record Mismatch(double chiSquare, double pValue, long observedCandidate, double expectedCandidate, String reason)
      implements SrmResult {}

  /** Fewer than 16 requests: nothing to say yet. */
  record TooFewRequests(double chiSquare, double pValue, long observedCandidate, double expectedCandidate,
      String reason) implements SrmResult {}
}
