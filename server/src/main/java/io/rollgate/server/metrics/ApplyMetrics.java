package io.rollgate.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.audit.JournalEntry;
import java.util.List;
import java.util.function.Consumer;

/**
 * Apply outcomes per policy, counted from the journal's {@code policy.applied},
 * {@code policy.skipped} and {@code policy.rejected} entries. Runs as a journal listener, on the writer thread, after each commit.
 * The policy label is bounded by the number of policies; the reason label by the guards.
 */
final class ApplyMetrics implements Consumer<List<JournalEntry>> {
  static final String APPLIED = "policy.applied";
  static final String SKIPPED = "policy.skipped";
  static final String REJECTED = "policy.rejected";
  /** The guards in the apply pipeline's priority order, as the field names of a skip reason. */
  private static final List<String> GUARDS = List.of("freeze", "oscillation", "velocity", "cooldown", "noOp");

  private final Counter applies;

  ApplyMetrics(PrometheusRegistry registry) {
    applies = Counter.builder()
        .name("rollgate_policy_apply")
        .help("Changes proposed to a policy, by outcome (applied, skipped, rejected) and, for a skip, the "
            + "highest-priority guard that fired (freeze > oscillation > velocity > cooldown > noOp), for a rejection "
            + "its cause (rollout, reported); reason is none when applied")
        .labelNames("policy", "outcome", "reason")
        .withoutExemplars()
        .register(registry);
  }

  @Override
  public void accept(List<JournalEntry> entries) {
    for (JournalEntry e : entries) {
      switch (e.type()) {
        case APPLIED -> applies.labelValues(e.subject(), "applied", "none").inc();
        case SKIPPED -> applies.labelValues(e.subject(), "skipped", skipReason(e.payload().path("skipReason"))).inc();
        case REJECTED -> applies.labelValues(e.subject(), "rejected",
            "rollout".equals(e.payload().path("cause").asText()) ? "rollout" : "reported").inc();
        default -> { }
      }
    }
  }

  /** The first guard that fired, in priority order; "unknown" if the entry names none (never expected). */
  static String skipReason(JsonNode reason) {
    for (String guard : GUARDS) {
      if (reason.path(guard).asBoolean(false)) {
        return guard;
      }
    }
    return "unknown";
  }
}
