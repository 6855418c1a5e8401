package io.rollgate.server.incident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.server.notify.NotifySettings;
import io.rollgate.server.notify.Secret;
import io.rollgate.server.notify.SinkSpec;
import io.rollgate.server.notify.fake.FakeGitHub;
import io.rollgate.server.notify.fake.FakeSlack;
import io.rollgate.server.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's "done when", end to end: a rollout that rolls itself back opens exactly one incident, one
 * GitHub issue and a Slack message; a second rollback of the same policy is counted on the same
 * incident and reaches the same issue as a comment, never as a second issue.
 */
class IncidentNotifyFlowTest {
  private static final String TOKEN = "ghp_incident-flow-token-0123456789";

  @Test
  void a_failing_rollout_opens_one_incident_one_github_issue_and_a_slack_message() {
    try (var github = new FakeGitHub("acme", "ops", TOKEN);
        var slack = new FakeSlack();
        var server = TestServer.start(null, UnaryOperator.identity(), new NotifySettings(List.of(
            new SinkSpec.GitHub("github", URI.create(github.baseUrl()), "acme", "ops", new Secret(TOKEN),
                List.of("incident")),
            new SinkSpec.Slack("slack", new Secret(slack.webhookUrl()), true, false)), null,
            NotifySettings.Delivery.DEFAULTS))) {
      String admin = server.token("alice", "admin");
      assertThat(server.send("PUT", "/api/v1/policies/checkout", admin, "{\"document\":{\"enforce\":false}}").status())
          .isEqualTo(201);

      failRollout(server, admin, "{\"enforce\":true}");
      await().atMost(Duration.ofSeconds(30)).until(() -> github.issues().size() == 1 && !slack.messages().isEmpty());
      var incidents = server.get("/api/v1/incidents", admin).json().path("incidents");
      assertThat(incidents).hasSize(1);
      String id = incidents.get(0).path("id").asText();
      assertThat(incidents.get(0).path("kind").asText()).isEqualTo("rollout_regression");
      assertThat(github.issues().get(0).path("title").asText()).isNotBlank();
      assertThat(slack.messages()).hasSize(1);

      failRollout(server, admin, "{\"enforce\":true,\"mode\":\"strict\"}");
      await().atMost(Duration.ofSeconds(30)).until(() -> !github.comments().isEmpty());
      assertThat(server.get("/api/v1/incidents", admin).json().path("incidents")).hasSize(1);
      assertThat(server.get("/api/v1/incidents/" + id, admin).json().path("count").asInt()).isGreaterThanOrEqualTo(2);
      assertThat(github.issues()).as("one external issue per incident, however many signals").hasSize(1);
      // the incident shows where it was filed
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        var links = server.get("/api/v1/incidents/" + id, admin).json().path("links");
        assertThat(links).anySatisfy(l -> {
          assertThat(l.path("sink").asText()).isEqualTo("github");
          assertThat(l.path("url").asText()).contains("/acme/ops/issues/");
        });
      });
    }
  }

  /** A one-stage-then-full rollout whose candidate fails its first analysis: rolled back by the reconciler. */
  private static void failRollout(TestServer server, String admin, String delta) {
    var created = server.send("POST", "/api/v1/rollouts", admin, "{\"policy\":\"checkout\",\"delta\":" + delta + ","
        + "\"stages\":[{\"name\":\"canary\",\"percentage\":10,\"minDurationSeconds\":60,\"maxErrorRate\":0.01},"
        + "{\"name\":\"full\",\"percentage\":100,\"maxErrorRate\":0.01}],"
        + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":10}}");
    assertThat(created.status()).as("%s", created).isEqualTo(201);
    String id = created.json().path("id").asText();
    assertThat(server.send("POST", "/api/v1/outcomes", admin,
        "{\"policy\":\"checkout\",\"variant\":\"candidate\",\"success\":50,\"error\":50}").status()).isEqualTo(200);
    server.clock().advance(Duration.ofSeconds(60));
    server.server().rollouts().tick();
    assertThat(server.get("/api/v1/rollouts/" + id, admin).json().path("phase").asText()).isEqualTo("ROLLED_BACK");
  }
}
