package io.rollgate.store.evidence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A promotion: the delta applied to the policy on the evidence of its scenarios (the eligibility of
 * every bound scenario at that moment), and, once rolled back, how and into which learned scenario.
 *
 * <p>A promotion via a staged rollout is {@link #ROLLING_OUT} with {@code newVersion} 0 (no version
 * yet; {@code newHash} is the candidate's) until its rollout ends. A watched promotion carries its
 * watch settings, the instant after which it is final, and the last reading.
 */
public record PromotionView(String id, String policy, String scenario, String status, ObjectNode delta, String reason,
    int oldVersion, String oldHash, int newVersion, String newHash, ArrayNode eligibility, String promotedBy,
    Instant promotedAt, Rollback rollback, String rolloutId, ObjectNode watch, Instant watchUntil,
    ObjectNode watchLast) {
  public static final String PROMOTED = "promoted";
  public static final String ROLLED_BACK = "rolled_back";
  public static final String ROLLING_OUT = "rolling_out";
  public static final String ABORTED = "aborted";

  /** A direct promotion as executed (no rollout, no watch). */
  public PromotionView(String id, String policy, String scenario, String status, ObjectNode delta, String reason,
      int oldVersion, String oldHash, int newVersion, String newHash, ArrayNode eligibility, String promotedBy,
      Instant promotedAt, Rollback rollback) {
    this(id, policy, scenario, status, delta, reason, oldVersion, oldHash, newVersion, newHash, eligibility,
        promotedBy, promotedAt, rollback, null, null, null, null);
  }

  /** How a promotion was undone. */
  public record Rollback(String reason, String by, Instant at, int version, String regressionScenario) {}
}
