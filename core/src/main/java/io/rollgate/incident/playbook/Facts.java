package io.rollgate.incident.playbook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.rollout.RolloutState;
import java.util.Objects;
import java.util.Optional;

/**
 * What a plan may look at: the store answers from a read (a dry run) or from inside the journal
 * command that executes the action (so the plan and the change see the same state).
 */
public interface Facts {
  Optional<RolloutFacts> rollout(String id);

  Optional<PolicyFacts> policy(String name);

  /** The document of {@code version} of {@code policy}, if it exists. */
  Optional<ObjectNode> version(String policy, int version);

  /** A rollout as a plan sees it. */
  record RolloutFacts(String id, String policy, RolloutState state) {
    public RolloutFacts {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(state, "state");
    }
  }

  /**
   * A policy as a plan sees it.
   *
   * @param activeRollout the id of its running rollout, or null
   */
  record PolicyFacts(String name, int version, ObjectNode document, boolean frozen, String frozenReason,
      String activeRollout) {
    public PolicyFacts {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(document, "document");
    }
  }
}
