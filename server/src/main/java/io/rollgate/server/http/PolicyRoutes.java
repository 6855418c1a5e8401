package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.policy.ApplyResult;
import io.rollgate.policy.GuardConfig;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.PolicyVersion;
import io.rollgate.store.policy.PolicyStore;
import java.time.Instant;

/** {@code /api/v1/policies}: thin handlers; the rules live in core and the store. */
final class PolicyRoutes {
  static final int MAX_REASON = 2000;
  private final PolicyStore policies;
  private final Fleet fleet;
  private final long maxBody;

  PolicyRoutes(PolicyStore policies, Fleet fleet, long maxBody) {
    this.policies = policies;
    this.fleet = fleet;
    this.maxBody = maxBody;
  }

  /** A version without its document, for history listings. */
  record VersionSummary(int version, String stateHash, String kind, String reason, String actor, Instant createdAt,
      long journalSeq) {
    static VersionSummary of(PolicyVersion v) {
      return new VersionSummary(v.version(), v.stateHash(), v.kind().wire(), v.reason(), v.actor(), v.createdAt(),
          v.journalSeq());
    }
  }

  void register(Javalin app) {
    String base = "/api/v1/policies";
    app.get(base, ctx -> ctx.json(java.util.Map.of("policies", policies.list())), Access.VIEWER);
    app.get(base + "/{name}", ctx -> {
      var view = policies.get(name(ctx)).orElseThrow(
          () -> new io.rollgate.error.NotFoundException("policy '" + ctx.pathParam("name") + "' does not exist"));
      // the policy plus the SDK clients that serve it (fleet convergence, per replica)
      var out = io.rollgate.json.Json.mapper().<com.fasterxml.jackson.databind.node.ObjectNode>valueToTree(view);
      out.set("fleet", fleet.of(view.name(), view.stateHash()));
      ctx.json(out);
    }, Access.VIEWER);
    app.put(base + "/{name}", this::put, Access.OPERATOR);
    app.post(base + "/{name}/changes", this::change, Access.OPERATOR);
    app.post(base + "/{name}/rollback", this::rollback, Access.OPERATOR);
    app.get(base + "/{name}/versions", ctx -> {
      int limit = intQuery(ctx, "limit", 100, 1, PolicyStore.MAX_HISTORY);
      ctx.json(java.util.Map.of("versions",
          policies.versions(name(ctx), limit).stream().map(VersionSummary::of).toList()));
    }, Access.VIEWER);
    app.get(base + "/{name}/versions/{version}", ctx ->
        ctx.json(policies.version(name(ctx), pathInt(ctx, "version"))), Access.VIEWER);
    app.put(base + "/{name}/guards", this::guards, Access.ADMIN);
    app.post(base + "/{name}/freeze", ctx -> {
      PolicyName n = name(ctx);
      Body b = Body.optional(ctx, maxBody, "reason");
      ctx.json(policies.freeze(n, b.optionalText("reason", MAX_REASON), Auth.principal(ctx).name()));
    }, Access.ADMIN);
    app.post(base + "/{name}/unfreeze", ctx -> {
      PolicyName n = name(ctx);
      Body b = Body.optional(ctx, maxBody, "reason");
      ctx.json(policies.unfreeze(n, b.optionalText("reason", MAX_REASON), Auth.principal(ctx).name()));
    }, Access.ADMIN);
  }

  private void put(Context ctx) {
    PolicyName n = name(ctx);
    Body b = Body.of(ctx, maxBody, "document", "reason", "session");
    ApplyResult r = policies.put(n, b.requireObject("document"), b.optionalText("reason", MAX_REASON),
        Auth.principal(ctx).name(), GateRoutes.session(b.optionalText("session", 200)));
    boolean created = r.applied() && r.oldHash() == null;
    if (created) {
      ctx.header("Location", "/api/v1/policies/" + n);
    }
    ctx.status(created ? 201 : 200).json(r);
  }

  private void change(Context ctx) {
    PolicyName n = name(ctx);
    Body b = Body.of(ctx, maxBody, "delta", "reason", "session");
    ctx.json(policies.change(n, b.requireObject("delta"), b.optionalText("reason", MAX_REASON),
        Auth.principal(ctx).name(), GateRoutes.session(b.optionalText("session", 200))));
  }

  private void rollback(Context ctx) {
    PolicyName n = name(ctx);
    Body b = Body.of(ctx, maxBody, "toVersion", "reason");
    long to = b.requireLong("toVersion");
    if (to < 1 || to > Integer.MAX_VALUE) {
      throw new InvalidInputException("toVersion", "'toVersion' must be a version number of at least 1, got " + to);
    }
    ctx.json(policies.rollback(n, (int) to, b.optionalText("reason", MAX_REASON), Auth.principal(ctx).name()));
  }

  private void guards(Context ctx) {
    PolicyName n = name(ctx);
    Body b = Body.of(ctx, maxBody, "cooldownSeconds", "velocity", "oscillationWindowSeconds");
    GuardConfig.Velocity velocity = null;
    JsonNode v = b.get("velocity");
    if (v != null && !v.isNull()) {
      if (!v.isObject()) {
        throw new InvalidInputException("velocity",
            "'velocity' must be an object {\"maxChanges\", \"windowSeconds\"} or null, got " + Body.kind(v));
      }
      var vb = v.properties().stream().map(java.util.Map.Entry::getKey)
          .filter(k -> !k.equals("maxChanges") && !k.equals("windowSeconds")).findFirst();
      if (vb.isPresent()) {
        throw new InvalidInputException("velocity." + vb.get(),
            "unknown field 'velocity." + Body.shorten(vb.get()) + "'; expected maxChanges, windowSeconds");
      }
      velocity = new GuardConfig.Velocity(
          (int) intField(v, "velocity.maxChanges", "maxChanges"), intField(v, "velocity.windowSeconds", "windowSeconds"));
    }
    var cfg = new GuardConfig(b.optionalLong("cooldownSeconds", 0), velocity,
        b.optionalLong("oscillationWindowSeconds", 0));
    ctx.json(policies.setGuards(n, cfg, Auth.principal(ctx).name()));
  }

  private static long intField(JsonNode obj, String field, String key) {
    JsonNode f = obj.get(key);
    if (f == null || !f.isIntegralNumber() || !f.canConvertToInt()) {
      throw new InvalidInputException(field, "'" + field + "' is required and must be an integer");
    }
    return f.intValue();
  }

  static PolicyName name(Context ctx) {
    return PolicyName.of(ctx.pathParam("name"));
  }

  static int pathInt(Context ctx, String param) {
    String raw = ctx.pathParam(param);
    try {
      int v = Integer.parseInt(raw);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new InvalidInputException(param, "'" + param + "' must be a positive integer, got '" + Body.shorten(raw) + "'");
  }

  static int intQuery(Context ctx, String param, int dflt, int min, int max) {
    long v = longQuery(ctx, param, dflt);
    if (v < min || v > max) {
      throw new InvalidInputException(param, "'" + param + "' must be between " + min + " and " + max + ", got " + v);
    }
    return (int) v;
  }

  static long longQuery(Context ctx, String param, long dflt) {
    String raw = ctx.queryParam(param);
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw new InvalidInputException(param, "'" + param + "' must be an integer, got '" + Body.shorten(raw) + "'");
    }
  }
}
