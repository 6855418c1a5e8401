package io.rollgate.rollout;

import java.util.Objects;

/**
 * A decision and the state it leads to. {@code actor} is {@link #RECONCILER} for automatic
 * decisions, or the person who acted.
 */
public record Step(Decision decision, RolloutState state, String actor) {
  public static final String RECONCILER = "reconciler";

  public Step {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(actor, "actor");
  }
}
