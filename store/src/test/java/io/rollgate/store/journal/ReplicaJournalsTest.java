package io.rollgate.store.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import io.rollgate.store.testing.MutableClock;
import io.rollgate.store.testing.TestDatabases;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two "replicas" (two databases pools and two journals, as two processes would have) on one
 * PostgreSQL database: their writers keep one chain, and each replica's listeners see every entry,
 * its own and the other's, once and in order.
 */
class ReplicaJournalsTest {
  private static final int THREADS = 16;
  private static final int PER_THREAD = 60;
  private static final Duration BUDGET = Duration.ofSeconds(60);

  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T opened(T c) {
    open.add(c);
    return c;
  }

  private static JournalStressHarness.Appender alternating(Journal a, Journal b) {
    return (id, thread, index) -> (thread % 2 == 0 ? a : b).execute(
        tx -> tx.append(JournalStressHarness.TYPE, "stress", "t" + thread,
            JournalStressHarness.payload(id, thread, index)));
  }

  @Test
  void two_replicas_writing_at_once_keep_one_unbroken_chain_with_every_acknowledged_entry() throws Exception {
    String url = TestDatabases.newPostgresUrl();
    Database dbA = opened(Database.postgres(url, null, null));
    Database dbB = opened(Database.postgres(url, null, null));
    Journal a = opened(new Journal(dbA, clock, JournalConfig.DEFAULTS));
    Journal b = opened(new Journal(dbB, clock, JournalConfig.DEFAULTS));

    var run = JournalStressHarness.run(alternating(a, b), THREADS, PER_THREAD, BUDGET);
    var report = JournalStressHarness.check(run, dbA);

    assertThat(run.sampleFailures()).isEmpty();
    assertThat(run.acks()).hasSize(THREADS * PER_THREAD);
    assertThat(report.clean()).as("violations: %s", report).isTrue(); // 1..N, no gap, no duplicate, all acks
    assertThat(new JournalReader(dbB).verify().ok()).isTrue();
    // both writers really wrote: the chain interleaves their batches
    assertThat(a.committedCommands()).isPositive();
    assertThat(b.committedCommands()).isPositive();
  }

  /** The same run with the head read unlocked: both writers take the same next seq and one batch fails. */
  @Test
  void without_the_head_row_lock_the_two_writers_collide_and_acknowledged_writes_go_missing() throws Exception {
    String url = TestDatabases.newPostgresUrl();
    Database dbA = opened(Database.postgres(url, null, null));
    Database dbB = opened(Database.postgres(url, null, null));
    Journal a = opened(new Journal(dbA, clock, JournalConfig.DEFAULTS, JournalObserver.NONE, false));
    Journal b = opened(new Journal(dbB, clock, JournalConfig.DEFAULTS, JournalObserver.NONE, false));

    var run = JournalStressHarness.run(alternating(a, b), THREADS, PER_THREAD, BUDGET);

    assertThat(run.failures()).as("writes refused because both writers chained onto the same head").isPositive();
    assertThat(run.sampleFailures()).anySatisfy(f -> assertThat(f).contains("journal_pkey"));
  }

  @Test
  void a_replica_publishes_the_other_replicas_entries_and_its_own_once_and_in_order_even_after_losing_listen()
      throws Exception {
    String url = TestDatabases.newPostgresUrl();
    Database dbA = opened(Database.postgres(url, null, null));
    Database dbB = opened(Database.postgres(url, null, null));
    Journal a = opened(new Journal(dbA, clock, JournalConfig.DEFAULTS));
    Journal b = opened(new Journal(dbB, clock, JournalConfig.DEFAULTS));
    var seenByB = Collections.synchronizedList(new ArrayList<Long>());
    b.addListener(batch -> batch.forEach(e -> seenByB.add(e.seq())));
    // the fallback poll is far away: only notifications and the catch-up after a reconnect deliver here
    JournalTail tail = opened(new JournalTail(dbB, b, Duration.ofMinutes(5)).start());
    await().atMost(Duration.ofSeconds(30)).until(() -> tail.backendPid() != 0);

    writeAlternately(a, b, 0, 40);
    await().atMost(Duration.ofSeconds(30)).until(() -> seenByB.size() >= 80);
    assertThat(tail.notifications()).isPositive();

    // drop B's LISTEN session: notifications sent meanwhile are lost, and the catch-up must not lose entries
    int pid = tail.backendPid();
    try (Connection admin = dbA.dedicatedConnection("test"); var st = admin.createStatement()) {
      st.execute("SELECT pg_terminate_backend(" + pid + ")");
    }
    writeAlternately(a, b, 40, 60);
    await().atMost(Duration.ofSeconds(30)).until(() -> tail.reconnects() >= 1);
    writeAlternately(a, b, 60, 70);

    long head = new JournalReader(dbA).head().seq();
    assertThat(head).isEqualTo(140);
    await().atMost(Duration.ofSeconds(30)).until(() -> seenByB.size() >= head);
    List<Long> expected = java.util.stream.LongStream.rangeClosed(1, head).boxed().toList();
    synchronized (seenByB) {
      assertThat(seenByB).as("every entry once, in order").containsExactlyElementsOf(expected);
    }
    assertThat(b.followerPosition()).isEqualTo(head);
    assertThat(b.tailedEntries()).as("A's entries reached B by tailing").isGreaterThanOrEqualTo(70);
  }

  /** One entry on A then one on B, {@code from} to {@code to}: B's own batches land after gaps only the tail fills. */
  private static void writeAlternately(Journal a, Journal b, int from, int to) {
    for (int i = from; i < to; i++) {
      int n = i;
      a.execute(tx -> tx.append("test.a", "x", "a", Json.object().put("i", n)));
      b.execute(tx -> tx.append("test.b", "x", "b", Json.object().put("i", n)));
    }
  }

  @Test
  void a_local_batch_after_a_gap_is_delivered_after_the_entries_in_the_gap() {
    String url = TestDatabases.newPostgresUrl();
    Database dbA = opened(Database.postgres(url, null, null));
    Database dbB = opened(Database.postgres(url, null, null));
    Journal a = opened(new Journal(dbA, clock, JournalConfig.DEFAULTS));
    Journal b = opened(new Journal(dbB, clock, JournalConfig.DEFAULTS));
    var seenByB = Collections.synchronizedList(new ArrayList<JournalEntry>());
    b.addListener(seenByB::addAll);

    a.execute(tx -> tx.append("test.a", "x", "a", Json.object().put("i", 1)));
    a.execute(tx -> tx.append("test.a", "x", "a", Json.object().put("i", 2)));
    b.execute(tx -> tx.append("test.b", "x", "b", Json.object().put("i", 3))); // no tail: B's own commit fills the gap

    await().atMost(Duration.ofSeconds(10)).until(() -> seenByB.size() >= 3);
    synchronized (seenByB) {
      assertThat(seenByB).extracting(JournalEntry::seq).containsExactly(1L, 2L, 3L);
      assertThat(seenByB).extracting(JournalEntry::type).containsExactly("test.a", "test.a", "test.b");
    }
  }
}
