package io.rollgate.store.evidence;

import io.rollgate.evidence.Criteria;
import java.time.Instant;
import java.util.List;

/**
 * A scenario as stored. {@code learnedFrom} and {@code learnedBy} are set on a regression scenario:
 * the scenario whose promotion was rolled back, and that promotion.
 */
public record ScenarioView(String id, Criteria criteria, List<String> tags, String learnedFrom, String learnedBy,
    String reason, String createdBy, Instant createdAt, long totalRuns, List<String> policies) {
  public static final String LEARNED_TAG = "learned_constraint";
}
