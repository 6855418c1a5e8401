package io.rollgate.incident.playbook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an action would do, computed without changing anything: the dry run's answer, and what the
 * executor re-computes inside the command that runs it.
 *
 * @param params the parameters, validated, with defaults filled in
 * @param target what it acts on: {@code rollout:limits-3}, {@code policy:limits}, {@code http:HOST}
 * @param risk this execution's risk (set-percentage is HIGH only upwards)
 * @param approvalReason why it needs an approval; null when it does not
 * @param changes each exact change, one sentence each, e.g. "rollout limits-3: phase PROGRESSING → PAUSED"
 * @param impact who and what it affects, in a sentence
 * @param compensation the execution that would undo it; empty when it cannot be undone
 */
public record Plan(ActionType action, ObjectNode params, String target, Risk risk, String approvalReason,
    List<String> changes, String impact, Optional<Compensation> compensation) {
  public Plan {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(risk, "risk");
    changes = List.copyOf(changes);
    Objects.requireNonNull(impact, "impact");
    Objects.requireNonNull(compensation, "compensation");
    params = params.deepCopy();
  }

  public boolean needsApproval() {
    return approvalReason != null;
  }

  public boolean reversible() {
    return compensation.isPresent();
  }

  /** The action and parameters that undo an execution. */
  public record Compensation(ActionType action, ObjectNode params) {
    public Compensation {
      Objects.requireNonNull(action, "action");
      params = params.deepCopy();
    }
  }
}
