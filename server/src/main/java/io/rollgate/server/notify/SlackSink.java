package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/**
 * A Slack incoming webhook: {@code POST} of {@code {"text", "blocks":[section mrkdwn]}}; Slack answers
 * 200 with the plain-text body {@code ok}, errors as plain text ({@code invalid_payload},
 * {@code no_service}, …). {@code text} is always sent, as the notification fallback.
 */
final class SlackSink extends HttpSink implements Poster {
  /** Slack's limit for a section block's text. */
  static final int MAX_SECTION = 3000;
  private final SinkSpec.Slack spec;
  private final Templates templates;

  SlackSink(SinkSpec.Slack spec, Templates templates, HttpClient client, Duration timeout, InstantSource clock) {
    super(spec.id(), client, timeout, clock, List.of(spec.webhookUrl().reveal()));
    this.spec = spec;
    this.templates = templates;
  }

  @Override
  public boolean incidents() {
    return spec.incidents();
  }

  @Override
  public boolean rollouts() {
    return spec.rollouts();
  }

  String render(String message, ObjectNode payload) {
    if (message.equals("rollout")) {
      return templates.render("slack/rollout", Map.of("rollout", Json.mapper().convertValue(payload.get("rollout"), Map.class)));
    }
    return templates.incident("slack", message, Outbox.incident(payload));
  }

  @Override
  public Attempt post(long deliveryId, String message, ObjectNode payload) {
    String text = render(message, payload).strip();
    if (text.length() > MAX_SECTION) {
      text = text.substring(0, MAX_SECTION - 1) + "…";
    }
    ObjectNode body = Json.object().put("text", text);
    body.putArray("blocks").addObject().put("type", "section")
        .putObject("text").put("type", "mrkdwn").put("text", text);
    return send(request(URI.create(spec.webhookUrl().reveal())).header("Content-Type", "application/json")
        .POST(json(body)).build(), "slack post", r -> new Attempt.Delivered(null, null));
  }
}
