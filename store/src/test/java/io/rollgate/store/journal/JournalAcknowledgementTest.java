package io.rollgate.store.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import io.rollgate.store.testing.WriterGate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An acknowledgement means committed: whatever runs the moment a future completes (on the writer
 * thread) already sees the entry and the state from another connection.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class JournalAcknowledgementTest {
  @Parameter
  Dialect dialect;

  private StoreFixture fx;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    fx.sql("CREATE TABLE probe (id TEXT PRIMARY KEY)");
  }

  @AfterEach
  void close() {
    fx.close();
  }

  private static Command<Long> probe(String id) {
    return tx -> {
      tx.handle().createUpdate("INSERT INTO probe (id) VALUES (:id)").bind("id", id).execute();
      return tx.append("test.probe", id, "tester", Json.object().put("id", id));
    };
  }

  @Test
  void journal_acknowledges_only_after_commit() {
    Journal journal = fx.journal();
    CompletableFuture<String> seenAtAck;
    try (WriterGate gate = WriterGate.hold(journal)) {
      CompletableFuture<Long> ack = journal.submit(probe("p1"));
      // registered before completion, so it runs on the writer thread right when the future completes
      seenAtAck = ack.thenApply(seq -> "seq " + seq + ", entries " + fx.reader().count()
          + ", probe rows " + fx.queryLong("SELECT COUNT(*) FROM probe WHERE id = 'p1'"));
      assertThat(ack).isNotDone();
    }
    assertThat(seenAtAck).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("seq 1, entries 1, probe rows 1");
  }

  @Test
  void listeners_receive_each_committed_batch_in_order_after_it_is_visible() {
    Journal journal = fx.journal();
    var seen = new CopyOnWriteArrayList<String>();
    journal.addListener(batch -> seen.add(batch.stream().map(JournalEntry::seq).toList()
        + " visible=" + fx.reader().count()));
    CompletableFuture<Long> b;
    try (WriterGate gate = WriterGate.hold(journal)) {
      journal.submit(probe("a"));
      journal.submit(tx -> {
        throw new IllegalArgumentException("rejected");
      });
      b = journal.submit(probe("b"));
    }
    assertThat(b).succeedsWithin(Duration.ofSeconds(10));
    journal.execute(probe("c"));

    // the gate's batch appended nothing and is not published; the failed command left no entry.
    // Listeners run after the futures complete, so the last one may still be on its way.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertThat(seen).containsExactly("[1, 2] visible=2", "[3] visible=3"));
    List<JournalEntry> all = fx.entries();
    assertThat(all).extracting(JournalEntry::subject).containsExactly("a", "b", "c");
  }

  @Test
  void listeners_see_exactly_the_entries_that_are_read_back_even_with_a_sub_millisecond_clock() {
    fx.clock.set(java.time.Instant.parse("2025-03-04T05:06:07.123456789Z"));
    var seen = new CopyOnWriteArrayList<JournalEntry>();
    fx.journal().addListener(seen::addAll);
    long seq = fx.journal().execute(probe("nanos"));

    await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
    JournalEntry stored = fx.reader().page(seq - 1, 1).get(0);

    assertThat(seen).containsExactly(stored);
    assertThat(stored.recordedAt()).isEqualTo(java.time.Instant.parse("2025-03-04T05:06:07.123Z"));
    assertThat(stored.recomputeHash()).isEqualTo(stored.hash());
  }
}
