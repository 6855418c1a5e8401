package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.server.evaluate.Evaluation;
import io.rollgate.server.evaluate.Evaluator;
import io.rollgate.server.evaluate.FlagKey;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.rollout.RolloutStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The OpenFeature Remote Evaluation Protocol (OFREP, open-feature/protocol service/openapi.yaml):
 * {@code POST /ofrep/v1/evaluate/flags/{key}} and the bulk {@code POST /ofrep/v1/evaluate/flags}.
 * A flag is a policy (key = its name, value = its document) or a value inside one
 * ({@code policy.field.sub}); what a subject gets comes from the same {@link Evaluator} as
 * {@code /api/v1/evaluate}. The targeting key is the subject. Refusals use OFREP's own error body
 * {@code {"key","errorCode","errorDetails"}}, not problem documents, including those raised before
 * the handler (authentication, body size): {@link ProblemMapper} asks {@link #handles} first.
 */
final class OfrepRoutes {
  static final String SINGLE = "/ofrep/v1/evaluate/flags/{key}";
  static final String BULK = "/ofrep/v1/evaluate/flags";
  private static final String PREFIX = "/ofrep/";
  private static final String JSON = "application/json";

  /** OFREP's error codes (OpenFeature's, less those only a provider raises). */
  enum ErrorCode { PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT, FLAG_NOT_FOUND, GENERAL }

  /** One flag's answer: a value with how it was decided, or why there is none. */
  sealed interface Answer {
    record Value(String key, JsonNode value, Evaluation evaluation) implements Answer {}

    record Failure(String key, int status, ErrorCode code, String details) implements Answer {}
  }

  /** The request's context: its targeting key (null when absent or blank), or why it cannot be used. */
  private sealed interface Request {
    record Subject(String targetingKey) implements Request {}

    record Refused(ErrorCode code, String details) implements Request {}
  }

  private final Evaluator evaluator;
  private final long maxBody;

  OfrepRoutes(PolicyStore policies, RolloutStore rollouts, long maxBody) {
    this.evaluator = new Evaluator(policies, rollouts);
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    app.post(SINGLE, this::single, Access.VIEWER_OR_API_KEY);
    app.post(BULK, this::bulk, Access.VIEWER_OR_API_KEY);
  }

  private void single(Context ctx) {
    String key = ctx.pathParam("key");
    Answer answer = switch (request(ctx)) {
      case Request.Refused r -> new Answer.Failure(key, 400, r.code(), r.details());
      case Request.Subject s -> answer(key, s.targetingKey());
    };
    switch (answer) {
      case Answer.Value v -> send(ctx, 200, bytes(success(v)));
      case Answer.Failure f -> send(ctx, f.status(), bytes(failure(f)));
    }
  }

  /**
   * Every policy's whole document for one context. The ETag is a digest of exactly the bytes
   * answered, so it changes whenever anything this context gets could change (a value, a variant,
   * a version, a rollout's percentage, a policy appearing) and never otherwise; two contexts that
   * get identical answers share it, which is right, since the representation is the same.
   */
  private void bulk(Context ctx) {
    String subject;
    switch (request(ctx)) {
      case Request.Refused r -> {
        ObjectNode o = Json.object().put("errorCode", r.code().name()).put("errorDetails", r.details());
        send(ctx, 400, bytes(o));
        return;
      }
      case Request.Subject s -> subject = s.targetingKey();
    }
    ObjectNode body = Json.object();
    ArrayNode flags = body.putArray("flags");
    for (Evaluation e : evaluator.evaluateAll(subject)) {
      FlagKey whole = new FlagKey(e.policy(), PolicyName.of(e.policy()), List.of());
      switch (answer(whole, e, subject)) {
        case Answer.Value v -> flags.add(success(v));
        case Answer.Failure f -> flags.add(failure(f));
      }
    }
    byte[] bytes = bytes(body);
    String etag = "\"" + Canonical.sha256Hex(bytes).substring(0, 32) + "\"";
    ctx.header("ETag", etag);
    if (notModified(ctx.header("If-None-Match"), etag)) {
      ctx.status(304);
      return;
    }
    send(ctx, 200, bytes);
  }

  private Answer answer(String key, String subject) {
    FlagKey flag;
    try {
      flag = FlagKey.parse(key);
    } catch (InvalidInputException e) {
      return new Answer.Failure(key, 404, ErrorCode.FLAG_NOT_FOUND, e.getMessage());
    }
    Optional<Evaluation> e = evaluator.evaluate(flag.policy(), subject);
    if (e.isEmpty()) {
      return new Answer.Failure(key, 404, ErrorCode.FLAG_NOT_FOUND, "policy '" + flag.policy() + "' does not exist");
    }
    return answer(flag, e.get(), subject);
  }

  private static Answer answer(FlagKey flag, Evaluation e, String subject) {
    if (e.split() && subject == null) {
      return new Answer.Failure(flag.key(), 400, ErrorCode.TARGETING_KEY_MISSING, "policy '" + e.policy()
          + "' is under rollout " + e.rollout().orElseThrow().id() + ": send context.targetingKey (the subject) "
          + "so that its bucket can decide between baseline and candidate");
    }
    Optional<JsonNode> value = flag.select(e.document());
    if (value.isEmpty() || value.get().isNull()) {
      // null is what a merge patch uses to remove a member, so it reads as absent, not as a value
      return new Answer.Failure(flag.key(), 404, ErrorCode.FLAG_NOT_FOUND, "the " + e.variant().wire()
          + " document of policy '" + e.policy() + "' has no value at '" + String.join(".", flag.path()) + "'"
          + (value.isPresent() ? " (it is null)" : ""));
    }
    return new Answer.Value(flag.key(), value.get(), e);
  }

  private Request request(Context ctx) {
    Body b;
    try {
      b = Body.optional(ctx, maxBody, "context");
    } catch (InvalidInputException e) {
      return new Request.Refused(ErrorCode.PARSE_ERROR, e.getMessage());
    }
    JsonNode context = b.get("context");
    if (context == null || context.isNull()) {
      return new Request.Subject(null);
    }
    if (!context.isObject()) {
      return new Request.Refused(ErrorCode.INVALID_CONTEXT, "'context' must be a JSON object, got "
          + Body.kind(context));
    }
    JsonNode key = context.get("targetingKey");
    if (key == null || key.isNull()) {
      return new Request.Subject(null);
    }
    if (!key.isTextual()) {
      return new Request.Refused(ErrorCode.INVALID_CONTEXT, "'context.targetingKey' must be a string, got "
          + Body.kind(key));
    }
    try {
      Evaluator.subject(key.textValue(), "context.targetingKey");
    } catch (InvalidInputException e) {
      return new Request.Refused(ErrorCode.INVALID_CONTEXT, e.getMessage());
    }
    // a blank key buckets like a missing one (the baseline), so it is reported as missing too
    return new Request.Subject(key.textValue().isBlank() ? null : key.textValue());
  }

  private static ObjectNode success(Answer.Value v) {
    Evaluation e = v.evaluation();
    ObjectNode o = Json.object();
    o.put("key", v.key());
    o.set("value", v.value());
    o.put("reason", e.split() ? "SPLIT" : "STATIC");
    o.put("variant", e.variant().wire());
    ObjectNode m = o.putObject("metadata"); // OFREP metadata values are strings, numbers and booleans only
    m.put("policy", e.policy());
    if (e.version() != null) {
      m.put("version", e.version());
    }
    m.put("stateHash", e.stateHash());
    e.rollout().ifPresent(r -> {
      m.put("rolloutId", r.id());
      m.put("percentage", RolloutJson.percentage(r.basisPoints()));
    });
    return o;
  }

  private static ObjectNode failure(Answer.Failure f) {
    return Json.object().put("key", f.key()).put("errorCode", f.code().name()).put("errorDetails", f.details());
  }

  /** RFC 9110 §13.1.2: weak comparison, a list of tags, or "*" for any current representation. */
  static boolean notModified(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.strip();
      if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] bytes(ObjectNode o) {
    return Json.write(o).getBytes(StandardCharsets.UTF_8);
  }

  private static void send(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON).result(body);
  }

  /** True for requests under {@code /ofrep/}, whose refusals are OFREP error bodies. */
  static boolean handles(Context ctx) {
    return ctx.path().startsWith(PREFIX);
  }

  /**
   * A refusal raised outside the handlers (authentication, limits, body size, no such route) in
   * OFREP's shape: {@code errorCode} GENERAL (OFREP has no codes for these; clients go by the
   * status), and the flag's {@code key} when the path names one.
   */
  static void sendError(Context ctx, int status, String details) {
    ObjectNode o = Json.object();
    String key = flagKey(ctx);
    if (key != null) {
      o.put("key", key);
    }
    o.put("errorCode", ErrorCode.GENERAL.name()).put("errorDetails", details);
    send(ctx, status, bytes(o));
  }

  private static String flagKey(Context ctx) {
    String prefix = BULK + "/";
    String path = ctx.path();
    if (!path.startsWith(prefix) || path.length() == prefix.length()) {
      return null;
    }
    try {
      return ctx.pathParam("key");
    } catch (RuntimeException e) { // no route matched: the rest of the path, as sent, is the best we have
      return path.substring(prefix.length());
    }
  }
}
