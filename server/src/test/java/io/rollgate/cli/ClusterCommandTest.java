package io.rollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterCommandTest {
  private static CliTest.Result status(TestServer s, String... extra) {
    var args = new java.util.ArrayList<>(java.util.List.of("cluster", "status", "--server", s.baseUrl()));
    args.addAll(java.util.List.of(extra));
    return CliTest.run(Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN), args.toArray(String[]::new));
  }

  @Test
  void a_single_sqlite_server_is_its_own_leader_at_epoch_0() {
    try (var s = TestServer.start()) {
      var text = status(s);
      assertThat(text.exit()).as("%s", text).isZero();
      String self = s.server().cluster().replicaId();
      assertThat(text.out()).contains("self " + self + ", leader " + self + ", epoch 0").contains("yes");
      var json = status(s, "--json").json();
      assertThat(json.path("replicas")).hasSize(1);
      assertThat(json.path("replicas").get(0).path("leader").asBoolean()).isTrue();
    }
  }

  @Test
  void two_postgresql_replicas_are_listed_with_the_leader_marked() {
    String url = TestDatabases.newPostgresUrl();
    try (var a = TestServer.start(url); var b = TestServer.start(url)) {
      var json = status(b, "--json").json();
      assertThat(json.path("leader").asText()).isEqualTo(a.server().cluster().replicaId());
      assertThat(json.path("epoch").asLong()).isEqualTo(1);
      assertThat(json.path("replicas")).hasSize(2);
      var text = status(b);
      assertThat(text.out()).contains(a.server().cluster().replicaId()).contains(b.server().cluster().replicaId())
          .contains("127.0.0.1:" + a.port());
    }
  }
}
