package io.rollgate.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** One stored version of a policy. {@code document} is the canonical form that {@code stateHash} covers. */
public record PolicyVersion(
    String policy, int version, ObjectNode document, String stateHash, ChangeKind kind,
    String reason, String actor, Instant createdAt, long journalSeq) {}
