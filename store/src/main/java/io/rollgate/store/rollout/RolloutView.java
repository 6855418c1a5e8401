package io.rollgate.store.rollout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.rollout.Bucketing;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Variant;
import java.time.Instant;

/**
 * A rollout as stored: its state for the reconciler plus what it changes.
 *
 * @param id {@code {policy}-{n}}; also the bucketing salt, so each rollout of a policy picks its own cohort
 * @param candidate the candidate document, canonical
 * @param completedVersion the version the candidate became, once COMPLETED; else null
 */
public record RolloutView(String id, String policy, RolloutState state, int baselineVersion, String baselineHash,
    ObjectNode candidate, String candidateHash, String changeKind, String changeReason, Integer completedVersion,
    Instant createdAt, Instant updatedAt) {

  public String salt() {
    return id;
  }

  public boolean active() {
    return !state.phase().isTerminal();
  }

  /** The variant {@code subjectKey} gets now (a missing key gets the baseline). */
  public Variant variantFor(String subjectKey) {
    return Bucketing.inCandidate(salt(), subjectKey, state.candidateBasisPoints())
        ? Variant.CANDIDATE : Variant.BASELINE;
  }
}
