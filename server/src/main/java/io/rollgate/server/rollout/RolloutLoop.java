package io.rollgate.server.rollout;

import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.Reconciler;
import io.rollgate.rollout.Step;
import io.rollgate.server.analysis.AnalysisProvider;
import io.rollgate.server.metrics.RolloutMetrics;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives every active rollout: on each tick, a rollout whose measurement is due is measured by its
 * provider (all due ones concurrently, outside the journal writer) and reconciled with it; any other
 * rollout is reconciled only when the pure reconciler, looking at it without new evidence, would
 * move it (a minimum duration ran out, a deadline passed). Quiet rollouts cost no write.
 *
 * <p>The clock is injected: tests call {@link #tick()} after moving it; the server runs it on a
 * fixed delay. One tick at a time (a slow provider delays the next tick, never overlaps it).
 */
public final class RolloutLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolloutLoop.class);

  private final RolloutStore store;
  private final Map<AnalysisSettings.Provider, AnalysisProvider> providers;
  private final InstantSource clock;
  private final RolloutMetrics metrics;
  private ScheduledExecutorService scheduler;

  /** What one tick did: rollouts looked at, measurements taken, transitions made, rollouts that failed. */
  public record Tick(int active, int measured, int transitions, int failed) {}

  public RolloutLoop(RolloutStore store, Map<AnalysisSettings.Provider, AnalysisProvider> providers,
      InstantSource clock, RolloutMetrics metrics) {
    this.store = store;
    this.providers = new EnumMap<>(AnalysisSettings.Provider.class);
    this.providers.putAll(providers);
    this.providers.putIfAbsent(AnalysisSettings.Provider.OUTCOMES, new OutcomesProvider(store));
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Seeds the gauges with the rollouts already running, then ticks every {@code every} (zero: never). */
  public synchronized void start(Duration every) {
    start(every, java.util.function.UnaryOperator.identity());
  }

  /** As {@link #start(Duration)}, each tick wrapped by {@code around} (on replicas: run only by the leader). */
  public synchronized void start(Duration every, java.util.function.UnaryOperator<Runnable> around) {
    for (RolloutView v : store.active()) {
      metrics.init(v.id(), v.policy(), v.state());
    }
    if (every.isZero()) {
      return;
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rollgate-rollouts");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(around.apply(this::tickQuietly), every.toMillis(), every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) { // the database is down, say: try again next tick
      log.warn("rollout loop tick failed: {}", e.toString());
    }
  }

  /** One pass over every active rollout; returns when each has been measured and reconciled. */
  public synchronized Tick tick() {
    Instant now = clock.instant();
    List<RolloutView> active = store.active();
    List<RolloutView> due = new ArrayList<>();
    int transitions = 0;
    int failed = 0;
    for (RolloutView v : active) {
      if (v.state().nextMeasurementAt().filter(at -> !now.isBefore(at)).isPresent()) {
        due.add(v);
      } else if (Reconciler.decide(v.state(), now, Optional.empty()).decision().isTransition()) {
        Outcome o = reconcile(v, Optional.empty());
        transitions += o.transition ? 1 : 0;
        failed += o.failed ? 1 : 0;
      }
    }
    List<Measurement> taken = measureAll(due, now);
    for (int i = 0; i < due.size(); i++) {
      RolloutView v = due.get(i);
      Measurement m = taken.get(i);
      metrics.measured(v.id(), v.policy(), m);
      Outcome o = reconcile(v, Optional.of(m));
      transitions += o.transition ? 1 : 0;
      failed += o.failed ? 1 : 0;
    }
    return new Tick(active.size(), due.size(), transitions, failed);
  }

  /**
   * Measures rollout {@code id} now, off schedule, and reconciles it with the reading: a playbook's
   * rerun-analysis. Serialised with the ticks, like one.
   */
  public synchronized RolloutStore.Applied measureNow(String id) {
    RolloutView v = store.require(id);
    Measurement m = measure(v, clock.instant());
    metrics.measured(v.id(), v.policy(), m);
    return store.reconcile(id, Optional.of(m));
  }

  private record Outcome(boolean transition, boolean failed) {}

  private Outcome reconcile(RolloutView v, Optional<Measurement> m) {
    try {
      Step step = store.reconcile(v.id(), m).step();
      if (step.decision().isTransition()) {
        log.info("rollout {} ({}): {} — {}", v.id(), v.policy(), RolloutStore.type(step.decision()),
            step.decision().reason());
        return new Outcome(true, false);
      }
      return new Outcome(false, false);
    } catch (RuntimeException e) { // one rollout's trouble must not stop the others
      log.warn("rollout {} ({}): reconciling failed: {}", v.id(), v.policy(), e.toString());
      return new Outcome(false, true);
    }
  }

  /** Measures concurrently on virtual threads; each provider bounds its own time. */
  private List<Measurement> measureAll(List<RolloutView> due, Instant now) {
    if (due.isEmpty()) {
      return List.of();
    }
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Measurement>> futures = new ArrayList<>();
      for (RolloutView v : due) {
        futures.add(pool.submit(() -> measure(v, now)));
      }
      List<Measurement> out = new ArrayList<>();
      for (Future<Measurement> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          out.add(new Measurement.ProviderError(now, "the provider failed: " + e.getCause()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          out.add(new Measurement.ProviderError(now, "interrupted while measuring"));
        }
      }
      return out;
    }
  }

  private Measurement measure(RolloutView v, Instant now) {
    var settings = v.state().spec().analysis();
    AnalysisProvider p = providers.get(settings.provider());
    if (p == null) {
      return new Measurement.ProviderError(now, "no " + settings.provider() + " provider is configured");
    }
    var target = new AnalysisProvider.Target(v.policy(), v.id(), v.state().stage().name(), settings,
        v.state().analysisStartedAt());
    try {
      return p.measure(target, now);
    } catch (RuntimeException e) { // a provider bug is still not a failure of the candidate
      return new Measurement.ProviderError(now, settings.provider() + " provider failed: " + e);
    }
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }
}
