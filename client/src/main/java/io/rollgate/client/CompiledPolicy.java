package io.rollgate.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One policy of a snapshot, prepared for evaluation: every {@link Evaluation} it can return is
 * built once here, and the rollout's hash prefix too, so {@link #evaluate} allocates nothing.
 */
final class CompiledPolicy {
  final String name;
  final int version;
  final String stateHash;
  final JsonNode document;
  /** Null outside a rollout. */
  final Rollout rollout;
  /** Null outside a rollout. */
  final Outcomes outcomes;
  private final Evaluation fixed;
  private final Evaluation baseline;
  private final Evaluation candidate;
  private final Evaluation noSubject;

  /**
   * An active rollout as the snapshot carries it.
   *
   * @param id the rollout id, which is also the bucketing salt
   * @param baselineVersion the version the rollout started from: the server serves the candidate only
   *     while it is still the policy's current version
   */
  record Rollout(String id, int basisPoints, String phase, int baselineVersion, JsonNode candidate,
      String candidateHash, Bucketing.Prefix prefix) {}

  CompiledPolicy(String name, int version, String stateHash, JsonNode document, Rollout rollout, Outcomes outcomes) {
    this.name = name;
    this.version = version;
    this.stateHash = stateHash;
    this.document = document;
    this.rollout = rollout;
    this.outcomes = outcomes;
    String rolloutId = rollout == null ? null : rollout.id();
    this.fixed = new Evaluation(name, document, Variant.BASELINE, version, stateHash, rolloutId, Reason.STATIC, null);
    this.baseline = new Evaluation(name, document, Variant.BASELINE, version, stateHash, rolloutId, Reason.SPLIT, null);
    this.noSubject = new Evaluation(name, document, Variant.BASELINE, version, stateHash, rolloutId,
        Reason.NO_SUBJECT, null);
    this.candidate = rollout == null ? null : new Evaluation(name, rollout.candidate(), Variant.CANDIDATE, null,
        rollout.candidateHash(), rolloutId, Reason.SPLIT, null);
  }

  /** True while a rollout splits the subjects (the server's condition in {@code /api/v1/evaluate}). */
  private boolean splitting() {
    return rollout != null && rollout.baselineVersion() == version;
  }

  Evaluation evaluate(String subjectKey) {
    if (!splitting()) {
      return fixed;
    }
    if (subjectKey == null || subjectKey.isBlank()) {
      return noSubject;
    }
    return Bucketing.bucket(rollout.prefix(), subjectKey) < rollout.basisPoints() ? candidate : baseline;
  }

  /** What {@link #evaluate} would choose, without the evaluation. */
  Variant variant(String subjectKey) {
    if (!splitting() || subjectKey == null || subjectKey.isBlank()) {
      return Variant.BASELINE;
    }
    return Bucketing.bucket(rollout.prefix(), subjectKey) < rollout.basisPoints() ? Variant.CANDIDATE : Variant.BASELINE;
  }

  /** True when a subject could get something else from {@code other} than from this. */
  boolean differsFrom(CompiledPolicy other) {
    if (other == null || version != other.version || !stateHash.equals(other.stateHash)) {
      return true;
    }
    if (rollout == null || other.rollout == null) {
      return rollout != other.rollout;
    }
    return !rollout.id().equals(other.rollout.id()) || rollout.basisPoints() != other.rollout.basisPoints()
        || rollout.baselineVersion() != other.rollout.baselineVersion()
        || !rollout.candidateHash().equals(other.rollout.candidateHash());
  }
}
