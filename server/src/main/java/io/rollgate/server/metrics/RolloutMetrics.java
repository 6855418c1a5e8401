package io.rollgate.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.audit.JournalEntry;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.RolloutState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Rollout gauges and counters (names as docs/prometheus/alerts.yml expects), kept from the journal's
 * {@code rollout.*} entries as a journal listener on the writer thread, plus the loop's measurements
 * (a measurement that changes nothing is not journaled). Series of a finished rollout are removed,
 * so label cardinality is bounded by the active rollouts; the counters are per policy.
 */
public final class RolloutMetrics implements Consumer<List<JournalEntry>> {
  /** Phases with a {@code rollgate_rollout_phase} series while a rollout is in them. */
  private static final List<Phase> ACTIVE = List.of(Phase.PROGRESSING, Phase.AWAITING_APPROVAL, Phase.PAUSED);

  private final Gauge stage;
  private final Gauge percentage;
  private final Gauge errorRate;
  private final Gauge stageStarted;
  private final Gauge phase;
  private final Counter advancements;
  private final Counter rollbacks;
  /** rollout id → {policy, stage name of its stage-started series}: what to remove when it changes or ends. */
  private final Map<String, String[]> series = new ConcurrentHashMap<>();

  RolloutMetrics(PrometheusRegistry registry) {
    stage = Gauge.builder().name("rollgate_rollout_stage")
        .help("The active rollout's current stage number, 1-based").labelNames("policy", "rollout").register(registry);
    percentage = Gauge.builder().name("rollgate_rollout_percentage")
        .help("The candidate's share of subjects, 0-100").labelNames("policy", "rollout").register(registry);
    errorRate = Gauge.builder().name("rollgate_rollout_error_rate")
        .help("The candidate cohort's last measured error rate (a ratio)").labelNames("policy", "rollout")
        .register(registry);
    stageStarted = Gauge.builder().name("rollgate_rollout_stage_started_timestamp_seconds")
        .help("When the active rollout's current stage began, in Unix seconds")
        .labelNames("policy", "rollout", "stage_name").register(registry);
    phase = Gauge.builder().name("rollgate_rollout_phase")
        .help("1 for the active rollout's current phase (PROGRESSING, AWAITING_APPROVAL, PAUSED)")
        .labelNames("policy", "rollout", "phase").register(registry);
    advancements = Counter.builder().name("rollgate_rollout_advancements")
        .help("Rollouts moved to a further stage, automatically or by approval").labelNames("policy")
        .withoutExemplars().register(registry);
    rollbacks = Counter.builder().name("rollgate_rollout_rollbacks")
        .help("Rollouts stepped back one stage or rolled back to the baseline, by the stage they left")
        .labelNames("policy", "from_stage").withoutExemplars().register(registry);
  }

  /** The gauges of rollouts already running when the server starts. */
  public void init(String id, String policy, RolloutState s) {
    show(id, policy, s.stageIndex(), s.stage().name(), s.phase(), s.candidateBasisPoints(), s.stageStartedAt());
    s.analysis().latest().ifPresent(j -> measured(id, policy, j.measurement()));
  }

  /** A measurement the loop took; values and comparisons (the candidate's rate in the stage) move the error-rate gauge. */
  public void measured(String id, String policy, io.rollgate.rollout.Measurement m) {
    if (m instanceof io.rollgate.rollout.Measurement.Value v && series.containsKey(id)) {
      errorRate.labelValues(policy, id).set(v.errorRate());
    }
    if (m instanceof io.rollgate.rollout.Measurement.Comparison c && series.containsKey(id)
        && c.stage().candidateRequests() > 0) {
      errorRate.labelValues(policy, id).set(c.candidateErrorRate());
    }
  }

  @Override
  public void accept(List<JournalEntry> entries) {
    for (JournalEntry e : entries) {
      if (!e.type().startsWith("rollout.")) {
        continue;
      }
      JsonNode p = e.payload();
      String id = p.path("rolloutId").asText();
      String policy = p.path("policy").asText();
      Phase to = Phase.valueOf(p.path("phase").asText());
      JsonNode st = p.path("stage");
      String fromStage = p.path("fromStage").path("name").asText("");
      switch (e.type()) {
        case "rollout.advanced" -> advancements.labelValues(policy).inc();
        case "rollout.stepped_back", "rollout.rolled_back" -> rollbacks.labelValues(policy, fromStage).inc();
        default -> { }
      }
      if (to.isTerminal()) {
        remove(id, policy);
        continue;
      }
      boolean newStage = switch (e.type()) {
        case "rollout.started", "rollout.advanced", "rollout.stepped_back" -> true;
        default -> false;
      };
      String[] known = series.get(id);
      Instant started = newStage || known == null ? e.recordedAt() : null;
      int bp = p.path("percentage").decimalValue().movePointRight(2).intValue();
      show(id, policy, st.path("index").asInt(), st.path("name").asText(), to, bp, started);
      if (p.path("evidence").path("kind").asText().equals("value")) {
        errorRate.labelValues(policy, id).set(p.path("evidence").path("value").asDouble());
      }
    }
  }

  /** @param stageStartedAt null keeps the current stage-started series */
  private void show(String id, String policy, int index, String stageName, Phase ph, int basisPoints,
      Instant stageStartedAt) {
    stage.labelValues(policy, id).set(index + 1);
    percentage.labelValues(policy, id).set(basisPoints / 100.0);
    for (Phase a : ACTIVE) {
      if (a == ph) {
        phase.labelValues(policy, id, a.name()).set(1);
      } else {
        phase.remove(policy, id, a.name());
      }
    }
    if (stageStartedAt != null) {
      String[] old = series.put(id, new String[] {policy, stageName});
      if (old != null && !old[1].equals(stageName)) {
        stageStarted.remove(old[0], id, old[1]);
      }
      stageStarted.labelValues(policy, id, stageName).set(stageStartedAt.toEpochMilli() / 1000.0);
    }
  }

  private void remove(String id, String policy) {
    String[] old = series.remove(id);
    stage.remove(policy, id);
    percentage.remove(policy, id);
    errorRate.remove(policy, id);
    for (Phase a : ACTIVE) {
      phase.remove(policy, id, a.name());
    }
    if (old != null) {
      stageStarted.remove(old[0], id, old[1]);
    }
  }
}
