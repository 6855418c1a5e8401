package io.rollgate.store.incident;

import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.State;
import java.time.Instant;

/**
 * An incident as stored.
 *
 * @param dedupKey SHA-256 (hex) of {@code identity}
 * @param identity the normalised source identity, canonical JSON {@code {"kind","source"}}
 * @param occurrences signals counted on it, the first included
 * @param reopened how many times a signal within the reopen window reopened it
 */
public record IncidentView(long id, String dedupKey, String identity, Kind kind, String source, Severity severity,
    State state, String title, int occurrences, Instant createdAt, Instant updatedAt, Instant lastOccurrenceAt,
    Instant acknowledgedAt, Instant mitigatedAt, Instant resolvedAt, Instant closedAt, int reopened) {}
