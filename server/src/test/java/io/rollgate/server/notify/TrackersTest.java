package io.rollgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.server.notify.fake.FakeGitLab;
import io.rollgate.server.notify.fake.FakeJira;
import io.rollgate.server.notify.fake.FakeServer;
import io.rollgate.server.notify.fake.FakeServer.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GitLab, Jira and the webhook through the outbox: one issue per incident across a restart, updates as comments, signatures. */
class TrackersTest {

  @Test
  void gitlab_one_issue_across_a_restart_then_a_note_per_update() {
    try (var gitlab = new FakeGitLab(4, "g/p", "glpat-secret-0123456789");
        var h = new Harness(List.of(new SinkSpec.GitLab("gitlab", URI.create(gitlab.baseUrl()), "g/p",
            new Secret("glpat-secret-0123456789"), List.of("incident"))))) {
      gitlab.script("create", Reply.performThenHang());
      h.opened(Harness.incident("inc-3", 1, "open"));
      h.notifications.deliverDue();
      h.restart();
      h.clock.advance(Duration.ofMinutes(1));
      h.drain();
      h.updated(Harness.incident("inc-3", 2, "acknowledged"));
      h.drain();

      assertThat(gitlab.issues()).hasSize(1);
      JsonNode issue = gitlab.issues().get(0);
      assertThat(issue.get("title").asText()).isEqualTo("[SEV1] checkout p99 regressed");
      assertThat(issue.get("labels")).extracting(JsonNode::asText).containsExactly("incident", "sev1");
      assertThat(gitlab.requests().stream().filter(r -> r.method().equals("POST") && r.path().endsWith("/issues")))
          .hasSize(1)
          .allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/api/v4/projects/g%2Fp/issues");
            assertThat(r.header("PRIVATE-TOKEN")).isEqualTo("glpat-secret-0123456789");
          });
      assertThat(gitlab.notes()).singleElement().satisfies(n -> assertThat(n.get("body").asText()).contains("**acknowledged**"));
      assertThat(h.notifications.links("inc-3")).containsExactly(new ExternalLink("gitlab", "gitlab", "created", "14",
          "https://gitlab.example.com/g/p/-/issues/14"));
    }
  }

  @Test
  void jira_sends_adf_with_basic_auth_and_finds_its_issue_by_label_after_a_restart() {
    try (var jira = new FakeJira("OPS", "ops@acme.com", "atl-token-0123456789");
        var h = new Harness(List.of(new SinkSpec.Jira("jira", URI.create(jira.baseUrl()), "ops@acme.com",
            new Secret("atl-token-0123456789"), "OPS", "Bug", List.of("incident"))))) {
      jira.script("create", Reply.performThenHang());
      h.opened(Harness.incident("inc-5", 1, "open"));
      h.notifications.deliverDue();
      h.restart();
      h.clock.advance(Duration.ofMinutes(1));
      h.drain();
      h.updated(Harness.incident("inc-5", 4, "mitigated"));
      h.drain();

      assertThat(jira.issues()).hasSize(1);
      JsonNode fields = jira.issues().get(0).get("fields");
      assertThat(fields.get("issuetype").get("name").asText()).isEqualTo("Bug");
      assertThat(fields.get("labels")).extracting(JsonNode::asText).containsExactly("incident", "sev1", "rollgate-inc-5");
      assertThat(fields.get("description").get("type").asText()).isEqualTo("doc");
      assertThat(jira.comments()).singleElement()
          .satisfies(c -> assertThat(Json.write(c.get("body"))).contains("is now mitigated"));
      assertThat(h.notifications.links("inc-5")).extracting(ExternalLink::url)
          .containsExactly(jira.baseUrl() + "/browse/OPS-24");
    }
  }

  @Test
  void jira_400_naming_a_field_is_not_retried() {
    try (var jira = new FakeJira("OTHER", "ops@acme.com", "atl-token-0123456789");
        var h = new Harness(List.of(new SinkSpec.Jira("jira", URI.create(jira.baseUrl()), "ops@acme.com",
            new Secret("atl-token-0123456789"), "OPS", "Bug", List.of())))) {
      h.opened(Harness.incident("inc-5", 1, "open"));
      h.notifications.deliverDue();
      var d = h.notifications.deliveries("inc-5").get(0);
      assertThat(d.state()).isEqualTo("failed");
      assertThat(d.lastError()).contains("HTTP 400").contains("valid project is required");
    }
  }

  /** Records what it receives; answers 204. */
  static final class Receiver extends FakeServer {
    @Override
    protected String operation(Request r) {
      return "post";
    }

    @Override
    protected Response handle(String op, Request r) {
      return new Response(204, "text/plain", "", Map.of());
    }
  }

  @Test
  void webhook_bodies_are_signed_with_hmac_sha256_over_timestamp_and_body() {
    String secret = "whsec-0123456789abcdef";
    try (var rx = new Receiver();
        var h = new Harness(List.of(new SinkSpec.Webhook("hook", URI.create(rx.baseUrl() + "/rollgate"),
            new Secret(secret), false)))) {
      rx.script("post", Reply.status(503, "busy"));
      h.opened(Harness.incident("inc-8", 1, "open"));
      h.drain();
      assertThat(rx.requests()).hasSize(2); // a 503, then the retry
      var r = rx.requests().get(1);
      assertThat(r.header("X-Rollgate-Event")).isEqualTo("incident.opened");
      assertThat(r.header("X-Rollgate-Delivery")).isEqualTo(rx.requests().get(0).header("X-Rollgate-Delivery"));
      long ts = Long.parseLong(r.header("X-Rollgate-Timestamp"));
      assertThat(r.header("X-Rollgate-Signature")).isEqualTo(WebhookSink.signature(secret, ts, r.body()))
          .isNotEqualTo(WebhookSink.signature("another-secret-0123", ts, r.body()));
      assertThat(r.json().get("incident").get("id").asText()).isEqualTo("inc-8");
      assertThat(r.body()).doesNotContain(secret);
    }
  }
}
