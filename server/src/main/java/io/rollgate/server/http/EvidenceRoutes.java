package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.evidence.Criteria;
import io.rollgate.evidence.Eligibility;
import io.rollgate.evidence.RegressionRule;
import io.rollgate.evidence.Run;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.store.evidence.EvidenceStore;
import io.rollgate.store.evidence.NewPromotion;
import io.rollgate.store.evidence.NewScenario;
import io.rollgate.store.evidence.PromotionView;
import io.rollgate.store.evidence.PromotionWatch;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.server.analysis.PrometheusProvider;
import io.rollgate.store.evidence.ScenarioView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code /api/v1/scenarios} and {@code /api/v1/promotions}: thin handlers over {@link EvidenceStore}. */
final class EvidenceRoutes {
  static final int MAX_REASON = NewPromotion.MAX_REASON;
  private static final Pattern PROMOTION_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}-[1-9][0-9]{0,9}");
  private static final List<String> RUN_FIELDS = List.of("passed", "durationMs", "metrics", "source");

  private final EvidenceStore evidence;
  private final long maxBody;

  EvidenceRoutes(EvidenceStore evidence, long maxBody) {
    this.evidence = evidence;
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    String s = "/api/v1/scenarios";
    app.post(s, this::createScenario, Access.OPERATOR);
    app.get(s, this::listScenarios, Access.VIEWER);
    app.get(s + "/{id}", ctx -> ctx.json(scenario(evidence.requireScenario(scenarioId(ctx)))), Access.VIEWER);
    app.post(s + "/{id}/runs", this::runs, Access.OPERATOR);
    app.get(s + "/{id}/eligibility", ctx -> ctx.json(eligibility(evidence.eligibility(scenarioId(ctx)))),
        Access.VIEWER);
    String p = "/api/v1/promotions";
    app.post(p, this::promote, Access.OPERATOR);
    app.get(p, this::listPromotions, Access.VIEWER);
    app.get(p + "/{id}", this::showPromotion, Access.VIEWER);
    app.post(p + "/{id}/rollback", this::rollback, Access.OPERATOR);
  }

  private void createScenario(Context ctx) {
    Body b = Body.of(ctx, maxBody, "id", "minRuns", "maxFailureRate", "window", "tags", "reason");
    ScenarioId id = ScenarioId.of(b.requireText("id", 64));
    int minRuns = (int) bounded(b, "minRuns", Criteria.DEFAULT_MIN_RUNS);
    double rate = rate(b, "maxFailureRate", Criteria.DEFAULT_MAX_FAILURE_RATE);
    int window = (int) bounded(b, "window", Math.max(Criteria.DEFAULT_WINDOW, minRuns));
    var criteria = new Criteria(minRuns, rate, window);
    List<String> tags = new ArrayList<>();
    JsonNode t = b.get("tags");
    if (t != null && !t.isNull()) {
      if (!t.isArray()) {
        throw new InvalidInputException("tags", "'tags' must be an array of strings, got " + Body.kind(t));
      }
      for (int i = 0; i < t.size(); i++) {
        if (!t.get(i).isTextual()) {
          throw new InvalidInputException("tags[" + i + "]", "'tags[" + i + "]' must be a string, got " + Body.kind(t.get(i)));
        }
        tags.add(t.get(i).asText());
      }
    }
    var created = evidence.createScenario(new NewScenario(id, criteria, tags), b.optionalText("reason", MAX_REASON),
        Auth.principal(ctx).name());
    ctx.header("Location", "/api/v1/scenarios/" + created.id());
    ctx.status(201).json(scenario(created));
  }

  private static long bounded(Body b, String field, long dflt) {
    long v = b.optionalLong(field, dflt);
    if (v < 1 || v > Criteria.MAX_RUNS) {
      throw new InvalidInputException(field, "'" + field + "' must be 1 to " + Criteria.MAX_RUNS + ", got " + v);
    }
    return v;
  }

  private static double rate(Body b, String field, double dflt) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new InvalidInputException(field, "'" + field + "' must be a number from 0 to 1, got " + Body.kind(v));
    }
    double d = v.doubleValue();
    if (!(d >= 0 && d <= 1)) {
      throw new InvalidInputException(field, "'" + field + "' must be a rate from 0 to 1, got " + v.asText());
    }
    return d;
  }

  private void listScenarios(Context ctx) {
    int limit = PolicyRoutes.intQuery(ctx, "limit", 100, 1, EvidenceStore.MAX_LIST);
    ctx.json(Map.of("scenarios", evidence.scenarios(limit).stream().map(EvidenceRoutes::scenario).toList()));
  }

  /** One run or an array of them, recorded all or none. The body is checked before the scenario is looked up. */
  private void runs(Context ctx) {
    ScenarioId id = scenarioId(ctx);
    JsonNode body = Body.value(ctx, maxBody);
    List<Run> batch = new ArrayList<>();
    if (body.isArray()) {
      if (body.isEmpty() || body.size() > EvidenceStore.MAX_RUN_BATCH) {
        throw new InvalidInputException("body", "a run batch holds 1 to " + EvidenceStore.MAX_RUN_BATCH
            + " runs, got " + body.size());
      }
      for (int i = 0; i < body.size(); i++) {
        batch.add(run(body.get(i), "[" + i + "]."));
      }
    } else {
      batch.add(run(body, ""));
    }
    Eligibility after = evidence.recordRuns(id, batch, Auth.principal(ctx).name());
    ObjectNode out = Json.object().put("recorded", batch.size());
    out.set("eligibility", eligibility(after));
    ctx.json(out);
  }

  static Run run(JsonNode n, String at) {
    if (!n.isObject()) {
      throw new InvalidInputException(at.isEmpty() ? "body" : at.substring(0, at.length() - 1),
          "a run must be an object {\"passed\",\"durationMs\",\"metrics\",\"source\"}, got " + Body.kind(n));
    }
    for (var it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!RUN_FIELDS.contains(f)) {
        throw new InvalidInputException(at + f, "unknown field '" + Body.shorten(at + f)
            + "'; expected passed, durationMs, metrics, source");
      }
    }
    JsonNode passed = n.get("passed");
    if (passed == null || !passed.isBoolean()) {
      throw new InvalidInputException(at + "passed", "'" + at + "passed' is required and must be true or false, got "
          + (passed == null ? "nothing" : Body.kind(passed)));
    }
    Long duration = null;
    JsonNode d = n.get("durationMs");
    if (d != null && !d.isNull()) {
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > Run.MAX_DURATION_MS) {
        throw new InvalidInputException(at + "durationMs", "'" + at + "durationMs' must be an integer from 0 to "
            + Run.MAX_DURATION_MS + ", got " + (d.isNumber() ? d.asText() : Body.kind(d)));
      }
      duration = d.longValue();
    }
    ObjectNode metrics = null;
    JsonNode m = n.get("metrics");
    if (m != null && !m.isNull()) {
      if (!m.isObject()) {
        throw new InvalidInputException(at + "metrics", "'" + at + "metrics' must be an object, got " + Body.kind(m));
      }
      Canonical.requireIJson(m, "/" + at.replace(".", "/").replace("[", "").replace("]", "") + "metrics");
      metrics = (ObjectNode) m;
    }
    String source = null;
    JsonNode s = n.get("source");
    if (s != null && !s.isNull()) {
      if (!s.isTextual() || s.textValue().length() > Run.MAX_SOURCE || s.textValue().indexOf('\u0000') >= 0) {
        throw new InvalidInputException(at + "source", "'" + at + "source' must be a string of at most "
            + Run.MAX_SOURCE + " characters without NUL, got " + Body.kind(s));
      }
      Canonical.requireUnicode(s.textValue(), at + "source", "string");
      source = s.textValue();
    }
    return new Run(passed.booleanValue(), duration, metrics, source);
  }

  private void promote(Context ctx) {
    Body b = Body.of(ctx, maxBody, "scenario", "policy", "delta", "reason", "rollout", "watch");
    ScenarioId scenario = named("scenario", () -> ScenarioId.of(b.requireText("scenario", 64)));
    PolicyName policy = named("policy", () -> PolicyName.of(b.requireText("policy", 64)));
    ObjectNode delta = b.requireObject("delta");
    Canonical.requireIJson(delta, "/delta");
    String reason = b.optionalText("reason", MAX_REASON);
    String actor = Auth.principal(ctx).name();
    RolloutSpec rollout = rolloutSpec(b.get("rollout"), actor);
    JsonNode w = b.get("watch");
    PromotionWatch watch = w == null || w.isNull() ? null : PromotionWatch.parse(w);
    if (watch != null && watch.analysis().provider() == AnalysisSettings.Provider.OUTCOMES) {
      // outcome counters are kept per rollout, and /api/v1/outcomes refuses reports outside one
      throw new InvalidInputException("watch.provider", "'watch.provider' 'outcomes' is not supported yet: outcome "
          + "reports are only counted during a rollout; use 'prometheus', or promote with 'rollout'");
    }
    if (watch != null && watch.analysis().provider() == AnalysisSettings.Provider.PROMETHEUS) {
      prefixed("watch.", () -> PrometheusProvider.validateTemplate(watch.analysis().query()));
    }
    PromotionView p = evidence.promote(new NewPromotion(scenario, policy, delta, reason, actor, rollout, watch));
    ctx.header("Location", "/api/v1/promotions/" + p.id());
    ctx.status(201).json(promotion(p));
  }

  private static final List<String> ROLLOUT_FIELDS = List.of("stages", "analysis", "onFailure", "selfApproval");

  /** {@code "rollout"} as in POST /api/v1/rollouts without policy and candidate; errors name {@code rollout.…}. */
  private static RolloutSpec rolloutSpec(JsonNode r, String author) {
    if (r == null || r.isNull()) {
      return null;
    }
    if (!r.isObject()) {
      throw new InvalidInputException("rollout", "'rollout' must be an object {\"stages\",\"analysis\",\"onFailure\","
          + "\"selfApproval\"}, got " + Body.kind(r));
    }
    for (var it = r.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!ROLLOUT_FIELDS.contains(f)) {
        throw new InvalidInputException("rollout." + f, "unknown field 'rollout." + Body.shorten(f)
            + "'; expected stages, analysis, onFailure, selfApproval (the policy and candidate are the promotion's)");
      }
    }
    return prefixed("rollout.", () -> {
      AnalysisSettings analysis = RolloutJson.analysis(r.get("analysis"));
      if (analysis.provider() == AnalysisSettings.Provider.PROMETHEUS) {
        PrometheusProvider.validateTemplate(analysis.query());
      }
      ObjectNode spec = Json.object();
      spec.set("stages", r.get("stages"));
      spec.set("analysis", RolloutJson.toJson(analysis));
      spec.set("onFailure", r.get("onFailure"));
      spec.set("selfApproval", r.get("selfApproval"));
      spec.put("author", author);
      return RolloutJson.spec(spec);
    });
  }

  private static void prefixed(String prefix, Runnable check) {
    prefixed(prefix, () -> {
      check.run();
      return null;
    });
  }

  /** Runs {@code parse}, naming the fields of its errors under {@code prefix} (analysis.query → watch.query). */
  private static <T> T prefixed(String prefix, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (InvalidInputException e) {
      String field = e.field();
      if (field.startsWith(prefix)) {
        throw e;
      }
      if (prefix.equals("watch.") && field.startsWith("analysis.")) {
        field = field.substring("analysis.".length());
      }
      throw new InvalidInputException(prefix + field, prefix.substring(0, prefix.length() - 1) + ": "
          + e.getMessage());
    }
  }

  private void showPromotion(Context ctx) {
    ctx.json(promotion(evidence.requirePromotion(promotionId(ctx))));
  }

  private static String promotionId(Context ctx) {
    String id = ctx.pathParam("id");
    if (!PROMOTION_ID.matcher(id).matches()) {
      throw new InvalidInputException("id", "'id' must be a promotion id such as 'limits-3' (policy name, '-', "
          + "number), got '" + Body.shorten(id) + "'");
    }
    return id;
  }

  private void listPromotions(Context ctx) {
    String raw = ctx.queryParam("policy");
    PolicyName policy = raw == null || raw.isEmpty() ? null : named("policy", () -> PolicyName.of(raw));
    int limit = PolicyRoutes.intQuery(ctx, "limit", 100, 1, EvidenceStore.MAX_LIST);
    ctx.json(Map.of("promotions", evidence.promotions(policy, limit).stream().map(EvidenceRoutes::promotion).toList()));
  }

  private void rollback(Context ctx) {
    String id = promotionId(ctx);
    Body b = Body.of(ctx, maxBody, "reason", "regressionMinRuns", "regressionMaxFailureRate");
    String reason = b.requireText("reason", MAX_REASON);
    if (reason.isBlank()) {
      throw new InvalidInputException("reason", "'reason' must not be blank: say what degraded, it is journaled");
    }
    var rule = new RegressionRule((int) bounded(b, "regressionMinRuns", RegressionRule.DEFAULT.minRuns()),
        rate(b, "regressionMaxFailureRate", RegressionRule.DEFAULT.maxFailureRate()));
    ctx.json(promotion(evidence.rollback(id, reason, rule, Auth.principal(ctx).name())));
  }

  private static ScenarioId scenarioId(Context ctx) {
    return ScenarioId.of(ctx.pathParam("id"));
  }

  private static <T> T named(String field, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (InvalidInputException e) {
      throw e.field().equals(field) ? e : new InvalidInputException(field, "'" + field + "': " + e.getMessage());
    }
  }

  static ObjectNode scenario(ScenarioView v) {
    ObjectNode o = Json.object();
    o.put("id", v.id()).put("minRuns", v.criteria().minRuns()).put("maxFailureRate", v.criteria().maxFailureRate())
        .put("window", v.criteria().window());
    o.set("tags", Json.mapper().valueToTree(v.tags()));
    o.put("learned", v.learnedFrom() != null).put("learnedFrom", v.learnedFrom()).put("learnedBy", v.learnedBy());
    o.put("reason", v.reason()).put("createdBy", v.createdBy()).put("createdAt", v.createdAt().toString());
    o.put("totalRuns", v.totalRuns());
    o.set("policies", Json.mapper().valueToTree(v.policies()));
    return o;
  }

  static ObjectNode eligibility(Eligibility e) {
    ObjectNode o = Json.object();
    o.put("scenario", e.scenario()).put("eligible", e.eligible()).put("reason", e.reason()).put("runs", e.runs())
        .put("failures", e.failures()).put("failureRate", e.failureRate()).put("threshold", e.threshold())
        .put("minRuns", e.minRuns()).put("window", e.window());
    return o;
  }

  static ObjectNode promotion(PromotionView p) {
    ObjectNode o = Json.object();
    o.put("id", p.id()).put("policy", p.policy()).put("scenario", p.scenario()).put("action", "promote")
        .put("status", p.status());
    o.set("delta", p.delta());
    o.put("reason", p.reason()).put("oldVersion", p.oldVersion()).put("oldHash", p.oldHash());
    if (p.newVersion() > 0) {
      o.put("newVersion", p.newVersion());
    } else {
      o.putNull("newVersion"); // rolling out (the rollout makes the version) or aborted (none was made)
    }
    o.put("newHash", p.newHash()).put("rolloutId", p.rolloutId());
    if (p.watch() == null) {
      o.putNull("watch");
    } else {
      ObjectNode w = o.putObject("watch");
      w.setAll(p.watch());
      w.put("until", p.watchUntil().toString());
      w.set("last", p.watchLast());
    }
    o.set("eligibility", p.eligibility());
    o.put("promotedBy", p.promotedBy()).put("promotedAt", p.promotedAt().toString());
    if (p.rollback() == null) {
      o.putNull("rollback");
    } else {
      ObjectNode r = o.putObject("rollback");
      r.put("reason", p.rollback().reason()).put("by", p.rollback().by()).put("at", p.rollback().at().toString())
          .put("version", p.rollback().version()).put("regressionScenario", p.rollback().regressionScenario());
    }
    return o;
  }
}
