package io.rollgate.store.rollout;

import io.rollgate.error.InvalidInputException;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.Variant;
import java.util.Objects;

/** Counts an application reports for one variant of a policy under rollout since its last report. */
public record Outcome(PolicyName policy, Variant variant, long success, long error) {
  /** Per report; a larger count is a bug in the reporter, not traffic. */
  public static final long MAX_COUNT = 1_000_000_000L;

  public Outcome {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(variant, "variant");
    if (success < 0 || success > MAX_COUNT) {
      throw new InvalidInputException("success", "success must be between 0 and " + MAX_COUNT + ", got " + success);
    }
    if (error < 0 || error > MAX_COUNT) {
      throw new InvalidInputException("error", "error must be between 0 and " + MAX_COUNT + ", got " + error);
    }
  }
}
