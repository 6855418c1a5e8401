package io.rollgate.store.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many concurrent callers against the single journal writer, and the same harness against a
 * deliberately unsynchronised appender to show the harness can see what it is looking for.
 */
class JournalStressTest {
  private static final int THREADS = 64;
  private static final Duration BUDGET = Duration.ofSeconds(20);

  private static int perThread(Dialect d) {
    return switch (d) {
      case SQLITE -> 150;
      case POSTGRESQL -> 100;
    };
  }

  /** The production path: one command per append, submitted through the journal and awaited. */
  private static JournalStressHarness.Appender through(Journal journal) {
    return (id, thread, index) -> journal.execute(
        tx -> tx.append(JournalStressHarness.TYPE, "stress", "t" + thread,
            JournalStressHarness.payload(id, thread, index)));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void the_single_writer_keeps_every_acknowledged_entry_once_in_one_contiguous_verified_chain(Dialect dialect)
      throws Exception {
    try (var fx = StoreFixture.open(dialect)) {
      int perThread = perThread(dialect);

      var run = JournalStressHarness.run(through(fx.journal()), THREADS, perThread, BUDGET);
      var report = JournalStressHarness.check(run, fx.db());

      assertThat(run.sampleFailures()).isEmpty();
      assertThat(run.outOfTime()).as("finished within %s (took %s)", BUDGET, run.elapsed()).isFalse();
      assertThat(run.acks()).hasSize(THREADS * perThread);
      assertThat(report.clean()).as("violations: %s", report).isTrue();
      assertThat(fx.reader().count()).isEqualTo(THREADS * perThread);
      assertThat(fx.journal().committedCommands()).isEqualTo(THREADS * perThread);
      // group commit: concurrent callers share transactions
      assertThat(fx.journal().batches()).isLessThan(THREADS * perThread / 4);
      assertThat(fx.journal().problem()).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void the_same_harness_catches_an_unsynchronized_appender(Dialect dialect) throws Exception {
    try (var fx = StoreFixture.open(dialect)) {
      var broken = new UnsynchronizedAppender(fx.db(), fx.clock);

      var run = JournalStressHarness.run(broken, THREADS, 10, Duration.ofSeconds(10));
      var report = JournalStressHarness.check(run, fx.db());

      assertThat(run.acks()).as("some appends were acknowledged (failures: %s)", run.sampleFailures()).isNotEmpty();
      assertThat(report.clean()).as("the harness must notice the broken appender").isFalse();
      assertThat(report.counts().keySet()).as("%s", report).containsAnyOf("chain", "duplicate", "lost");
    }
  }

  @Test
  void the_harness_reports_an_acknowledged_entry_that_goes_missing() throws Exception {
    try (var fx = StoreFixture.open(Dialect.SQLITE)) {
      var run = JournalStressHarness.run(through(fx.journal()), 8, 10, BUDGET);
      assertThat(JournalStressHarness.check(run, fx.db()).clean()).isTrue();

      fx.sql("DELETE FROM journal WHERE seq = 40");
      var report = JournalStressHarness.check(run, fx.db());

      assertThat(report.counts()).containsKeys("lost", "gap", "chain");
    }
  }

  @Test
  void the_harness_reports_a_duplicate_even_when_the_chain_itself_verifies() throws Exception {
    try (var fx = StoreFixture.open(Dialect.SQLITE)) {
      var run = JournalStressHarness.run(through(fx.journal()), 8, 10, BUDGET);
      var again = run.acks().get(17);
      // a caller that retries an acknowledged append writes a second, validly chained entry
      through(fx.journal()).append(again.id(), again.thread(), again.index());

      var report = JournalStressHarness.check(run, fx.db());

      assertThat(fx.reader().verify().ok()).isTrue();
      assertThat(report.counts()).containsKeys("duplicate").doesNotContainKeys("chain", "gap", "lost");
    }
  }
}
