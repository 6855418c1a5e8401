package io.rollgate.server.evidence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.evidence.RegressionRule;
import io.rollgate.json.Json;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Measurement;
import io.rollgate.server.analysis.AnalysisProvider;
import io.rollgate.store.evidence.EvidenceStore;
import io.rollgate.store.evidence.PromotionView;
import io.rollgate.store.evidence.PromotionWatch;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps promotions in line with what happens after them.
 *
 * <p><b>Promotions via a rollout</b> learn of the rollout's end from the journal: as a listener it
 * sees {@code rollout.completed / rolled_back / aborted} on the writer thread and only hands the
 * rollout id to its own thread (never blocking the writer), which runs
 * {@link EvidenceStore#followRollout}. Every {@link #tick()} also sweeps the promotions still rolling
 * out, so a hand-off lost to a restart or a full queue is caught up by the next tick.
 *
 * <p><b>Watched promotions</b>: each tick, a promoted promotion whose watch window is open and whose
 * interval has passed is measured by its provider; a reading above {@code maxErrorRate} (over at
 * least minSamples requests when the count is known) is a failure, and more than failureLimit
 * failures roll it back as a person would, learning the regression scenario. A provider error or no
 * data is never a failure. After the window the promotion is final. The clock is injected: tests
 * move it and call {@link #tick()}.
 */
public final class PromotionLoop implements Consumer<List<JournalEntry>>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PromotionLoop.class);
  private static final Set<String> ROLLOUT_ENDS = Set.of("rollout.completed", "rollout.rolled_back", "rollout.aborted");
  static final int MAX_PENDING = 10_000;
  /** The actor of a rollback the watch decides. */
  public static final String WATCH_ACTOR = "promotion-watch";

  private final EvidenceStore evidence;
  private final Map<AnalysisSettings.Provider, AnalysisProvider> providers;
  private final InstantSource clock;
  private final ExecutorService handoff;
  private ScheduledExecutorService scheduler;

  /** What one tick did: promotions brought in line with their ended rollout, watch readings, watch rollbacks. */
  public record Tick(int followed, int measured, int rolledBack) {}

  public PromotionLoop(EvidenceStore evidence, Map<AnalysisSettings.Provider, AnalysisProvider> providers,
      InstantSource clock) {
    this.evidence = evidence;
    this.providers = new EnumMap<>(AnalysisSettings.Provider.class);
    this.providers.putAll(providers);
    this.clock = clock;
    this.handoff = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_PENDING),
        Thread.ofPlatform().name("rollgate-promotions").daemon(true).factory());
  }

  /** On the journal writer thread: hand each ended rollout to our own thread, nothing more. */
  @Override
  public void accept(List<JournalEntry> batch) {
    for (JournalEntry e : batch) {
      if (ROLLOUT_ENDS.contains(e.type())) {
        String rolloutId = e.payload().path("rolloutId").asText(null);
        if (rolloutId != null) {
          try {
            handoff.execute(() -> follow(rolloutId));
          } catch (RejectedExecutionException full) { // the next tick's sweep catches up
            log.warn("promotions: hand-off queue full or closed; rollout {} is followed at the next tick", rolloutId);
          }
        }
      }
    }
  }

  private int follow(String rolloutId) {
    try {
      var p = evidence.followRollout(rolloutId);
      p.ifPresent(v -> log.info("promotion {} follows rollout {}: {}", v.id(), rolloutId, v.status()));
      return p.isPresent() ? 1 : 0;
    } catch (RuntimeException e) {
      log.warn("promotion of rollout {}: following it failed: {}", rolloutId, e.toString());
      return 0;
    }
  }

  /** Ticks every {@code every} (zero: never; tests call {@link #tick()}). Catches up once at start. */
  public synchronized void start(Duration every) {
    start(every, java.util.function.UnaryOperator.identity());
  }

  /** As {@link #start(Duration)}, each tick wrapped by {@code around} (on replicas: run only by the leader). */
  public synchronized void start(Duration every, java.util.function.UnaryOperator<Runnable> around) {
    if (every.isZero()) {
      return;
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rollgate-promotion-watch");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(around.apply(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        log.warn("promotion loop tick failed: {}", e.toString());
      }
    }), 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  public synchronized Tick tick() {
    int followed = 0;
    for (String rolloutId : evidence.rollingOut()) {
      followed += follow(rolloutId);
    }
    Instant now = clock.instant();
    int measured = 0;
    int rolledBack = 0;
    for (PromotionView p : evidence.watched(now)) {
      PromotionWatch w = PromotionWatch.fromJson(Json.write(p.watch()));
      Instant last = p.watchLast() == null ? p.promotedAt() : Instant.parse(p.watchLast().path("at").asText());
      if (now.isBefore(last.plus(w.analysis().interval()))) {
        continue;
      }
      measured++;
      try {
        rolledBack += watch(p, w, now) ? 1 : 0;
      } catch (RuntimeException e) { // one promotion's trouble must not stop the others
        log.warn("promotion {}: watching failed: {}", p.id(), e.toString());
      }
    }
    return new Tick(followed, measured, rolledBack);
  }

  /** One reading of a watched promotion; true when it rolled the promotion back. */
  private boolean watch(PromotionView p, PromotionWatch w, Instant now) {
    Measurement m = measure(p, w, now);
    int failures = p.watchLast() == null ? 0 : p.watchLast().path("failures").asInt();
    int errors = p.watchLast() == null ? 0 : p.watchLast().path("consecutiveErrors").asInt();
    String verdict;
    String why;
    switch (m) {
      case Measurement.Value v when v.samplesKnown() && v.samples() < w.analysis().minSamples() -> {
        verdict = "inconclusive";
        why = v.samples() + " requests < minSamples " + w.analysis().minSamples();
        errors = 0;
      }
      case Measurement.Value v when v.errorRate() > w.maxErrorRate() -> {
        verdict = "failed";
        failures++;
        errors = 0;
        why = "error rate " + pct(v.errorRate()) + " > " + pct(w.maxErrorRate())
            + (v.samplesKnown() ? " over " + v.samples() + " requests" : "");
      }
      case Measurement.Value v -> {
        verdict = "passed";
        errors = 0;
        why = "error rate " + pct(v.errorRate()) + " ≤ " + pct(w.maxErrorRate())
            + (v.samplesKnown() ? " over " + v.samples() + " requests" : "");
      }
      case Measurement.NoData n -> {
        verdict = "inconclusive";
        why = n.why();
      }
      case Measurement.ProviderError e -> {
        verdict = "error";
        errors++;
        why = e.why();
      }
      case Measurement.Comparison c -> { // only the outcomes provider compares, and a watch refuses it
        verdict = "inconclusive";
        why = "a comparison is not a watch reading: " + c.sentence();
      }
    }
    ObjectNode reading = Json.object().put("at", now.toString()).put("verdict", verdict).put("reason", why)
        .put("failures", failures).put("consecutiveErrors", errors);
    if (m instanceof Measurement.Value v) {
      reading.put("errorRate", v.errorRate()).put("samples", v.samples());
    }
    evidence.recordWatchReading(p.id(), reading);
    if (errors > w.analysis().consecutiveErrorLimit()) {
      log.warn("promotion {}: {} provider errors in a row while watching: {}", p.id(), errors, why);
    }
    if (!"failed".equals(verdict) || failures <= w.analysis().failureLimit() || w.analysis().failureLimit() < 0) {
      return false;
    }
    String reason = "watch (" + w.analysis().provider().name().toLowerCase(Locale.ROOT) + "): " + why + ", "
        + failures + " failing reading(s) > failureLimit " + w.analysis().failureLimit() + " within the "
        + w.window().toSeconds() + " s window";
    var done = evidence.rollback(p.id(), reason, RegressionRule.DEFAULT, WATCH_ACTOR);
    log.info("promotion {} rolled back by its watch: {}; learned scenario {}", p.id(), reason,
        done.rollback().regressionScenario());
    return true;
  }

  private Measurement measure(PromotionView p, PromotionWatch w, Instant now) {
    AnalysisProvider provider = providers.get(w.analysis().provider());
    if (provider == null) {
      return new Measurement.ProviderError(now, "no " + w.analysis().provider() + " provider is configured");
    }
    // the promotion stands in for a rollout: {{rollout}} is its id, {{stage}} 'watch', outcomes since it applied
    var target = new AnalysisProvider.Target(p.policy(), p.id(), "watch", w.analysis(), p.promotedAt());
    try {
      return provider.measure(target, now);
    } catch (RuntimeException e) { // a provider bug is not a failure of the promotion
      return new Measurement.ProviderError(now, w.analysis().provider() + " provider failed: " + e);
    }
  }

  private static String pct(double rate) {
    return String.format(Locale.ROOT, "%.1f%%", rate * 100);
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
    handoff.shutdownNow();
  }
}
