package io.rollgate.store.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.FencedException;
import io.rollgate.store.journal.Fencing;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.testing.MutableClock;
import io.rollgate.store.testing.TestDatabases;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two replicas' electors on one PostgreSQL database, on one injected clock. */
class LeaderElectorTest {
  private static final Duration LEASE = LeaderElector.DEFAULT_LEASE;
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  private final List<AutoCloseable> open = new ArrayList<>();
  private Database dbA;
  private Journal journalA;
  private Journal journalB;
  private LeaderElector a;
  private LeaderElector b;

  @BeforeEach
  void replicas() {
    String url = TestDatabases.newPostgresUrl();
    dbA = opened(Database.postgres(url, null, null));
    Database dbB = opened(Database.postgres(url, null, null));
    journalA = opened(new Journal(dbA, clock, JournalConfig.DEFAULTS));
    journalB = opened(new Journal(dbB, clock, JournalConfig.DEFAULTS));
    a = opened(new LeaderElector(dbA, journalA, "replica-a", clock, LEASE));
    b = opened(new LeaderElector(dbB, journalB, "replica-b", clock, LEASE));
  }

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

  private long marker(Journal j, String name) {
    return j.execute(tx -> tx.append("test.leader_action", name, "test", Json.object()));
  }

  private long markers(String name) {
    return new JournalReader(dbA).page(0, 1000).stream()
        .filter(e -> e.type().equals("test.leader_action") && e.subject().equals(name)).count();
  }

  private void terminate(int pid) throws Exception {
    try (Connection admin = dbA.dedicatedConnection("test"); var st = admin.createStatement()) {
      st.execute("SELECT pg_terminate_backend(" + pid + ")");
    }
  }

  @Test
  void a_holder_still_recording_its_election_is_not_deposed_for_the_old_leaders_expired_lease() throws Exception {
    a.step();
    assertThat(a.isLeader()).isTrue();
    terminate(a.backendPid()); // A's session dies: the lock is free, A's lease stays recorded
    // replica X takes the lock and has not yet recorded its election (the window ReplicaBench hit)
    try (Connection x = dbA.dedicatedConnection("leader-replica-x"); var st = x.createStatement()) {
      try (var rs = st.executeQuery("SELECT pg_try_advisory_lock(" + LeaderElector.LOCK_KEY + ")")) {
        rs.next();
        assertThat(rs.getBoolean(1)).isTrue();
      }
      clock.advance(LEASE.plusSeconds(1)); // A's recorded lease has run out
      b.step();
      assertThat(b.isLeader()).isFalse();
      try (var rs = st.executeQuery("SELECT 1")) {
        assertThat(rs.next()).as("X's session survives B's round").isTrue();
      }
      // but a holder that never records an election within a lease is stuck: B ends its session
      clock.advance(LEASE);
      b.step();
      assertThatThrownBy(() -> st.executeQuery("SELECT 1")).as("X's session was terminated")
          .isInstanceOf(java.sql.SQLException.class);
    }
    b.step();
    assertThat(b.isLeader()).isTrue();
    assertThat(b.epoch()).isEqualTo(2);
  }

  @Test
  void one_replica_leads_and_its_actions_commit_under_its_epoch() {
    a.step();
    b.step();

    assertThat(a.isLeader()).isTrue();
    assertThat(b.isLeader()).isFalse();
    assertThat(b.leader()).isEqualTo("replica-a");
    assertThat(a.epoch()).isEqualTo(1);
    assertThat(b.act(() -> marker(journalB, "b"))).as("a follower does not act").isFalse();
    assertThat(a.act(() -> marker(journalA, "a"))).isTrue();
    assertThat(markers("a")).isEqualTo(1);
    assertThat(markers("b")).isZero();
    var elected = new JournalReader(dbA).page(0, 10).getFirst();
    assertThat(elected.type()).isEqualTo(LeaderElector.ELECTED);
    assertThat(elected.payload().path("replica").asText()).isEqualTo("replica-a");
  }

  @Test
  void when_the_leaders_lock_connection_dies_the_other_takes_over_and_the_old_leaders_commands_are_fenced()
      throws Exception {
    a.step();
    assertThat(a.isLeader()).isTrue();

    terminate(a.backendPid()); // the lock goes with the session, at once: no need to wait for the lease
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      b.step();
      return b.isLeader();
    });
    assertThat(b.epoch()).isEqualTo(2);

    // what A had in flight, still carrying epoch 1: refused by the writer, not applied
    assertThatThrownBy(() -> Fencing.run(1, () -> marker(journalA, "stale")))
        .isInstanceOf(FencedException.class)
        .hasMessageContaining("epoch 1").hasMessageContaining("epoch 2");
    assertThat(markers("stale")).isZero();
    // A's next action pings the dead connection and does not run at all
    assertThat(a.act(() -> marker(journalA, "a-after"))).isFalse();
    assertThat(a.isLeader()).isFalse();
    assertThat(markers("a-after")).isZero();
    assertThat(b.act(() -> marker(journalB, "b"))).isTrue();
    assertThat(markers("b")).isEqualTo(1);
    // the control: the very same command without a stale epoch is applied
    marker(journalA, "unfenced");
    assertThat(markers("unfenced")).isEqualTo(1);
  }

  /** SIGSTOP in one process: A is paused inside an action, past its lease; B takes over; A resumes. */
  @Test
  void a_leader_paused_past_its_lease_is_replaced_and_its_action_is_fenced_off_when_it_resumes() throws Exception {
    a.step();
    var inside = new CountDownLatch(1);
    var resume = new CountDownLatch(1);
    CompletableFuture<Throwable> paused = CompletableFuture.supplyAsync(() -> {
      try {
        a.act(() -> {
          inside.countDown();
          awaitLatch(resume);
          marker(journalA, "paused"); // the write the paused leader meant to make
        });
        return null;
      } catch (Throwable t) {
        return t;
      }
    });
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

    b.step();
    assertThat(b.isLeader()).as("the lease is still running: A's session is left alone").isFalse();
    clock.advance(LEASE.plusSeconds(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      b.step(); // ends A's session, then takes the lock
      return b.isLeader();
    });
    resume.countDown();

    assertThat(paused.get(30, TimeUnit.SECONDS)).isInstanceOf(FencedException.class);
    assertThat(markers("paused")).isZero();
    assertThat(a.act(() -> marker(journalA, "a-again"))).isFalse();
    assertThat(markers("a-again")).isZero();
  }

  @Test
  void a_live_leader_renews_its_lease_and_keeps_it_past_the_first_lease() {
    a.step();
    for (int i = 0; i < 5; i++) {
      clock.advance(LEASE.dividedBy(3));
      a.step(); // renew
      b.step(); // must neither take the lock nor end A's session
    }
    assertThat(a.isLeader()).isTrue();
    assertThat(b.isLeader()).isFalse();
    assertThat(a.act(() -> marker(journalA, "still"))).isTrue();
    assertThat(a.epoch()).isEqualTo(1);
  }

  @Test
  void closing_the_leader_hands_over_at_the_next_round() {
    a.step();
    a.close();
    b.step();
    assertThat(b.isLeader()).isTrue();
    assertThat(b.leaderChanges()).isEqualTo(1);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("not resumed within 30 s");
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
