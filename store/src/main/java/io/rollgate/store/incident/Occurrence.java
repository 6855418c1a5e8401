package io.rollgate.store.incident;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.incident.Severity;
import java.time.Instant;

/**
 * One signal counted on an incident.
 *
 * @param outcome {@code created}, {@code occurrence}, {@code reopened} or {@code suppressed}
 */
public record Occurrence(int n, Instant at, long journalSeq, String outcome, Severity severity, String title,
    ObjectNode details) {}
