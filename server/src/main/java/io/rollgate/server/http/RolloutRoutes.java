package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Variant;
import io.rollgate.server.analysis.PrometheusProvider;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import io.rollgate.store.rollout.Action;
import io.rollgate.store.rollout.NewRollout;
import io.rollgate.store.rollout.Outcome;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import io.rollgate.store.rollout.Transition;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/rollouts}, {@code /api/v1/outcomes} and {@code /api/v1/evaluate}: thin handlers;
 * the rules live in core (reconciler, bucketing) and the store.
 */
final class RolloutRoutes {
  static final int MAX_REASON = 1_000;
  static final int MEASUREMENTS_SHOWN = 100;
  private static final int MAX_SUBJECT = 1_024;
  /** {@code {policy}-{n}}: checked before any lookup so a malformed id is a 400, not a 404 by luck. */
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}-[1-9][0-9]{0,9}");

  private final RolloutStore rollouts;
  private final PolicyStore policies;
  private final InstantSource clock;
  private final long maxBody;

  RolloutRoutes(RolloutStore rollouts, PolicyStore policies, InstantSource clock, long maxBody) {
    this.rollouts = rollouts;
    this.policies = policies;
    this.clock = clock;
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    String base = "/api/v1/rollouts";
    app.post(base, this::create, Access.OPERATOR);
    app.get(base, this::list, Access.VIEWER);
    app.get(base + "/{id}", ctx -> ctx.json(status(rollouts.require(id(ctx)), true)), Access.VIEWER);
    app.post(base + "/{id}/advance", ctx -> act(ctx, Action.ADVANCE), Access.ADMIN);
    app.post(base + "/{id}/rollback", ctx -> act(ctx, Action.ROLL_BACK), Access.OPERATOR);
    app.post(base + "/{id}/pause", ctx -> act(ctx, Action.PAUSE), Access.OPERATOR);
    app.post(base + "/{id}/resume", ctx -> act(ctx, Action.RESUME), Access.OPERATOR);
    app.post(base + "/{id}/abort", ctx -> act(ctx, Action.ABORT), Access.OPERATOR);
    app.post("/api/v1/outcomes", this::outcomes, Access.OPERATOR);
    app.get("/api/v1/evaluate/{policy}", this::evaluate, Access.VIEWER);
  }

  private void create(Context ctx) {
    Body b = Body.of(ctx, maxBody, "policy", "document", "delta", "stages", "analysis", "onFailure", "selfApproval",
        "reason");
    PolicyName policy = policyName("policy", b.requireText("policy", 64));
    ObjectNode document = optionalObject(b, "document");
    ObjectNode delta = optionalObject(b, "delta");
    // the store checks this too, but only after looking the policy up: a bad body is a 400 before any 404 or 409
    if (document != null) {
      Canonical.requireIJson(document, "/document");
    }
    if (delta != null) {
      Canonical.requireIJson(delta, "/delta");
    }
    AnalysisSettings analysis = RolloutJson.analysis(b.get("analysis"));
    if (analysis.provider() == AnalysisSettings.Provider.PROMETHEUS) {
      // an unknown placeholder is a typo the loop would otherwise report as an error at every interval
      PrometheusProvider.validateTemplate(analysis.query());
    }
    JsonNode onFailure = b.get("onFailure");
    JsonNode selfApproval = b.get("selfApproval");
    ObjectNode specJson = Json.object();
    specJson.set("stages", b.get("stages"));
    specJson.set("analysis", RolloutJson.toJson(analysis));
    specJson.set("onFailure", onFailure);
    specJson.set("selfApproval", selfApproval);
    specJson.put("author", Auth.principal(ctx).name());
    RolloutSpec spec = RolloutJson.spec(specJson);
    RolloutView created = rollouts.create(new NewRollout(policy, document, delta, spec,
        b.optionalText("reason", MAX_REASON)));
    ctx.header("Location", "/api/v1/rollouts/" + created.id());
    ctx.status(201).json(status(created, true));
  }

  private static ObjectNode optionalObject(Body b, String field) {
    JsonNode v = b.get(field);
    return v == null || v.isNull() ? null : b.requireObject(field);
  }

  private void list(Context ctx) {
    String p = ctx.queryParam("policy");
    PolicyName policy = p == null || p.isEmpty() ? null : policyName("policy", p);
    String active = ctx.queryParam("active");
    if (active != null && !active.equals("true") && !active.equals("false")) {
      throw new InvalidInputException("active", "'active' must be true or false, got '" + Body.shorten(active) + "'");
    }
    int limit = PolicyRoutes.intQuery(ctx, "limit", 100, 1, RolloutStore.MAX_LIST);
    List<ObjectNode> out = rollouts.list(policy, "true".equals(active), limit).stream()
        .map(v -> status(v, false)).toList();
    ctx.json(Map.of("rollouts", out));
  }

  private void act(Context ctx, Action action) {
    String id = id(ctx);
    Body b = Body.of(ctx, maxBody, "reason");
    String reason = b.requireText("reason", MAX_REASON);
    if (reason.isBlank()) {
      throw new InvalidInputException("reason", "'reason' must not be blank: say why, it is journaled");
    }
    ctx.json(status(rollouts.act(id, action, Auth.principal(ctx).name(), reason).rollout(), true));
  }

  /** One report or an array of them, recorded all or none. */
  private void outcomes(Context ctx) {
    JsonNode body = Body.value(ctx, maxBody);
    List<Outcome> batch = new ArrayList<>();
    if (body.isArray()) {
      if (body.isEmpty() || body.size() > RolloutStore.MAX_OUTCOME_BATCH) {
        throw new InvalidInputException("body", "an outcome batch holds 1 to " + RolloutStore.MAX_OUTCOME_BATCH
            + " reports, got " + body.size());
      }
      for (int i = 0; i < body.size(); i++) {
        batch.add(outcome(body.get(i), "[" + i + "]."));
      }
    } else {
      batch.add(outcome(body, ""));
    }
    int recorded = rollouts.recordOutcomes(batch);
    ctx.json(Map.of("recorded", recorded));
  }

  private static Outcome outcome(JsonNode n, String at) {
    if (!n.isObject()) {
      throw new InvalidInputException(at.isEmpty() ? "body" : at.substring(0, at.length() - 1),
          "an outcome report must be an object {\"policy\",\"variant\",\"success\",\"error\"}, got " + Body.kind(n));
    }
    for (var it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!List.of("policy", "variant", "success", "error").contains(f)) {
        throw new InvalidInputException(at + f, "unknown field '" + Body.shorten(at + f)
            + "'; expected policy, variant, success, error");
      }
    }
    JsonNode policy = n.get("policy");
    if (policy == null || !policy.isTextual()) {
      throw new InvalidInputException(at + "policy", "'" + at + "policy' is required and must be a string");
    }
    JsonNode variant = n.get("variant");
    if (variant == null || !variant.isTextual()) {
      throw new InvalidInputException(at + "variant", "'" + at + "variant' is required: 'baseline' or 'candidate'");
    }
    try {
      return new Outcome(policyName(at + "policy", policy.asText()), Variant.parse(at + "variant", variant.asText()),
          count(n, at, "success"), count(n, at, "error"));
    } catch (InvalidInputException e) {
      if (e.field().startsWith(at)) {
        throw e;
      }
      throw new InvalidInputException(at + e.field(), (at.isEmpty() ? "" : at) + e.getMessage());
    }
  }

  private static long count(JsonNode n, String at, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new InvalidInputException(at + field, "'" + at + field + "' must be a count (an integer ≥ 0), got "
          + Body.kind(v));
    }
    return v.longValue();
  }

  /**
   * The document a subject gets now. Outside a rollout, the current version. During one, the
   * subject's bucket decides; a missing subject gets the baseline (never random).
   */
  private void evaluate(Context ctx) {
    PolicyName name = policyName("policy", ctx.pathParam("policy"));
    String subject = ctx.queryParam("subject");
    if (subject != null && subject.length() > MAX_SUBJECT) {
      throw new InvalidInputException("subject", "'subject' is " + subject.length()
          + " characters long; the limit is " + MAX_SUBJECT);
    }
    PolicyView current = policies.get(name)
        .orElseThrow(() -> new NotFoundException("policy '" + name + "' does not exist"));
    Optional<RolloutView> rollout = rollouts.activeFor(name);
    ObjectNode out = Json.object();
    out.put("policy", name.value());
    if (rollout.isPresent() && rollout.get().baselineVersion() == current.version()
        && rollout.get().variantFor(subject) == Variant.CANDIDATE) {
      RolloutView r = rollout.get();
      out.set("value", r.candidate());
      out.put("variant", Variant.CANDIDATE.wire());
      out.putNull("version"); // not a version until the rollout completes
      out.put("stateHash", r.candidateHash());
    } else {
      out.set("value", current.document());
      out.put("variant", Variant.BASELINE.wire());
      out.put("version", current.version());
      out.put("stateHash", current.stateHash());
    }
    if (rollout.isPresent()) {
      out.put("rolloutId", rollout.get().id());
      out.put("percentage", RolloutJson.percentage(rollout.get().state().candidateBasisPoints()));
    } else {
      out.putNull("rolloutId");
    }
    ctx.json(out);
  }

  /** PolicyName's own error names {@code name}; here the name comes from {@code field}. */
  private static PolicyName policyName(String field, String value) {
    try {
      return PolicyName.of(value);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(field, "'" + field + "': " + e.getMessage());
    }
  }

  static String id(Context ctx) {
    String raw = ctx.pathParam("id");
    if (!ID.matcher(raw).matches()) {
      throw new InvalidInputException("id", "'id' must be a rollout id such as 'limits-3' (policy name, '-', "
          + "number), got '" + Body.shorten(raw) + "'");
    }
    return raw;
  }

  /** The status document: 004's get_status fields plus phase, evidence and, in detail, the history. */
  private ObjectNode status(RolloutView v, boolean detail) {
    RolloutState s = v.state();
    Instant now = clock.instant();
    ObjectNode o = Json.object();
    o.put("id", v.id()).put("policy", v.policy()).put("phase", s.phase().name()).put("reason", s.reason());
    o.put("percentage", RolloutJson.percentage(s.candidateBasisPoints()));
    o.put("stageIndex", s.stageIndex()).put("totalStages", s.spec().stages().size());
    o.set("currentStage", RolloutJson.toJson(s.stage()));
    ArrayNode stages = o.putArray("stages");
    s.spec().stages().list().forEach(st -> stages.add(RolloutJson.toJson(st)));
    o.put("startedAt", v.createdAt().toString()).put("stageStartedAt", s.stageStartedAt().toString());
    Instant until = s.phase().isTerminal() ? v.updatedAt() : now;
    o.put("elapsedSeconds", Math.max(0, Duration.between(s.stageStartedAt(), until).toSeconds()));
    o.put("minDurationSeconds", s.stage().minDuration().toSeconds());
    o.put("analysisStartedAt", s.analysisStartedAt().toString());
    Optional<Instant> next = s.nextMeasurementAt();
    o.put("nextAnalysisAt", next.map(Instant::toString).orElse(null));
    o.set("analysis", RolloutJson.toJson(s.spec().analysis()));
    ObjectNode summary = RolloutJson.toJson(s.analysis(), s.spec().stages());
    summary.remove("recent");
    o.set("analysisSummary", summary);
    o.set("lastAnalysis", s.analysis().latest().<JsonNode>map(j -> RolloutJson.toJson(j, s.spec().stages()))
        .orElse(Json.mapper().nullNode()));
    o.put("onFailure", s.spec().onFailure().name().toLowerCase(java.util.Locale.ROOT));
    o.put("author", s.spec().author()).put("selfApproval", s.spec().selfApproval());
    o.put("baselineVersion", v.baselineVersion()).put("baselineHash", v.baselineHash());
    o.put("candidateHash", v.candidateHash());
    o.set("candidate", v.candidate());
    o.put("changeKind", v.changeKind()).put("changeReason", v.changeReason());
    if (v.completedVersion() == null) {
      o.putNull("completedVersion");
    } else {
      o.put("completedVersion", v.completedVersion());
    }
    o.put("createdAt", v.createdAt().toString()).put("updatedAt", v.updatedAt().toString());
    if (detail) {
      ArrayNode ms = o.putArray("measurements");
      rollouts.measurements(v.id(), MEASUREMENTS_SHOWN).forEach(j -> ms.add(RolloutJson.toJson(j, s.spec().stages())));
      ArrayNode ts = o.putArray("transitions");
      for (Transition t : rollouts.transitions(v.id())) {
        ts.add(transition(t));
      }
    }
    return o;
  }

  private static ObjectNode transition(Transition t) {
    ObjectNode o = Json.object();
    JsonNode p = t.payload();
    o.put("n", t.n()).put("at", t.at().toString()).put("type", t.type()).put("actor", t.actor())
        .put("journalSeq", t.journalSeq());
    o.set("reason", p.get("reason"));
    o.set("fromPhase", p.has("fromPhase") ? p.get("fromPhase") : Json.mapper().nullNode());
    o.set("phase", p.get("phase"));
    o.set("fromStage", p.has("fromStage") ? p.get("fromStage") : Json.mapper().nullNode());
    o.set("stage", p.get("stage"));
    o.set("percentage", p.get("percentage"));
    o.set("evidence", p.has("evidence") ? p.get("evidence") : Json.mapper().nullNode());
    return o;
  }
}
