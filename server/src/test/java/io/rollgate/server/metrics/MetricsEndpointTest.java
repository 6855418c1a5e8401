package io.rollgate.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.server.RollgateServer;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.journal.JournalConfig;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} on a live server: the counters follow what the API did, with bounded labels. */
class MetricsEndpointTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final String CHANGES = "/api/v1/policies/{name}/changes";

  static UnaryOperator<RollgateServer.Config> queueCapacity(int capacity) {
    return c -> c.withJournal(new JournalConfig(capacity, 64, Duration.ofSeconds(2), Duration.ofSeconds(60)));
  }

  static Exposition scrape(TestServer s, String token) {
    var r = s.get("/metrics", token);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return Exposition.parse(r.body());
  }

  /** Scrapes until the assertions hold: request metrics are recorded just after the response is sent. */
  static void eventually(TestServer s, ThrowingConsumer<Exposition> assertions) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertions.accept(scrape(s, null)));
  }

  private static int send(TestServer s, String method, String path, String token, String body) {
    return s.send(method, path, token, body).status();
  }

  @Test
  void counters_follow_applies_skips_failed_commands_and_404s_with_route_templates_as_labels() {
    try (var s = TestServer.start(null, queueCapacity(321))) {
      assertThat(send(s, "PUT", "/api/v1/policies/alpha", ADMIN, "{\"document\":{\"max\":1}}")).isEqualTo(201);
      String change2 = "{\"delta\":{\"max\":2},\"reason\":\"r\"}";
      assertThat(send(s, "POST", "/api/v1/policies/alpha/changes", ADMIN, change2)).isEqualTo(200); // applied
      assertThat(send(s, "POST", "/api/v1/policies/alpha/changes", ADMIN, change2)).isEqualTo(200); // no-op
      assertThat(send(s, "POST", "/api/v1/policies/alpha/freeze", ADMIN, "{\"reason\":\"incident\"}")).isEqualTo(200);
      assertThat(send(s, "POST", "/api/v1/policies/alpha/changes", ADMIN, "{\"delta\":{\"max\":3}}")).isEqualTo(200);
      assertThat(send(s, "PUT", "/api/v1/policies/beta", ADMIN, "{\"document\":{}}")).isEqualTo(201);
      // a command that throws inside the journal (the policy does not exist), and a plain read 404
      assertThat(send(s, "POST", "/api/v1/policies/ghost/changes", ADMIN, change2)).isEqualTo(404);
      assertThat(send(s, "GET", "/api/v1/policies/ghost", ADMIN, null)).isEqualTo(404);
      assertThat(send(s, "GET", "/no/such/path-7731", ADMIN, null)).isEqualTo(404);
      assertThat(send(s, "GET", "/api/v1/policies", null, null)).isEqualTo(401);

      var r = s.get("/metrics", null);
      assertThat(r.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");

      eventually(s, m -> {
        assertThat(m.get("rollgate_policy_apply_total", "policy", "alpha", "outcome", "applied", "reason", "none"))
            .isEqualTo(2);
        assertThat(m.get("rollgate_policy_apply_total", "policy", "alpha", "outcome", "skipped", "reason", "noOp"))
            .isEqualTo(1);
        assertThat(m.get("rollgate_policy_apply_total", "policy", "alpha", "outcome", "skipped", "reason", "freeze"))
            .isEqualTo(1);
        assertThat(m.get("rollgate_policy_apply_total", "policy", "beta", "outcome", "applied", "reason", "none"))
            .isEqualTo(1);
        assertThat(m.find("rollgate_policy_apply_total", "policy", "ghost")).isEmpty();

        assertThat(m.get("rollgate_http_requests_total", "route", CHANGES, "method", "POST", "status", "200"))
            .isEqualTo(3);
        assertThat(m.get("rollgate_http_requests_total", "route", CHANGES, "method", "POST", "status", "404"))
            .isEqualTo(1);
        assertThat(m.get("rollgate_http_requests_total", "route", "/api/v1/policies/{name}", "method", "PUT",
            "status", "201")).isEqualTo(2);
        assertThat(m.get("rollgate_http_requests_total", "route", "/api/v1/policies/{name}", "method", "GET",
            "status", "404")).isEqualTo(1);
        assertThat(m.get("rollgate_http_requests_total", "route", "unmatched", "method", "GET", "status", "404"))
            .isEqualTo(1);
        assertThat(m.get("rollgate_http_requests_total", "route", "/api/v1/policies", "method", "GET",
            "status", "401")).isEqualTo(1);
        // never a raw path in a label
        assertThat(m.samples()).allSatisfy(sample -> assertThat(sample.labels().values())
            .noneMatch(v -> v.contains("path-7731") || v.contains("alpha/") || v.contains("/ghost")));

        // the duration histogram of the changes route: 4 requests, cumulative buckets ending in +Inf
        var buckets = m.find("rollgate_http_request_duration_seconds_bucket", "route", CHANGES, "method", "POST");
        assertThat(buckets).extracting(Exposition::le).containsExactly(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, Double.POSITIVE_INFINITY);
        assertThat(buckets).extracting(Exposition.Sample::value).isSorted().last().isEqualTo(4.0);
        assertThat(m.get("rollgate_http_request_duration_seconds_count", "route", CHANGES, "method", "POST"))
            .isEqualTo(4);
        assertThat(m.get("rollgate_http_request_duration_seconds_sum", "route", CHANGES, "method", "POST"))
            .isGreaterThan(0);
      });

      var journal = s.server().journal();
      var m = scrape(s, null);
      assertThat(m.get("rollgate_journal_queue_capacity")).isEqualTo(321);
      assertThat(m.get("rollgate_journal_queue_depth")).isZero();
      assertThat(m.get("rollgate_journal_submissions_total", "outcome", "failed")).isEqualTo(1);
      assertThat(m.get("rollgate_journal_submissions_total", "outcome", "committed"))
          .isEqualTo(journal.committedCommands() - 1);
      assertThat(m.get("rollgate_journal_submissions_total", "outcome", "commit_failed")).isZero();
      assertThat(m.get("rollgate_journal_submissions_total", "outcome", "rejected_saturated")).isZero();
      assertThat(m.get("rollgate_journal_submissions_total", "outcome", "rejected_shutdown")).isZero();
      // admin bootstrap, 2 puts, 1 applied change, 2 skips, 1 freeze: every entry counted, the head tracked
      assertThat(m.get("rollgate_journal_entries_total")).isEqualTo(s.journalHead()).isEqualTo(7);
      assertThat(m.get("rollgate_journal_head_sequence")).isEqualTo(s.journalHead());
      assertThat(m.get("rollgate_journal_batch_commands_count")).isEqualTo(journal.batches());
      assertThat(m.get("rollgate_journal_batch_commands_sum")).isEqualTo(journal.committedCommands());
      assertThat(m.get("rollgate_journal_commit_duration_seconds_count")).isEqualTo(journal.batches());
      assertThat(m.find("rollgate_journal_commit_duration_seconds_bucket")).extracting(Exposition::le)
          .startsWith(0.0005, 0.001).endsWith(5.0, Double.POSITIVE_INFINITY);
      assertThat(m.types()).containsEntry("rollgate_journal_commit_duration_seconds", "histogram")
          .containsEntry("rollgate_journal_batch_commands", "histogram")
          .containsEntry("rollgate_journal_submissions_total", "counter")
          .containsEntry("rollgate_journal_queue_depth", "gauge");
      // JVM and process basics
      assertThat(m.find("jvm_memory_used_bytes")).isNotEmpty();
      assertThat(m.find("jvm_threads_current")).isNotEmpty();
      assertThat(m.find("process_cpu_seconds_total")).isNotEmpty();
    }
  }

  @Test
  void a_metrics_token_is_required_when_configured_and_nothing_else_opens_metrics() {
    String secret = "scrape-secret-4711";
    try (var s = TestServer.start(null, c -> c.withMetricsToken(secret))) {
      for (var token : java.util.Arrays.asList(null, "wrong-token", ADMIN, secret + "x", secret.substring(1))) {
        var r = s.get("/metrics", token);
        assertThat(r.status()).as("token %s: %s", token, r).isEqualTo(401);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.header("WWW-Authenticate")).hasValue("Bearer realm=\"rollgate\"");
        assertThat(r.json().path("field").asText()).isEqualTo("Authorization");
        assertThat(r.body()).doesNotContain(secret).doesNotContain("rollgate_");
      }
      var basic = s.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.baseUrl() + "/metrics"))
          .header("Authorization", "Basic " + secret).GET().build());
      assertThat(basic.status()).isEqualTo(401);

      var ok = s.get("/metrics", secret);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(Exposition.parse(ok.body()).find("rollgate_journal_queue_capacity")).hasSize(1);
      // the scheme is case-insensitive, as RFC 9110 says
      var lower = s.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.baseUrl() + "/metrics"))
          .header("Authorization", "bearer " + secret).GET().build());
      assertThat(lower.status()).isEqualTo(200);
    }
  }

  @Test
  void without_a_metrics_token_metrics_are_public() {
    try (var s = TestServer.start()) {
      assertThat(s.get("/metrics", null).status()).isEqualTo(200);
      assertThat(s.get("/metrics", "anything").status()).isEqualTo(200);
    }
  }

  @Test
  void two_servers_in_one_jvm_keep_separate_registries() {
    try (var a = TestServer.start(); var b = TestServer.start()) {
      assertThat(a.server().metrics().registry()).isNotSameAs(b.server().metrics().registry());
      send(a, "PUT", "/api/v1/policies/only-a", ADMIN, "{\"document\":{}}");
      send(a, "POST", "/api/v1/policies/only-a/changes", ADMIN, "{\"delta\":{\"x\":1}}");

      eventually(a, m -> assertThat(
          m.get("rollgate_policy_apply_total", "policy", "only-a", "outcome", "applied", "reason", "none"))
          .isEqualTo(2));
      var mb = scrape(b, null);
      assertThat(mb.find("rollgate_policy_apply_total")).isEmpty();
      assertThat(mb.get("rollgate_journal_entries_total")).isEqualTo(b.journalHead()).isEqualTo(1);
      assertThat(scrape(a, null).get("rollgate_journal_entries_total")).isEqualTo(a.journalHead()).isEqualTo(3);
      // both expose the process-wide JVM metrics
      assertThat(mb.find("jvm_memory_used_bytes")).isNotEmpty();
    }
  }

  @Test
  void the_head_gauge_starts_from_the_existing_journal_after_a_restart() {
    var dir = io.rollgate.store.testing.TestDatabases.newTempDir();
    UnaryOperator<RollgateServer.Config> sameDir = c -> c.withDataDir(dir);
    long head;
    try (var first = TestServer.start(null, sameDir)) {
      send(first, "PUT", "/api/v1/policies/p", ADMIN, "{\"document\":{}}");
      head = first.journalHead();
    }
    try (var second = TestServer.start(null, sameDir)) {
      var m = scrape(second, null);
      assertThat(m.get("rollgate_journal_head_sequence")).isEqualTo(head).isEqualTo(2);
      assertThat(m.get("rollgate_journal_entries_total")).as("this process appended nothing yet").isZero();
    }
  }

  @Test
  void unmatched_paths_of_any_shape_share_one_label() {
    try (var s = TestServer.start()) {
      for (String path : List.of("/x", "/api/v1/nope", "/api/v1/policies/a/b/c/d",
          "/api/v1/policies/a%20b/versions/1/extra")) {
        assertThat(s.get(path, null).status()).isEqualTo(404);
      }
      // a known path with a method it does not have matched no route either
      assertThat(s.send("DELETE", "/api/v1/policies/p", null, (String) null).status()).isEqualTo(405);
      eventually(s, m -> {
        assertThat(m.get("rollgate_http_requests_total", "route", "unmatched", "method", "GET", "status", "404"))
            .isEqualTo(4);
        assertThat(m.get("rollgate_http_requests_total", "route", "unmatched", "method", "DELETE", "status", "405"))
            .isEqualTo(1);
        assertThat(m.find("rollgate_http_requests_total")).allSatisfy(x ->
            assertThat(x.labels().get("route")).matches("unmatched|/metrics|/health|/api/v1/.*"));
      });
    }
  }
}
