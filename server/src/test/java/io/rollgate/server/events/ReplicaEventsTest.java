package io.rollgate.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.journal.FencedException;
import io.rollgate.store.journal.Fencing;
import io.rollgate.store.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replicas as in-process servers on one embedded PostgreSQL database: events cross replicas once and
 * in order, the cluster view lists them, and the leader's loss hands the singleton loops over.
 */
class ReplicaEventsTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private TestServer replica(String url) {
    var s = TestServer.start(url);
    open.add(s);
    return s;
  }

  private SseClient stream(TestServer s, long after) {
    var c = SseClient.connect(s.port(), EventStreamHandler.PATH, ADMIN, Map.of("Last-Event-ID", Long.toString(after)));
    open.add(c);
    assertThat(c.status).isEqualTo(200);
    assertThat(c.next().id()).isEqualTo(Long.toString(after));
    return c;
  }

  private static void put(TestServer s, String policy, int n) {
    var r = s.send("PUT", "/api/v1/policies/" + policy, ADMIN, "{\"document\":{\"n\":" + n + "}}");
    assertThat(r.status()).as("%s", r).isIn(200, 201);
  }

  @Test
  void an_event_client_on_either_replica_sees_every_write_of_both_once_and_in_order() {
    String url = TestDatabases.newPostgresUrl();
    var a = replica(url);
    var b = replica(url);
    long start = b.server().journalReader().head().seq();
    var onA = stream(a, start);
    var onB = stream(b, start);

    for (int i = 0; i < 30; i++) {
      put(i % 2 == 0 ? a : b, "p" + (i % 3), i); // both replicas write, interleaved
    }
    long head = a.server().journalReader().head().seq();
    assertThat(head - start).isGreaterThanOrEqualTo(30);

    for (var c : List.of(onA, onB)) {
      var seqs = c.eventsThrough(head).stream().map(SseClient.Frame::seq).toList();
      var expected = java.util.stream.LongStream.rangeClosed(start + 1, head).boxed().toList();
      assertThat(seqs).as("every event once, in order").containsExactlyElementsOf(expected);
    }
    assertThat(b.server().journal().tailedEntries()).as("A's writes reached B by tailing").isPositive();
  }

  @Test
  void the_cluster_view_health_and_metrics_show_one_leader_and_both_replicas() {
    String url = TestDatabases.newPostgresUrl();
    var a = replica(url);
    var b = replica(url);
    String viewer = a.token("watcher", "viewer");

    var view = b.get("/api/v1/cluster", viewer);
    assertThat(view.status()).isEqualTo(200);
    var json = view.json();
    assertThat(json.path("self").asText()).isEqualTo(b.server().cluster().replicaId());
    assertThat(json.path("leader").asText()).isEqualTo(a.server().cluster().replicaId());
    assertThat(json.path("epoch").asLong()).isEqualTo(1);
    var ids = new HashSet<String>();
    json.path("replicas").forEach(r -> {
      ids.add(r.path("id").asText());
      assertThat(r.path("address").asText()).startsWith("127.0.0.1:");
      assertThat(r.path("leader").asBoolean()).isEqualTo(r.path("id").asText().equals(json.path("leader").asText()));
    });
    assertThat(ids).containsExactlyInAnyOrder(a.server().cluster().replicaId(), b.server().cluster().replicaId());

    var health = b.get("/health", null).json().path("checks").path("cluster");
    assertThat(health.path("role").asText()).isEqualTo("follower");
    assertThat(health.has("lagEntries")).isTrue();
    assertThat(a.get("/health", null).json().path("checks").path("cluster").path("role").asText()).isEqualTo("leader");
    String metrics = a.get("/metrics", null).body();
    assertThat(metrics).contains("rollgate_cluster_epoch 1.0").contains("rollgate_cluster_leader 1.0")
        .contains("rollgate_cluster_leader_changes_total").contains("rollgate_cluster_notify_lag_seconds")
        .contains("rollgate_cluster_tail_lag_entries");
    assertThat(b.get("/metrics", null).body()).contains("rollgate_cluster_leader 0.0");
  }

  @Test
  void when_the_leader_dies_another_replica_leads_within_the_lease_and_the_old_epoch_is_fenced() {
    String url = TestDatabases.newPostgresUrl();
    var a = replica(url);
    var b = replica(url);
    var c = replica(url);
    assertThat(a.server().cluster().isLeader()).isTrue();
    var onC = stream(c, c.server().journalReader().head().seq());

    a.server().crashForTest(); // no hand-over: its sessions end as a killed process's do
    // B and C heartbeat on their own every third of the lease: one of them takes the freed lock
    await().atMost(a.server().cluster().electorForTest().lease())
        .until(() -> b.server().cluster().isLeader() || c.server().cluster().isLeader());
    var leader = b.server().cluster().isLeader() ? b : c;
    assertThat(leader.server().cluster().epoch()).isEqualTo(2);
    assertThat(b.server().cluster().isLeader() && c.server().cluster().isLeader()).isFalse();

    // a command carrying A's epoch (what a paused A would send) is refused by a live replica's writer
    var stale = org.assertj.core.api.Assertions.catchThrowable(() -> Fencing.run(1,
        () -> b.server().journal().execute(tx -> tx.append("test.stale", "x", "a", Json.object()))));
    assertThat(stale).isInstanceOf(FencedException.class);
    // the election is an event on every surviving replica's stream
    var elected = onC.eventsUntil(f -> f.event().equals("cluster.leader_elected"));
    assertThat(elected.getLast().json().path("payload").path("epoch").asLong()).isEqualTo(2);
    assertThat(c.server().journalReader().page(0, 1000)).noneMatch(e -> e.type().equals("test.stale"));
  }

  @Test
  void a_leader_paused_past_its_lease_loses_leadership_to_another_replica() {
    String url = TestDatabases.newPostgresUrl();
    var a = replica(url);
    var b = replica(url);
    var resume = new java.util.concurrent.CountDownLatch(1);
    a.server().cluster().pauseForTest(() -> {
      try {
        resume.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Duration lease = a.server().cluster().electorForTest().lease();
    // A's heartbeats now hang; B's clock (each test server has its own) passes A's lease
    b.clock().advance(lease.plusSeconds(1));
    await().atMost(lease).until(() -> {
      b.server().cluster().heartbeat();
      return b.server().cluster().isLeader();
    });
    a.clock().advance(lease.plusSeconds(1));
    resume.countDown();
    a.server().cluster().pauseForTest(() -> {});
    // A's next leader action finds its session ended and does not run
    boolean[] ran = {false};
    a.server().cluster().leaderOnly().apply(() -> ran[0] = true).run();
    assertThat(ran[0]).isFalse();
    assertThat(a.server().cluster().isLeader()).isFalse();
    assertThat(a.server().cluster().role()).isEqualTo("follower");
  }
}
