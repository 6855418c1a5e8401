package io.rollgate.server.attest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.rollgate.audit.ChainVerifier;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.StateAttestation;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-verifies the journal's hash chain and every current policy version on a fixed delay (DESIGN.md
 * §1 "attestor"). The chain is checked incrementally from the last verified entry — the anchor's
 * stored hash is re-read each time, so a rewritten chain is caught — with a full pass at start and
 * every {@link Settings#fullPassEvery} runs, which is what catches an edit inside the verified
 * prefix that leaves the anchor alone. A failure is journaled once per distinct verdict
 * ({@code attestation.failed}), and its end too ({@code attestation.recovered}).
 */
public final class Attestor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Attestor.class);
  public static final String FAILED = "attestation.failed";
  public static final String RECOVERED = "attestation.recovered";
  static final String SUBJECT = "attestor";
  /** The success ratio is over this many most recent runs. */
  static final int RATIO_WINDOW = 100;

  /** @param fullPassEvery every how many runs the whole chain is re-read (1 = always) */
  public record Settings(Duration interval, int fullPassEvery) {
    public static final int DEFAULT_FULL_PASS_EVERY = 60;

    public Settings {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("attestation interval must be at least 1 s, got " + interval.toMillis()
            + " ms");
      }
      if (fullPassEvery < 1) {
        throw new IllegalArgumentException("fullPassEvery must be at least 1, got " + fullPassEvery);
      }
    }
  }

  /** The outcome of the latest run. */
  public sealed interface Verdict {
    /** No run has finished yet. */
    record Pending() implements Verdict {}

    record Passed(Instant at, Duration took, boolean fullPass, long entriesChecked, long verifiedSeq, int policies)
        implements Verdict {}

    /** The store could not be read (an outage, not a verdict on integrity); not journaled. */
    record Unavailable(Instant at, Duration took, String reason) implements Verdict {}

    /** @param firstBadSeq the first journal entry that does not verify, or null when only policy state failed */
    record Failed(Instant at, Duration took, boolean fullPass, Long firstBadSeq, List<String> problems)
        implements Verdict {
      public Failed {
        problems = List.copyOf(problems);
      }
    }
  }

  private final JournalReader reader;
  private final PolicyStore policies;
  private final Journal journal;
  private final InstantSource clock;
  private final Settings settings;
  private final ScheduledExecutorService loop;

  private final Counter runs;
  private final Histogram duration;

  // guarded by this; verifiedSeq and the ratio are also published through volatiles, so a metrics
  // scrape never waits for a run in progress
  private volatile long verifiedSeq;
  private volatile double successRatio = Double.NaN;
  private String verifiedHash = JournalEntry.GENESIS_HASH;
  private int runsSinceFullPass;
  private List<String> journaledProblems = List.of();
  private final BitSet recent = new BitSet(RATIO_WINDOW); // 1 = success, ring buffer over the last runs
  private long completedRuns;

  private volatile Verdict last = new Verdict.Pending();
  private volatile Instant lastSuccess;

  public Attestor(JournalReader reader, PolicyStore policies, Journal journal, InstantSource clock, Settings settings,
      PrometheusRegistry registry) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.policies = Objects.requireNonNull(policies, "policies");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.runsSinceFullPass = settings.fullPassEvery(); // the first run is a full pass
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
        .name("rollgate-attestor").unstarted(r));
    this.runs = Counter.builder().name("rollgate_attestation_runs_total")
        .help("Attestation runs by result: success (chain and every current policy state verified), "
            + "failure (they did not), error (the store could not be read)")
        .labelNames("result").register(registry);
    runs.initLabelValues("success");
    runs.initLabelValues("failure");
    runs.initLabelValues("error");
    this.duration = Histogram.builder().name("rollgate_attestation_duration_seconds")
        .help("Time one attestation run took").unit(Unit.SECONDS)
        .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
        .register(registry);
    GaugeWithCallback.builder().name("rollgate_attestation_success_ratio")
        .help("Share of the last " + RATIO_WINDOW + " attestation runs that succeeded (NaN before the first)")
        .callback(cb -> cb.call(successRatio()))
        .register(registry);
    GaugeWithCallback.builder().name("rollgate_attestation_last_success_timestamp_seconds")
        .help("When the last successful attestation run finished, in seconds since the epoch (0 before any)")
        .unit(Unit.SECONDS)
        .callback(cb -> {
          Instant t = lastSuccess;
          cb.call(t == null ? 0 : t.toEpochMilli() / 1000.0);
        })
        .register(registry);
    GaugeWithCallback.builder().name("rollgate_attestation_verified_seq")
        .help("Journal sequence number up to which the chain last verified")
        .callback(cb -> cb.call(verifiedSeq()))
        .register(registry);
    GaugeWithCallback.builder().name("rollgate_attestation_up")
        .help("1 when the last attestation run succeeded, 0 when it failed or none has finished")
        .callback(cb -> cb.call(last instanceof Verdict.Passed ? 1 : 0))
        .register(registry);
  }

  /** Runs now, then every interval after the previous run ends. */
  public void start() {
    start(java.util.function.UnaryOperator.identity());
  }

  /** As {@link #start()}, each run wrapped by {@code around} (on replicas: run only by the leader). */
  public void start(java.util.function.UnaryOperator<Runnable> around) {
    Runnable run = around.apply(this::runQuietly);
    loop.scheduleWithFixedDelay(() -> {
      try {
        run.run();
      } catch (RuntimeException e) { // never let one bad run end the schedule
        log.error("attestation run failed unexpectedly", e);
      }
    }, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
    log.info("attestor: every {} s, full pass every {} runs", settings.interval().toSeconds(), settings.fullPassEvery());
  }

  private void runQuietly() {
    try {
      runOnce();
    } catch (RuntimeException e) { // never let one bad run end the schedule
      log.error("attestation run failed unexpectedly", e);
    }
  }

  /** One run: chain (incremental or full) and policy state; records, journals and returns the verdict. */
  public synchronized Verdict runOnce() {
    long started = System.nanoTime();
    boolean full = runsSinceFullPass >= settings.fullPassEvery();
    Verdict verdict;
    try {
      ChainVerifier.Result chain = full ? reader.verify() : reader.verifyAfter(verifiedSeq, verifiedHash);
      StateAttestation state = policies.attestCurrentVersions();
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      Instant now = clock.instant();
      if (chain.ok()) {
        verifiedSeq = chain.verifiedSeq();
        verifiedHash = chain.headHash();
      } else if (full) {
        // the verified prefix ends before the first bad entry; later incremental runs resume there
        verifiedSeq = chain.verifiedSeq();
        verifiedHash = chain.headHash();
      }
      runsSinceFullPass = full ? 1 : runsSinceFullPass + 1;
      if (chain.ok() && state.ok()) {
        verdict = new Verdict.Passed(now, took, full, chain.entries(), chain.verifiedSeq(), state.policies());
      } else {
        var problems = new ArrayList<String>();
        if (!chain.ok()) {
          problems.add("journal chain: " + chain.problem());
        }
        problems.addAll(state.problems());
        verdict = new Verdict.Failed(now, took, full, chain.firstBadSeq(), problems);
      }
    } catch (RuntimeException e) {
      log.warn("attestation run could not read the store: {}", e.toString());
      verdict = new Verdict.Unavailable(clock.instant(), Duration.ofNanos(System.nanoTime() - started),
          "could not read the store: " + e.getMessage());
    }
    record(verdict);
    return verdict;
  }

  private void record(Verdict verdict) {
    boolean ok = verdict instanceof Verdict.Passed;
    Duration took = switch (verdict) {
      case Verdict.Passed p -> p.took();
      case Verdict.Failed f -> f.took();
      case Verdict.Unavailable u -> u.took();
      case Verdict.Pending p -> Duration.ZERO;
    };
    runs.labelValues(switch (verdict) {
      case Verdict.Passed p -> "success";
      case Verdict.Failed f -> "failure";
      case Verdict.Unavailable u -> "error";
      case Verdict.Pending p -> throw new IllegalStateException("a run never ends pending");
    }).inc();
    duration.observe(took.toNanos() / 1e9);
    recent.set((int) (completedRuns % RATIO_WINDOW), ok);
    completedRuns++;
    int n = (int) Math.min(completedRuns, RATIO_WINDOW);
    successRatio = (double) recent.get(0, n).cardinality() / n;
    last = verdict;
    switch (verdict) {
      case Verdict.Passed p -> {
        lastSuccess = p.at();
        if (!journaledProblems.isEmpty()) {
          log.info("attestation passes again: {} entries up to seq {}, {} policies", p.entriesChecked(),
              p.verifiedSeq(), p.policies());
          journalQuietly(RECOVERED, Json.object().put("verifiedSeq", p.verifiedSeq()).put("policies", p.policies())
              .put("previousProblems", journaledProblems.size()));
          journaledProblems = List.of();
        }
      }
      case Verdict.Failed f -> {
        if (!f.problems().equals(journaledProblems)) {
          log.error("attestation failed: {}", String.join("; ", f.problems()));
          ObjectNode payload = Json.object().put("fullPass", f.fullPass());
          if (f.firstBadSeq() == null) {
            payload.putNull("firstBadSeq");
          } else {
            payload.put("firstBadSeq", f.firstBadSeq());
          }
          payload.set("problems", Json.mapper().valueToTree(f.problems()));
          journalQuietly(FAILED, payload);
          journaledProblems = f.problems();
        }
      }
      case Verdict.Unavailable u -> { }
      case Verdict.Pending p -> { }
    }
  }

  private void journalQuietly(String type, ObjectNode payload) {
    try {
      journal.execute(tx -> tx.append(type, SUBJECT, "system", payload));
    } catch (RuntimeException e) {
      log.error("could not journal {}: {}", type, e.getMessage());
    }
  }

  private double successRatio() {
    return successRatio;
  }

  public Verdict lastVerdict() {
    return last;
  }

  /** When the last run that passed finished, or null. */
  public Instant lastSuccess() {
    return lastSuccess;
  }

  public long verifiedSeq() {
    return verifiedSeq;
  }

  /** Stops the loop; a run in progress finishes first (not interrupted: JDBC drivers handle that badly). */
  @Override
  public void close() {
    loop.shutdown();
    try {
      if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("attestor did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
