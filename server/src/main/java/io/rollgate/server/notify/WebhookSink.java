package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A generic JSON webhook. The body is {@code {"event","deliveryId","sentAt", "incident"|"rollout"}};
 * {@code X-Rollgate-Signature: sha256=<hex HMAC-SHA256 of "<X-Rollgate-Timestamp>.<body>" under the
 * secret>}, so a receiver can check origin and freshness, and deduplicate on {@code X-Rollgate-Delivery}.
 */
final class WebhookSink extends HttpSink implements Poster {
  private final SinkSpec.Webhook spec;

  WebhookSink(SinkSpec.Webhook spec, HttpClient client, Duration timeout, InstantSource clock) {
    super(spec.id(), client, timeout, clock, List.of(spec.secret().reveal()));
    this.spec = spec;
  }

  @Override
  public boolean incidents() {
    return true;
  }

  @Override
  public boolean rollouts() {
    return spec.rollouts();
  }

  static String signature(String secret, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] sig = mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return "sha256=" + HexFormat.of().formatHex(sig);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  @Override
  public Attempt post(long deliveryId, String message, ObjectNode payload) {
    Instant now = clock.instant();
    String event = message.equals("rollout") ? payload.path("rollout").path("type").asText("rollout")
        : "incident." + message;
    ObjectNode body = Json.object().put("event", event).put("deliveryId", deliveryId).put("sentAt", now.toString());
    payload.fields().forEachRemaining(e -> body.set(e.getKey(), e.getValue()));
    String text = Json.write(body);
    long ts = now.getEpochSecond();
    return send(request(spec.url()).header("Content-Type", "application/json")
        .header("X-Rollgate-Event", event)
        .header("X-Rollgate-Delivery", Long.toString(deliveryId))
        .header("X-Rollgate-Timestamp", Long.toString(ts))
        .header("X-Rollgate-Signature", signature(spec.secret().reveal(), ts, text))
        .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build(),
        "webhook post", r -> new Attempt.Delivered(null, null));
  }
}
