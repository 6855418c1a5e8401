package io.rollgate.store.incident;

import io.rollgate.incident.State;
import java.time.Instant;

/**
 * One change of an incident's state: who, why, when.
 *
 * @param from null for the creation
 */
public record StateChange(int n, Instant at, long journalSeq, State from, State to, String actor, String reason) {}
