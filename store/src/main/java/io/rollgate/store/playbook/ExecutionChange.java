package io.rollgate.store.playbook;

import io.rollgate.incident.playbook.ExecutionState;
import java.time.Instant;

/** One change of an execution's state: who, why, when, and the journal entry that recorded it. */
public record ExecutionChange(int n, Instant at, long journalSeq, ExecutionState from, ExecutionState to,
    String actor, String reason) {}
