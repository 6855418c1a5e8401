package io.rollgate.store.rollout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.RolloutSpec;
import java.util.Objects;

/**
 * A rollout to create: the candidate as a full {@code document} or a merge-patch {@code delta} on
 * the current version (exactly one of them), how to stage and judge it, and why.
 */
public record NewRollout(PolicyName policy, ObjectNode document, ObjectNode delta, RolloutSpec spec, String reason) {
  public static final int MAX_REASON = 1_000;

  public NewRollout {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(spec, "spec");
    if ((document == null) == (delta == null)) {
      throw new InvalidInputException(document == null ? "delta" : "document",
          "give the candidate as exactly one of 'document' (the full new document) or 'delta' (a merge patch)");
    }
    if (reason != null && reason.length() > MAX_REASON) {
      throw new InvalidInputException("reason", "reason must be at most " + MAX_REASON + " characters, got "
          + reason.length());
    }
  }
}
