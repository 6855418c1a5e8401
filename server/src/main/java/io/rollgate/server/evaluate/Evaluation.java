package io.rollgate.server.evaluate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.rollout.Variant;
import java.util.Optional;

/**
 * What one subject gets from one policy now: the document, which variant it is, and how it was decided.
 *
 * @param version the policy version the document is; null for the candidate, which is not a version
 *     until its rollout completes
 * @param rollout the policy's active rollout, if it has one
 */
public record Evaluation(String policy, ObjectNode document, Variant variant, Integer version, String stateHash,
    Optional<Rollout> rollout) {

  /**
   * The policy's active rollout.
   *
   * @param splits true when the rollout starts from the version evaluated, so the subject's bucket
   *     decides between baseline and candidate; false in the instant between a rollout ending and
   *     another starting, when the current version is served to everyone
   */
  public record Rollout(String id, int basisPoints, boolean splits) {}

  /** True when the subject's bucket decided this answer (OFREP reason SPLIT); false for a static answer. */
  public boolean split() {
    return rollout.map(Rollout::splits).orElse(false);
  }
}
