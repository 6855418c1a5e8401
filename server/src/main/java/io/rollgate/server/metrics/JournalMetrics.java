package io.rollgate.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.audit.JournalEntry;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalObserver;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The journal writer's metrics: fed by {@link JournalObserver} calls, plus gauges read at scrape time. */
final class JournalMetrics implements JournalObserver {
  static final String COMMITTED = "committed";
  static final String FAILED = "failed";
  static final String COMMIT_FAILED = "commit_failed";
  static final String REJECTED_SATURATED = "rejected_saturated";
  static final String REJECTED_SHUTDOWN = "rejected_shutdown";

  /** Powers of two: a batch holds 1 to maxBatch commands (512 by default). */
  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  /** From a fast SQLite fsync (sub-millisecond) to a stalled disk or database (seconds). */
  private static final double[] COMMIT_BUCKETS =
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  private final PrometheusRegistry registry;
  private final Counter submissions;
  private final Counter entries;
  private final Histogram batchCommands;
  private final Histogram commitSeconds;
  private final AtomicLong headSeq = new AtomicLong();

  JournalMetrics(PrometheusRegistry registry) {
    this.registry = registry;
    submissions = Counter.builder()
        .name("rollgate_journal_submissions")
        .help("Commands submitted to the journal, by outcome: committed, failed (the command threw and was rolled "
            + "back alone), commit_failed (its batch could not commit), rejected_saturated, rejected_shutdown")
        .labelNames("outcome")
        .withoutExemplars()
        .register(registry);
    for (String outcome : List.of(COMMITTED, FAILED, COMMIT_FAILED, REJECTED_SATURATED, REJECTED_SHUTDOWN)) {
      submissions.initLabelValues(outcome); // present at 0 from the start, so rate() and alerts see them
    }
    entries = Counter.builder()
        .name("rollgate_journal_entries")
        .help("Journal entries appended by this server's writer")
        .withoutExemplars()
        .register(registry);
    batchCommands = Histogram.builder()
        .name("rollgate_journal_batch_commands")
        .help("Commands per committed journal batch (group commit: one transaction and one fsync per batch)")
        .classicOnly()
        .classicUpperBounds(BATCH_BUCKETS)
        .withoutExemplars()
        .register(registry);
    commitSeconds = Histogram.builder()
        .name("rollgate_journal_commit_duration_seconds")
        .help("Time to execute and durably commit one journal batch, fsync included")
        .classicOnly()
        .classicUpperBounds(COMMIT_BUCKETS)
        .withoutExemplars()
        .register(registry);
  }

  /** Registers the gauges that read {@code journal} and starts following its committed entries. */
  void watch(Journal journal, long headAtStart) {
    GaugeWithCallback.builder()
        .name("rollgate_journal_queue_depth")
        .help("Commands waiting in the journal queue for the writer")
        .callback(cb -> cb.call(journal.queueDepth()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("rollgate_journal_queue_capacity")
        .help("Size of the journal queue; submissions wait, then are rejected as saturated, when it is full")
        .callback(cb -> cb.call(journal.queueCapacity()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("rollgate_journal_head_sequence")
        .help("Sequence number of the newest journal entry this server has committed or found at start")
        .callback(cb -> cb.call(headSeq.get()))
        .register(registry);
    // the listener first, then the head read at start: an entry committed in between is not lost
    journal.addListener(this::committed);
    headSeq.accumulateAndGet(headAtStart, Math::max);
  }

  private void committed(List<JournalEntry> batch) {
    headSeq.accumulateAndGet(batch.get(batch.size() - 1).seq(), Math::max);
  }

  @Override
  public void batchCommitted(int commands, int failed, int appended, long nanos) {
    if (commands > failed) {
      submissions.labelValues(COMMITTED).inc(commands - failed);
    }
    if (failed > 0) {
      submissions.labelValues(FAILED).inc(failed);
    }
    entries.inc(appended);
    batchCommands.observe(commands);
    commitSeconds.observe(nanos / 1e9);
  }

  @Override
  public void batchFailed(int commands) {
    submissions.labelValues(COMMIT_FAILED).inc(commands);
  }

  @Override
  public void rejected(Rejection reason) {
    submissions.labelValues(switch (reason) {
      case SATURATED -> REJECTED_SATURATED;
      case SHUTDOWN -> REJECTED_SHUTDOWN;
    }).inc();
  }
}
