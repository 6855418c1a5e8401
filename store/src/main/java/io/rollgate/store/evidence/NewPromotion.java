package io.rollgate.store.evidence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.policy.PolicyName;
import java.util.Objects;

/** A promotion to execute: the merge patch {@code delta} on {@code policy}, on the evidence of {@code scenario}. */
public record NewPromotion(ScenarioId scenario, PolicyName policy, ObjectNode delta, String reason, String actor) {
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
  }
}
