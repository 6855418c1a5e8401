package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import java.util.Map;

/** Turns a {@code rollout.*} journal entry into the {@code rollout} template context. */
final class RolloutMessages {
  private RolloutMessages() {}

  static boolean concerns(JournalEntry e) {
    return e.type().startsWith("rollout.");
  }

  static ObjectNode context(JournalEntry e) {
    JsonNode p = e.payload();
    ObjectNode r = Json.object();
    r.put("id", p.path("rolloutId").asText(e.subject()));
    r.put("policy", p.path("policy").asText(e.subject()));
    r.put("type", e.type());
    r.put("event", e.type().substring("rollout.".length()).replace('_', ' '));
    r.put("phase", p.path("phase").asText(""));
    r.put("stageIndex", p.path("stage").path("index").asInt(0));
    r.put("percentage", p.path("percentage").isNumber() ? p.path("percentage").asText() : "?");
    r.put("awaitingApproval", e.type().equals("rollout.awaiting_approval"));
    r.put("reason", p.path("reason").isTextual() ? p.path("reason").asText() : null);
    r.put("actor", e.actor());
    r.put("seq", e.seq());
    r.put("at", e.recordedAt().toString());
    ObjectNode out = Json.object();
    out.set("rollout", r);
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> sampleContext() {
    var e = new JournalEntry(1, java.time.Instant.parse("2025-01-01T00:00:00Z"), "rollout.awaiting_approval",
        "checkout", "alice", Json.object().put("rolloutId", "checkout-1").put("policy", "checkout")
            .put("phase", "AWAITING_APPROVAL").put("percentage", 10).put("reason", "stage 1 passed"),
        "", "");
    return Json.mapper().convertValue(context(e).get("rollout"), Map.class);
  }
}
