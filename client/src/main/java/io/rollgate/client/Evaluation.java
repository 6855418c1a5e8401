package io.rollgate.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * What a subject gets for a key ({@code policy} or {@code policy.field.sub}), computed locally
 * exactly as the server's {@code GET /api/v1/evaluate/{policy}} would.
 *
 * <p>The value is shared with the client's snapshot and with every other caller: read it, never
 * modify it.
 *
 * @param key the policy name or {@code policy.path} asked for
 * @param value the document (or the nested value); {@link MissingNode} when {@link Reason#hasValue()} is false
 * @param variant baseline or candidate; null when no policy value applies
 * @param version the policy version served; null for a candidate (it has no version until the rollout
 *     completes) and when no policy value applies
 * @param stateHash SHA-256 of the canonical document served (the whole policy document, also for a path)
 * @param rolloutId the active rollout, if any (it is also the bucketing salt)
 * @param reason why this value
 * @param detail a sentence for a default (names the key and what was missing); null otherwise
 */
public record Evaluation(String key, JsonNode value, Variant variant, Integer version, String stateHash,
    String rolloutId, Reason reason, String detail) {

  public Evaluation {
    if (value == null) {
      value = MissingNode.getInstance();
    }
  }

  static Evaluation noValue(String key, Reason reason, String detail) {
    return new Evaluation(key, MissingNode.getInstance(), null, null, null, null, reason, detail);
  }

  /** The same policy value, seen through {@code key} at {@code nested}. */
  Evaluation at(String nestedKey, JsonNode nested) {
    return new Evaluation(nestedKey, nested, variant, version, stateHash, rolloutId, reason, null);
  }

  /** True when the value comes from a policy; false when the caller's default applies. */
  public boolean hasValue() {
    return reason.hasValue();
  }
}
