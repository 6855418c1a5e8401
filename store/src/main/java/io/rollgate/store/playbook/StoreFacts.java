package io.rollgate.store.playbook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.incident.playbook.Facts;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.PolicyVersion;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** {@link Facts} as one handle sees them: a read transaction for a dry run, the command's for an execution. */
record StoreFacts(Handle h) implements Facts {
  @Override
  public Optional<RolloutFacts> rollout(String id) {
    return RolloutStore.find(h, id).map(v -> new RolloutFacts(v.id(), v.policy(), v.state()));
  }

  @Override
  public Optional<PolicyFacts> policy(String name) {
    return PolicyStore.find(h, PolicyName.of(name)).map(v -> new PolicyFacts(v.name(), v.version(), v.document(),
        v.frozen(), v.frozenReason(), RolloutStore.activeOf(h, v.name()).map(RolloutView::id).orElse(null)));
  }

  @Override
  public Optional<ObjectNode> version(String policy, int version) {
    return PolicyStore.version(h, PolicyName.of(policy), version).map(PolicyVersion::document);
  }
}
