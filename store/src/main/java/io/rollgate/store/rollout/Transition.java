package io.rollgate.store.rollout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One journaled step of a rollout, as kept for its history.
 *
 * @param type the journal entry type, e.g. {@code rollout.advanced}
 * @param payload the journal entry's payload: phases, stages, reason, evidence
 */
public record Transition(int n, Instant at, long journalSeq, String type, String actor, ObjectNode payload) {}
