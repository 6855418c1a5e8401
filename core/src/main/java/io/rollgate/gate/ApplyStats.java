package io.rollgate.gate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Apply statistics over a set of proposals (origin document 002, phase 3): how many proposed changes
 * landed. Pure: the store hands it the proposals of a time window or of a soak session.
 *
 * <p>{@code fullApplyRatio} = applied / proposals, null when there were no proposals (no data is not
 * a ratio of 1). A signature is <em>stuck</em> when the same proposal failed at least
 * {@link #STUCK_REPEATS} times and never applied within the set: the same change repeatedly producing
 * no state change without a skip reason to explain it. A skipped proposal (a guard fired, or a no-op:
 * the change is already in place) is 002's "partial ok" and never stuck.
 *
 * @param stuckSignatures the stuck signatures, in the order they first got stuck (at most {@link #MAX_LISTED})
 */
public record ApplyStats(
    int proposals,
    int applied,
    int partialOk,
    int failed,
    int signatureStuck,
    Double fullApplyRatio,
    List<String> stuckSignatures) {
  public static final int STUCK_REPEATS = 2;
  public static final int MAX_LISTED = 20;
  public static final ApplyStats EMPTY = of(List.of());

  public ApplyStats {
    if (proposals != applied + partialOk + failed) {
      throw new IllegalArgumentException("proposals (" + proposals + ") must equal applied + partialOk + failed ("
          + applied + " + " + partialOk + " + " + failed + ")");
    }
    stuckSignatures = List.copyOf(stuckSignatures);
  }

  /** @param proposals in the order they were made (journal order) */
  public static ApplyStats of(List<Proposal> proposals) {
    int applied = 0;
    int skipped = 0;
    int failed = 0;
    record Seen(int failures, boolean applied) {}
    Map<String, Seen> bySignature = new LinkedHashMap<>();
    List<String> stuckOrder = new ArrayList<>();
    for (Proposal p : proposals) {
      switch (p.outcome()) {
        case APPLIED -> applied++;
        case SKIPPED -> skipped++;
        case FAILED -> failed++;
      }
      if (p.signature() == null) {
        continue;
      }
      Seen s = bySignature.getOrDefault(p.signature(), new Seen(0, false));
      s = new Seen(s.failures() + (p.outcome() == ProposalOutcome.FAILED ? 1 : 0),
          s.applied() || p.outcome() == ProposalOutcome.APPLIED);
      bySignature.put(p.signature(), s);
      if (s.failures() == STUCK_REPEATS && !s.applied()) {
        stuckOrder.add(p.signature());
      }
    }
    List<String> stuck = stuckOrder.stream().filter(sig -> !bySignature.get(sig).applied()).toList();
    int n = proposals.size();
    Double ratio = n == 0 ? null : (double) applied / n;
    return new ApplyStats(n, applied, skipped, failed, stuck.size(), ratio,
        stuck.size() > MAX_LISTED ? stuck.subList(0, MAX_LISTED) : stuck);
  }
}
