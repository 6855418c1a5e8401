package io.rollgate.store.evidence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A promotion: the delta applied to the policy on the evidence of its scenarios (the eligibility of
 * every bound scenario at that moment), and, once rolled back, how and into which learned scenario.
 */
public record PromotionView(String id, String policy, String scenario, String status, ObjectNode delta, String reason,
    int oldVersion, String oldHash, int newVersion, String newHash, ArrayNode eligibility, String promotedBy,
    Instant promotedAt, Rollback rollback) {
  public static final String PROMOTED = "promoted";
  public static final String ROLLED_BACK = "rolled_back";

  /** How a promotion was undone. */
  public record Rollback(String reason, String by, Instant at, int version, String regressionScenario) {}
}
