package io.rollgate.server.incident;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.incident.Signal;
import io.rollgate.store.incident.IncidentStore;
import java.util.Objects;

/**
 * The one way into incidents for every source: bridges (rollouts, verification, attestation), and
 * later gates and budgets, call {@link #signal}. Counts every signal by kind and outcome in
 * {@code rollgate_incident_signals_total}, so a suppressed signal is visible, never silent.
 */
public final class IncidentService {
  private final IncidentStore store;
  private final Counter signals;

  public IncidentService(IncidentStore store, PrometheusRegistry registry) {
    this.store = Objects.requireNonNull(store, "store");
    this.signals = Counter.builder().name("rollgate_incident_signals")
        .help("Signals that reached incidents, by kind and outcome (created, occurrence, reopened, suppressed, failed)")
        .labelNames("kind", "outcome").withoutExemplars().register(registry);
  }

  /**
   * Records {@code signal} and waits for its commit: a new incident, an occurrence of the open one,
   * a reopen, or a suppressed occurrence of the latest one. Safe from any thread except the journal
   * writer's (a journal listener must hand off, see {@link IncidentBridge}).
   */
  public IncidentStore.Signaled signal(Signal signal) {
    try {
      IncidentStore.Signaled s = store.signal(signal);
      signals.labelValues(signal.kind().wire(), s.outcome().wire()).inc();
      return s;
    } catch (RuntimeException e) {
      signals.labelValues(signal.kind().wire(), "failed").inc();
      throw e;
    }
  }

  /**
   * {@link #signal}, for a signal derived from journal entry {@code seq}: skipped (empty) when cursor
   * {@code cursor} is already past it, else recorded with the cursor moved to it in one command.
   */
  public java.util.Optional<IncidentStore.Signaled> signalFromJournal(String cursor, long seq, Signal signal) {
    try {
      var s = store.signalFromJournal(cursor, seq, signal);
      s.ifPresent(x -> signals.labelValues(signal.kind().wire(), x.outcome().wire()).inc());
      return s;
    } catch (RuntimeException e) {
      signals.labelValues(signal.kind().wire(), "failed").inc();
      throw e;
    }
  }

  public IncidentStore store() {
    return store;
  }
}
