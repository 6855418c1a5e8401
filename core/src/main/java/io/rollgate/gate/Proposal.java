package io.rollgate.gate;

import java.time.Instant;
import java.util.Objects;

/**
 * One proposed change as the statistics see it.
 *
 * @param signature SHA-256 of what was proposed (the canonical merge patch, or the document), or null
 *     when nothing identifies it (a failure reported without one); null signatures are never stuck
 */
public record Proposal(long seq, Instant at, String signature, ProposalOutcome outcome) {
  public Proposal {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(outcome, "outcome");
  }
}
