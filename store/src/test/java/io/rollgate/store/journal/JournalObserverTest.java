package io.rollgate.store.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.NotFoundException;
import io.rollgate.error.SaturatedException;
import io.rollgate.json.Json;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import io.rollgate.store.testing.WriterGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The journal tells its observer what each batch did and why a submission was refused. SQLite
 * only: the calls are made by dialect-independent code around the transaction.
 */
class JournalObserverTest {
  /** Records every call, in order, as a short string. */
  static final class Recorder implements JournalObserver {
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> nanos = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void batchCommitted(int commands, int failed, int entries, long nanos) {
      calls.add("committed " + commands + "/" + failed + "/" + entries);
      this.nanos.add(nanos);
    }

    @Override
    public void batchFailed(int commands) {
      calls.add("failed " + commands);
    }

    @Override
    public void rejected(Rejection reason) {
      calls.add("rejected " + reason);
    }

    List<String> snapshot() {
      synchronized (calls) {
        return List.copyOf(calls);
      }
    }
  }

  private final Recorder recorder = new Recorder();
  private StoreFixture fx;

  @AfterEach
  void close() {
    if (fx != null) {
      fx.close();
    }
  }

  private static Command<Long> append(String name, int entries) {
    return tx -> {
      long seq = 0;
      for (int i = 0; i < entries; i++) {
        seq = tx.append("test.event", name, "tester", Json.object().put("i", i));
      }
      return seq;
    };
  }

  @Test
  void a_committed_batch_reports_its_commands_failures_entries_and_duration_before_callers_see_the_ack()
      throws Exception {
    fx = StoreFixture.open(Dialect.SQLITE, JournalConfig.DEFAULTS, recorder);
    Journal journal = fx.journal();
    var futures = new ArrayList<CompletableFuture<?>>();
    var seenAtAck = new ArrayList<CompletableFuture<List<String>>>();
    try (WriterGate gate = WriterGate.hold(journal)) {
      futures.add(journal.submit(append("one", 1)));
      futures.add(journal.submit(append("two", 2)));
      futures.add(journal.submit(tx -> {
        append("doomed", 1).execute(tx);
        throw new NotFoundException("no such thing");
      }));
      futures.add(journal.submit(append("three", 1)));
      // what the observer had recorded at the moment the first caller was acknowledged
      seenAtAck.add(futures.get(0).thenApply(x -> recorder.snapshot()));
    }
    assertThat(futures.get(3).get()).isEqualTo(4L);
    assertThatThrownBy(() -> futures.get(2).get()).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NotFoundException.class);

    // the gate's own batch (one command, no entry), then the four queued behind it as one batch
    assertThat(recorder.snapshot()).containsExactly("committed 1/0/0", "committed 4/1/4");
    assertThat(seenAtAck.get(0).get()).contains("committed 4/1/4");
    assertThat(recorder.nanos).allMatch(n -> n > 0);
    assertThat(fx.reader().count()).isEqualTo(4);
  }

  @Test
  void a_full_queue_reports_a_saturated_rejection_and_a_closed_journal_a_shutdown_rejection() {
    fx = StoreFixture.open(Dialect.SQLITE, new JournalConfig(1, 8, Duration.ofMillis(50), Duration.ofSeconds(10)),
        recorder);
    Journal journal = fx.journal();
    try (WriterGate gate = WriterGate.hold(journal)) {
      journal.submit(append("queued", 1));
      assertThatThrownBy(() -> journal.submit(append("refused", 1))).isInstanceOf(SaturatedException.class);
      assertThat(recorder.snapshot()).containsExactly("rejected SATURATED");
    }
    journal.close();
    assertThatThrownBy(() -> journal.submit(append("late", 1))).isInstanceOf(JournalException.class)
        .hasMessageContaining("shutting down");

    assertThat(recorder.snapshot()).containsExactly(
        "rejected SATURATED", "committed 1/0/0", "committed 1/0/1", "rejected SHUTDOWN");
  }

  @Test
  void a_batch_that_cannot_commit_reports_all_its_commands_as_failed() throws Exception {
    fx = StoreFixture.open(Dialect.SQLITE, JournalConfig.DEFAULTS, recorder);
    Journal journal = fx.journal();
    fx.sql("ALTER TABLE journal RENAME TO journal_aside");
    var futures = new ArrayList<CompletableFuture<?>>();
    try (WriterGate gate = WriterGate.hold(journal)) {
      futures.add(journal.submit(append("a", 1)));
      futures.add(journal.submit(append("b", 1)));
      futures.add(journal.submit(append("c", 1)));
    }
    for (var f : futures) {
      assertThat(f).failsWithin(Duration.ofSeconds(10));
    }
    assertThat(recorder.snapshot()).containsExactly("committed 1/0/0", "failed 3");
  }

  @Test
  void an_observer_that_throws_changes_nothing_for_callers() {
    var broken = new JournalObserver() {
      @Override
      public void batchCommitted(int commands, int failed, int entries, long nanos) {
        throw new IllegalStateException("observer bug");
      }
    };
    fx = StoreFixture.open(Dialect.SQLITE, JournalConfig.DEFAULTS, broken);
    assertThat(fx.journal().execute(append("x", 1))).isEqualTo(1L);
    assertThat(fx.journal().execute(append("y", 1))).isEqualTo(2L);
    assertThat(fx.reader().verify().ok()).isTrue();
  }
}
