package io.rollgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.server.notify.fake.FakeSlack;
import io.rollgate.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Slack receives one message per rollout stage change and approval request, from the journal through the outbox. */
class SlackRolloutTest {
  static final Duration HOUR = Duration.ofHours(1);

  @Test
  void every_rollout_transition_and_approval_request_reaches_slack_once() {
    try (var slack = new FakeSlack();
        var server = TestServer.start(null, UnaryOperator.identity(), new NotifySettings(
            List.of(new SinkSpec.Slack("slack", new Secret(slack.webhookUrl()), true, true)), null,
            NotifySettings.Delivery.DEFAULTS))) {
      String alice = server.token("alice", "admin");
      String bob = server.token("bob", "admin");
      assertThat(server.send("PUT", "/api/v1/policies/checkout", alice,
          "{\"document\":{\"enforce\":false},\"reason\":\"init\"}").status()).isBetween(200, 201);
      var created = server.send("POST", "/api/v1/rollouts", alice, "{\"policy\":\"checkout\",\"delta\":{\"enforce\":true},"
          + "\"reason\":\"enforce\",\"analysis\":{\"intervalSeconds\":3600}}");
      assertThat(created.status()).as("%s", created).isEqualTo(201);
      String id = created.json().path("id").asText();
      for (int i = 0; i < 24; i++) { // canary healthy for its 24 h: then the quarter stage asks for an approval
        server.send("POST", "/api/v1/outcomes", alice, "[{\"policy\":\"checkout\",\"variant\":\"candidate\",\"success\":1000},"
            + "{\"policy\":\"checkout\",\"variant\":\"baseline\",\"success\":9000}]");
        server.clock().advance(HOUR);
        server.server().rollouts().tick();
      }
      assertThat(server.get("/api/v1/rollouts/" + id, alice).json().path("phase").asText()).isEqualTo("AWAITING_APPROVAL");
      assertThat(server.send("POST", "/api/v1/rollouts/" + id + "/advance", bob, "{\"reason\":\"looks good\"}").status())
          .isEqualTo(200);
      assertThat(server.send("POST", "/api/v1/rollouts/" + id + "/pause", bob, "{\"reason\":\"hold\"}").status())
          .isEqualTo(200);

      List<String> types = new java.util.ArrayList<>();
      server.server().journalReader().page(0, 1000).stream().filter(e -> e.type().startsWith("rollout."))
          .forEach(e -> types.add(e.type()));
      assertThat(types).containsExactly("rollout.started", "rollout.awaiting_approval", "rollout.advanced",
          "rollout.paused");
      await().atMost(Duration.ofSeconds(30)).until(() -> slack.messages().size() >= types.size());
      List<String> texts = slack.messages().stream().map(m -> m.path("text").asText()).toList();
      assertThat(texts).hasSize(4);
      assertThat(texts.get(0)).contains("Rollout `" + id + "` of `checkout` started");
      assertThat(texts.get(1)).startsWith(":raised_hand: *Approval needed*").contains("awaiting approval");
      assertThat(texts.get(2)).contains("advanced").contains("(25%)");
      assertThat(texts.get(3)).contains("paused").contains("hold");
      for (JsonNode m : slack.messages()) {
        assertThat(m.path("blocks").get(0).path("text").path("type").asText()).isEqualTo("mrkdwn");
      }
    }
  }
}
