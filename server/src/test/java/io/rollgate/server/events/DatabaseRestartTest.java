package io.rollgate.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 5: the database restarts under three replicas (its own embedded PostgreSQL, stopped
 * and started again on the same data directory and port) and they carry on without anyone touching
 * them: the writer's and readers' pools, the LISTEN tail and the leader election reconnect; each
 * replica takes a write, one replica leads at a new epoch, and every event client sees every event.
 */
class DatabaseRestartTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final Duration LEASE = Duration.ofSeconds(3);
  private final List<AutoCloseable> open = new ArrayList<>();
  private EmbeddedPostgres pg;

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  private static EmbeddedPostgres startPostgres(Path dir, int port) throws IOException {
    return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
        .setServerConfig("synchronous_commit", "on").setServerConfig("max_connections", "100").start();
  }

  private static int freePort() throws IOException {
    try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static int put(TestServer s, String policy, int n) {
    return s.send("PUT", "/api/v1/policies/" + policy, ADMIN, "{\"document\":{\"n\":" + n + "}}").status();
  }

  @Test
  void replicas_reconnect_after_the_database_restarts_and_carry_on_without_manual_steps() throws Exception {
    Path dir = TestDatabases.newTempDir().resolve("pgdata");
    int port = freePort();
    pg = startPostgres(dir, port);
    try (var c = pg.getPostgresDatabase().getConnection(); var st = c.createStatement()) {
      st.execute("CREATE DATABASE rollgate");
    }
    String url = pg.getJdbcUrl("postgres", "rollgate") + "&password=postgres";
    var replicas = new ArrayList<TestServer>();
    for (int i = 0; i < 3; i++) {
      var s = TestServer.start(url, cfg -> cfg.withLease(LEASE));
      open.add(s);
      replicas.add(s);
    }
    long start = replicas.getFirst().server().journalReader().head().seq();
    var streams = new ArrayList<SseClient>();
    for (var r : replicas) {
      var c = SseClient.connect(r.port(), EventStreamHandler.PATH, ADMIN, Map.of("Last-Event-ID", Long.toString(start)));
      open.add(c);
      assertThat(c.status).isEqualTo(200);
      assertThat(c.next().id()).isEqualTo(Long.toString(start));
      streams.add(c);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(put(replicas.get(i), "before" + i, i)).isEqualTo(201);
    }
    long epochBefore = replicas.getFirst().server().cluster().epoch();
    assertThat(epochBefore).isEqualTo(1);

    pg.close(); // a fast shutdown: every session is ended, as on a restart of the database server
    pg = null;
    var refused = replicas.get(1).send("PUT", "/api/v1/policies/during", ADMIN, "{\"document\":{}}");
    assertThat(refused.status()).as("no database: %s", refused).isEqualTo(503);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.json().path("type").asText()).endsWith("-unavailable");
    assertThat(refused.header("Retry-After")).hasValue("5");
    pg = startPostgres(dir, port);

    // each replica takes a write again on its own (a client may have to retry while the pools notice)
    var attempts = new java.util.concurrent.atomic.AtomicInteger();
    for (int i = 0; i < 3; i++) {
      var r = replicas.get(i);
      String policy = "after" + i;
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> attempts.incrementAndGet() > 0 && put(r, policy, 1) / 100 == 2);
    }
    System.out.printf("3 writes after the restart took %d attempts%n", attempts.get());
    // the old leader's session died with the restart: some replica leads at a new epoch, all agree
    await().atMost(Duration.ofSeconds(30)).until(() ->
        replicas.stream().filter(r -> r.server().cluster().isLeader()).count() == 1
            && replicas.stream().allMatch(r -> r.server().cluster().epoch() > epochBefore));
    var leader = replicas.stream().filter(r -> r.server().cluster().isLeader()).findFirst().orElseThrow();
    try (var c = DriverManager.getConnection(url); var st = c.createStatement();
         var rs = st.executeQuery("SELECT epoch, leader_id FROM cluster_leader WHERE id = 1")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(leader.server().cluster().epoch());
      assertThat(rs.getString(2)).isEqualTo(leader.server().cluster().replicaId());
    }
    // every event client, on every replica, has every event of before and after the restart, once
    long head = leader.server().journalReader().head().seq();
    var expected = LongStream.rangeClosed(start + 1, head).boxed().toList();
    for (var c : streams) {
      assertThat(c.eventsThrough(head).stream().map(SseClient.Frame::seq).toList()).containsExactlyElementsOf(expected);
    }
    // and the tails are live again: a write on one replica reaches another's clients
    assertThat(put(replicas.get(2), "last", 2)).isEqualTo(201);
    long last = replicas.get(2).server().journalReader().head().seq();
    assertThat(streams.getFirst().eventsThrough(last).getLast().seq()).isEqualTo(last);
    assertThat(replicas.stream().mapToLong(r -> r.server().cluster().tailForTest().reconnects()).sum())
        .as("the LISTEN connections were reopened").isGreaterThanOrEqualTo(3);
  }
}
