package io.rollgate.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.server.rollout.RolloutLoop;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 5 in one JVM: three replicas on one embedded PostgreSQL drive 50 rollouts while the
 * leader is killed (its sessions end as a killed process's do) and then the next leader is paused
 * past its lease inside a leader action. Rollouts keep progressing exactly once, acknowledged writes
 * stay, the paused leader's action is fenced off, and event clients on the survivors see every event
 * once and in order.
 *
 * <p>Time: each replica has its own clock, moved together by the test (the leader's first, with a
 * lease renewal, so that the others never see a lease that ran out only because the test jumped);
 * rollouts are ticked by the test through {@code leaderOnly}, so only the leader's tick runs.
 * Heartbeats run on their own schedule (a third of the lease, real time): nothing in the test elects
 * a leader by hand.
 */
class ReplicaFailoverTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final Duration LEASE = Duration.ofSeconds(6);
  private static final int ROLLOUTS = 50;
  /** Three stages, no minimum durations and a one-minute analysis: a passing reading per stage moves it. */
  private static final String SPEC = ",\"stages\":["
      + "{\"name\":\"canary\",\"percentage\":10,\"minDurationSeconds\":0,\"maxErrorRate\":0.05},"
      + "{\"name\":\"half\",\"percentage\":50,\"minDurationSeconds\":0,\"maxErrorRate\":0.05},"
      + "{\"name\":\"full\",\"percentage\":100,\"minDurationSeconds\":0,\"maxErrorRate\":0.05}],"
      + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":10}}";
  private static final Duration ROUND = Duration.ofSeconds(61);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<TestServer> replicas = new ArrayList<>();
  private final Set<TestServer> dead = new HashSet<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private TestServer replica(String url) {
    var s = TestServer.start(url, cfg -> cfg.withLease(LEASE));
    open.add(s);
    replicas.add(s);
    return s;
  }

  private List<TestServer> alive() {
    return replicas.stream().filter(r -> !dead.contains(r)).toList();
  }

  private SseClient stream(TestServer s, long after) {
    var c = SseClient.connect(s.port(), EventStreamHandler.PATH, ADMIN, Map.of("Last-Event-ID", Long.toString(after)));
    open.add(c);
    assertThat(c.status).isEqualTo(200);
    assertThat(c.next().id()).isEqualTo(Long.toString(after));
    return c;
  }

  @Test
  void rollouts_progress_exactly_once_through_a_killed_leader_and_a_paused_one() throws Exception {
    String url = TestDatabases.newPostgresUrl();
    var a = replica(url);
    var b = replica(url);
    var c = replica(url);
    assertThat(a.server().cluster().isLeader()).as("the first replica leads").isTrue();
    long start = a.server().journalReader().head().seq();
    Map<TestServer, SseClient> streams = new HashMap<>();
    for (var r : replicas) {
      streams.put(r, stream(r, start));
    }
    var acknowledged = new ConcurrentLinkedQueue<Ack>(); // every 2xx change
    for (int i = 0; i < ROLLOUTS; i++) {
      var on = replicas.get(i % 3);
      var put = on.send("PUT", "/api/v1/policies/p" + i, ADMIN, "{\"document\":{\"on\":false,\"n\":" + i + "}}");
      assertThat(put.status()).as("%s", put).isEqualTo(201);
      var created = on.send("POST", "/api/v1/rollouts", ADMIN,
          "{\"policy\":\"p" + i + "\",\"delta\":{\"on\":true},\"reason\":\"r" + i + "\"" + SPEC);
      assertThat(created.status()).as("%s", created).isEqualTo(201);
      acknowledged.add(new Ack(created.json().path("transitions").get(0).path("journalSeq").asLong(), null, 0));
    }

    round(); // every rollout measured once and moved out of canary by A
    // kill A while a writer keeps changing policies on every replica
    var writing = new AtomicBoolean(true);
    var writer = Thread.ofVirtual().start(() -> {
      for (int n = 0; writing.get() && n < 10_000; n++) {
        var on = replicas.get(n % 3);
        try {
          var r = on.send("PUT", "/api/v1/policies/w" + (n % 5), ADMIN, "{\"document\":{\"n\":" + n + "}}");
          if (r.status() / 100 == 2) {
            acknowledged.add(new Ack(0, "w" + (n % 5), r.json().path("version").asInt()));
          }
        } catch (RuntimeException refused) {
          // the killed replica no longer answers: not acknowledged
        }
      }
    });
    await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= ROLLOUTS + 5);
    a.server().crashForTest();
    dead.add(a);
    long killedAt = System.nanoTime();
    await().atMost(LEASE).until(() -> leader() != null);
    long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() >= ROLLOUTS + 15);
    writing.set(false);
    writer.join(Duration.ofSeconds(30));
    var second = leader();
    assertThat(second).isIn(b, c);
    long secondEpoch = second.server().cluster().epoch();
    assertThat(secondEpoch).isEqualTo(2);
    System.out.printf("failover after the kill: %d ms (lease %d s)%n", failoverMs, LEASE.toSeconds());

    round(); // the new leader moves them on
    var third = second == b ? c : b;

    // the second leader stops inside a leader action (its ping passed, its epoch is bound), as SIGSTOP
    // would stop it, with its heartbeats stopped too; meanwhile the third replica's clock passes the lease
    var stopped = new CountDownLatch(1);
    var resume = new CountDownLatch(1);
    moveClocks(ROUND);
    second.server().cluster().pauseForTest(() -> block(resume));
    var fencedTick = new AtomicReference<RolloutLoop.Tick>();
    var ran = new AtomicBoolean();
    var action = Thread.ofPlatform().start(() -> ran.set(second.server().cluster().electorForTest().act(() -> {
      stopped.countDown();
      block(resume);
      fencedTick.set(second.server().rollouts().tick());
    })));
    assertThat(stopped.await(20, TimeUnit.SECONDS)).isTrue();
    third.clock().advance(LEASE.plusSeconds(1));
    await().atMost(LEASE.multipliedBy(2)).until(() -> third.server().cluster().isLeader());
    long thirdEpoch = third.server().cluster().epoch();
    assertThat(thirdEpoch).isEqualTo(3);
    long electedSeq = third.server().journalReader().head().seq();
    second.clock().advance(LEASE.plusSeconds(1));
    resume.countDown();
    action.join(Duration.ofSeconds(30));
    second.server().cluster().pauseForTest(() -> {});
    assertThat(ran.get()).as("the action had started before the pause").isTrue();
    var tick = fencedTick.get();
    assertThat(tick.measured()).as("the paused leader measured rollouts that were due").isPositive();
    assertThat(tick.transitions()).as("and moved none of them").isZero();
    assertThat(tick.failed()).as("every reconciliation it submitted was refused").isEqualTo(tick.measured());
    assertThat(entriesAfter(third, electedSeq)).as("nothing of the fenced leader's after the new epoch")
        .noneMatch(e -> e.type().startsWith("rollout."));
    await().atMost(LEASE).until(() -> !second.server().cluster().isLeader());

    for (int i = 0; i < 6 && !allDone(third); i++) {
      round();
    }
    assertThat(allDone(third)).as("every rollout completed").isTrue();

    // no stage transition journaled twice, per rollout
    List<JournalEntry> journal = entriesAfter(third, start);
    Map<String, List<String>> steps = new HashMap<>();
    for (var e : journal) {
      if (e.type().startsWith("rollout.") && !e.type().equals("rollout.started")) {
        JsonNode p = e.payload();
        steps.computeIfAbsent(p.path("rolloutId").asText(), k -> new ArrayList<>())
            .add(p.path("fromStage").path("index").asInt() + "/" + p.path("fromPhase").asText() + "->"
                + p.path("stage").path("index").asInt() + "/" + p.path("phase").asText());
      }
    }
    assertThat(steps).hasSize(ROLLOUTS);
    steps.forEach((id, s) -> assertThat(s).as("transitions of %s", id).doesNotHaveDuplicates()
        .endsWith("2/PROGRESSING->2/COMPLETED"));
    // no acknowledged write lost
    Set<Long> seqs = new HashSet<>();
    journal.forEach(e -> seqs.add(e.seq()));
    for (Ack ack : acknowledged) {
      long seq = ack.policy() == null ? ack.seq() : versionSeq(third, ack.policy(), ack.version());
      assertThat(seqs).as("acknowledged %s", ack).contains(seq);
    }
    // every event client on a surviving replica: every event once, in order
    long head = third.server().journalReader().head().seq();
    var expected = LongStream.rangeClosed(start + 1, head).boxed().toList();
    for (var r : List.of(b, c)) {
      var got = streams.get(r).eventsThrough(head).stream().map(SseClient.Frame::seq).toList();
      assertThat(got).as("events on %s", r.server().cluster().replicaId()).containsExactlyElementsOf(expected);
    }
    System.out.printf("%d journal entries, %d acknowledged writes checked, epochs 1..%d%n", head - start,
        acknowledged.size(), thirdEpoch);
  }

  /** A 2xx answer: its journal seq, or the policy version it created (resolved on a survivor at the end). */
  private record Ack(long seq, String policy, int version) {}

  private static void block(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private TestServer leader() {
    var leaders = alive().stream().filter(r -> r.server().cluster().isLeader()).toList();
    assertThat(leaders.size()).as("leaders").isLessThanOrEqualTo(1);
    return leaders.isEmpty() ? null : leaders.getFirst();
  }

  /**
   * Moves every live replica's clock by {@code d}: the leader's first, then it renews its lease at the
   * new time, then the others', so a follower never finds the lease run out only because of the jump.
   */
  private void moveClocks(Duration d) {
    var leader = leader();
    if (leader != null) {
      leader.clock().advance(d);
      leader.server().cluster().heartbeat();
    }
    alive().stream().filter(r -> r != leader).forEach(r -> r.clock().advance(d));
  }

  /** Outcomes for every rollout, posted to the replicas in turn; the clocks move; every live replica ticks. */
  private void round() {
    var live = alive();
    for (int i = 0; i < ROLLOUTS; i++) {
      var on = live.get(i % live.size());
      var r = on.reportOutcomes(ADMIN, "p" + i, 100, 0); // with the baseline, in the current split
      assertThat(r.status()).as("%s", r).isIn(200, 409); // 409: that rollout already completed
    }
    moveClocks(ROUND);
    for (var r : live) {
      r.server().cluster().leaderOnly().apply(() -> r.server().rollouts().tick()).run();
    }
  }

  private static boolean allDone(TestServer s) {
    return s.server().rolloutStore().active().isEmpty();
  }

  private static long versionSeq(TestServer s, String policy, int version) {
    var v = s.get("/api/v1/policies/" + policy + "/versions/" + version, ADMIN);
    assertThat(v.status()).as("%s", v).isEqualTo(200);
    return v.json().path("journalSeq").asLong();
  }

  private static List<JournalEntry> entriesAfter(TestServer s, long seq) {
    var out = new ArrayList<JournalEntry>();
    for (var page = s.server().journalReader().page(seq, 1000); !page.isEmpty();
        page = s.server().journalReader().page(out.getLast().seq(), 1000)) {
      out.addAll(page);
    }
    return out;
  }
}
