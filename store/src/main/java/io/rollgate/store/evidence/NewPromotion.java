package io.rollgate.store.evidence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.RolloutSpec;
import java.util.Objects;

/**
 * A promotion to execute: the merge patch {@code delta} on {@code policy}, on the evidence of
 * {@code scenario}; applied at once, or through a staged {@code rollout}, or applied at once and
 * then {@code watch}ed (at most one of the two).
 */
public record NewPromotion(ScenarioId scenario, PolicyName policy, ObjectNode delta, String reason, String actor,
    RolloutSpec rollout, PromotionWatch watch) {
  public static final int MAX_REASON = 1_000;

  public NewPromotion {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(actor, "actor");
    if (delta == null) {
      throw new InvalidInputException("delta", "'delta' is required: the merge patch to promote");
    }
    if (reason != null && reason.length() > MAX_REASON) {
      throw new InvalidInputException("reason", "'reason' must be at most " + MAX_REASON + " characters, got "
          + reason.length());
    }
    if (rollout != null && watch != null) {
      throw new InvalidInputException("watch", "give 'rollout' or 'watch', not both: a staged rollout is already "
          + "judged by its own analysis");
    }
  }

  /** A direct promotion: applied at once, not watched. */
  public NewPromotion(ScenarioId scenario, PolicyName policy, ObjectNode delta, String reason, String actor) {
    this(scenario, policy, delta, reason, actor, null, null);
  }
}
