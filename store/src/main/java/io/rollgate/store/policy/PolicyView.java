package io.rollgate.store.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.policy.GuardConfig;
import java.time.Instant;

/** A policy as the API shows it: its current version and how it is guarded. */
public record PolicyView(
    String name, int version, String stateHash, ObjectNode document, boolean frozen, String frozenReason,
    String frozenBy, Instant frozenAt, GuardConfig guards, Instant createdAt, Instant updatedAt) {}
