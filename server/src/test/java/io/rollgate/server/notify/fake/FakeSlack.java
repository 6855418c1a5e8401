package io.rollgate.server.notify.fake;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Slack incoming webhook: POST JSON to the hook's path; 200 with the plain-text body {@code ok};
 * errors as plain text ({@code invalid_payload} for non-JSON, {@code no_text} without text or blocks,
 * {@code no_service} for another hook path). Operation: {@code post}.
 */
public final class FakeSlack extends FakeServer {
  public static final String HOOK_PATH = "/services/T0001/B0001/abcdefghijklmnopqrstuvwx";
  private final List<JsonNode> messages = new CopyOnWriteArrayList<>();

  public String webhookUrl() {
    return baseUrl() + HOOK_PATH;
  }

  public List<JsonNode> messages() {
    return List.copyOf(messages);
  }

  @Override
  protected String operation(Request r) {
    return r.path().startsWith("/services/") ? "post" : null;
  }

  @Override
  protected Response notFound(Request r) {
    return Response.text(404, "no_service");
  }

  @Override
  protected Response handle(String op, Request r) {
    if (!r.path().equals(HOOK_PATH)) {
      return Response.text(404, "no_service");
    }
    if (!r.method().equals("POST")) {
      return Response.text(405, "invalid_request");
    }
    if (r.header("Content-Type") == null || !r.header("Content-Type").startsWith("application/json")) {
      return Response.text(400, "invalid_payload");
    }
    JsonNode b = parse(r.body());
    if (b == null || !b.isObject()) {
      return Response.text(400, "invalid_payload");
    }
    boolean text = b.path("text").isTextual() && !b.path("text").asText().isBlank();
    if (!text && !b.has("blocks")) {
      return Response.text(400, "no_text");
    }
    if (b.has("blocks")) {
      if (!b.get("blocks").isArray()) {
        return Response.text(400, "invalid_blocks");
      }
      for (JsonNode block : b.get("blocks")) {
        if (!block.path("type").isTextual()
            || (block.path("type").asText().equals("section") && block.path("text").path("text").asText("").length() > 3000)) {
          return Response.text(400, "invalid_blocks");
        }
      }
    }
    messages.add(b);
    return Response.text(200, "ok");
  }
}
