package io.rollgate.store.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.rollgate.audit.JournalEntry;
import io.rollgate.error.SaturatedException;
import io.rollgate.json.Json;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import io.rollgate.store.testing.WriterGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** A bounded queue that pushes back instead of dropping, and a close that drains before it returns. */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class JournalBackPressureTest {
  @Parameter
  Dialect dialect;

  private StoreFixture fx;

  @AfterEach
  void close() {
    if (fx != null) {
      fx.close();
    }
  }

  private static Command<Long> append(String name) {
    return tx -> tx.append("test.event", name, "tester", Json.object().put("name", name));
  }

  @Test
  void a_full_queue_fails_submit_with_saturated_after_the_timeout_and_drops_nothing_it_accepted() throws Exception {
    fx = StoreFixture.open(dialect, new JournalConfig(2, 512, Duration.ofMillis(200), Duration.ofSeconds(10)));
    Journal journal = fx.journal();
    var rejectedRan = new AtomicBoolean();
    CompletableFuture<Long> a;
    CompletableFuture<Long> b;
    try (WriterGate gate = WriterGate.hold(journal)) {
      a = journal.submit(append("a"));
      b = journal.submit(append("b"));
      assertThat(journal.queueDepth()).isEqualTo(2);

      long started = System.nanoTime();
      assertThatThrownBy(() -> journal.submit(tx -> {
        rejectedRan.set(true);
        return append("c").execute(tx);
      }))
          .isInstanceOf(SaturatedException.class)
          .hasMessage("journal saturated: 2 of 2 queue slots still full after waiting 200 ms")
          .satisfies(e -> assertThat(((SaturatedException) e).retryAfter()).isEqualTo(Duration.ofSeconds(1)));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
      assertThat(journal.saturations()).isEqualTo(1);
      assertThat(a).isNotDone();
      assertThat(b).isNotDone();
    }

    assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
    assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(2L);
    // once there is room again, submit accepts at once
    assertThat(journal.execute(append("d"))).isEqualTo(3L);
    assertThat(rejectedRan).isFalse();
    assertThat(fx.entries()).extracting(JournalEntry::subject).containsExactly("a", "b", "d");
    assertThat(fx.reader().verify().ok()).isTrue();
  }

  @Test
  void close_drains_every_queued_command_and_then_rejects_new_ones() throws Exception {
    fx = StoreFixture.open(dialect, new JournalConfig(64, 4, Duration.ofMillis(200), Duration.ofSeconds(20)));
    Journal journal = fx.journal();
    var queued = new ArrayList<CompletableFuture<Long>>();
    var probes = new ArrayList<CompletableFuture<Object>>();
    var rejection = new AtomicReference<JournalException>();
    Thread closer;
    try (WriterGate gate = WriterGate.hold(journal)) {
      for (int i = 0; i < 20; i++) {
        queued.add(journal.submit(append("cmd-" + i)));
      }
      closer = Thread.ofPlatform().name("closer").start(journal::close);
      // submissions made before close took effect are accepted (and must drain); then they are refused
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> {
        try {
          probes.add(journal.submit(tx -> "probe"));
          return false;
        } catch (JournalException e) {
          rejection.set(e);
          return true;
        }
      });
      assertThat(rejection.get()).hasMessage("journal is shutting down; no new commands are accepted");
      assertThat(closer.isAlive()).as("close waits for the queue to drain").isTrue();
      assertThat(queued).noneMatch(CompletableFuture::isDone);
    }

    closer.join(Duration.ofSeconds(20));
    assertThat(closer.isAlive()).isFalse();
    for (int i = 0; i < queued.size(); i++) {
      assertThat(queued.get(i)).isCompletedWithValue(i + 1L);
    }
    assertThat(probes).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(fx.entries()).extracting(JournalEntry::subject)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "cmd-" + i).toList());
    // with maxBatch 4 the drain took several batches, all committed
    assertThat(journal.batches()).isGreaterThanOrEqualTo(1 + 5);
    assertThat(journal.problem()).isEqualTo("journal writer thread is not running");
    assertThatThrownBy(() -> journal.submit(append("late"))).isInstanceOf(JournalException.class);
    assertThat(fx.reader().verify().ok()).isTrue();
    assertThat(fx.reader().count()).isEqualTo(20);
  }

  @Test
  void a_blocking_caller_gets_a_journal_exception_when_no_commit_arrives_within_the_ack_timeout() {
    fx = StoreFixture.open(dialect, new JournalConfig(8, 8, Duration.ofMillis(200), Duration.ofMillis(300)));
    Journal journal = fx.journal();
    try (WriterGate gate = WriterGate.hold(journal)) {
      assertThatThrownBy(() -> journal.execute(append("slow")))
          .isInstanceOf(JournalException.class)
          .hasMessage("no commit acknowledgement within 300 ms; the command is still queued and may yet be applied")
          .satisfies(e -> assertThat(((JournalException) e).outcomeUnknown()).isTrue());
    }
    // the command was accepted, so it still commits after the caller gave up: never dropped
    await().atMost(Duration.ofSeconds(10)).until(() -> fx.reader().count() == 1);
    assertThat(fx.entries()).extracting(JournalEntry::subject).containsExactly("slow");
  }
}
