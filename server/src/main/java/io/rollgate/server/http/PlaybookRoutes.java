package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.incident.playbook.ActionType;
import io.rollgate.incident.playbook.ExecutionState;
import io.rollgate.incident.playbook.Plans;
import io.rollgate.json.Json;
import io.rollgate.server.playbook.PlaybookService;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.incident.IncidentView;
import io.rollgate.store.playbook.ExecutionChange;
import io.rollgate.store.playbook.ExecutionView;
import io.rollgate.store.playbook.PlaybookStore;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.rollout.RolloutStore;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/incidents/{id}/actions}: what fits the incident, dry runs, executions, approvals
 * (admin, not the requester), cancels, compensating rollbacks and the history. Viewers read, operators
 * dry-run, execute, cancel and roll back, admins approve.
 */
final class PlaybookRoutes {
  static final int MAX_REASON = PlaybookStore.MAX_REASON;
  private static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");

  private final PlaybookService playbooks;
  private final IncidentStore incidents;
  private final RolloutStore rollouts;
  private final PolicyStore policies;
  private final long maxBody;

  PlaybookRoutes(PlaybookService playbooks, IncidentStore incidents, RolloutStore rollouts, PolicyStore policies,
      long maxBody) {
    this.playbooks = playbooks;
    this.incidents = incidents;
    this.rollouts = rollouts;
    this.policies = policies;
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    String base = "/api/v1/incidents/{id}/actions";
    app.get(base, this::list, Access.VIEWER);
    app.post(base + "/dry-run", this::dryRun, Access.OPERATOR);
    app.post(base + "/execute", this::execute, Access.OPERATOR);
    app.get(base + "/history", this::history, Access.VIEWER);
    app.post(base + "/{execution}/approve", ctx -> {
      long[] ids = ids(ctx);
      String reason = reason(Body.of(ctx, maxBody, "reason"));
      ctx.json(json(playbooks.approve(ids[0], ids[1], Auth.principal(ctx).name(), reason)));
    }, Access.ADMIN);
    app.post(base + "/{execution}/cancel", ctx -> {
      long[] ids = ids(ctx);
      String reason = reason(Body.of(ctx, maxBody, "reason"));
      ctx.json(json(playbooks.cancel(ids[0], ids[1], Auth.principal(ctx).name(), reason)));
    }, Access.OPERATOR);
    app.post(base + "/{execution}/rollback", ctx -> {
      long[] ids = ids(ctx);
      String reason = reason(Body.of(ctx, maxBody, "reason"));
      created(ctx, playbooks.rollback(ids[0], ids[1], reason, Auth.principal(ctx).name()));
    }, Access.OPERATOR);
  }

  private void dryRun(Context ctx) {
    long id = id(ctx, "id");
    Body b = Body.of(ctx, maxBody, "action", "params");
    ActionType action = action(b);
    ObjectNode plan = Plans.toJson(playbooks.dryRun(id, action, params(b, action), Auth.principal(ctx).name()));
    plan.put("dryRun", true);
    ctx.json(plan);
  }

  private void execute(Context ctx) {
    long id = id(ctx, "id");
    Body b = Body.of(ctx, maxBody, "action", "params", "reason");
    ActionType action = action(b);
    JsonNode params = params(b, action);
    String reason = reason(b);
    created(ctx, playbooks.execute(id, action, params, reason, Auth.principal(ctx).name()));
  }

  /** 201 when it ran (or failed running), 202 while it waits for an approval. */
  private static void created(Context ctx, ExecutionView e) {
    ctx.status(e.state() == ExecutionState.AWAITING_APPROVAL ? 202 : 201).json(json(e));
  }

  private void history(Context ctx) {
    long id = id(ctx, "id");
    int limit = PolicyRoutes.intQuery(ctx, "limit", 100, 1, PlaybookStore.MAX_HISTORY);
    ArrayNode list = Json.mapper().createArrayNode();
    for (ExecutionView e : playbooks.history(id, limit)) {
      ObjectNode o = json(e);
      ArrayNode tr = o.putArray("transitions");
      for (ExecutionChange c : playbooks.store().transitions(e.id())) {
        ObjectNode t = tr.addObject();
        t.put("n", c.n()).put("at", c.at().toString()).put("journalSeq", c.journalSeq());
        if (c.from() == null) {
          t.putNull("from");
        } else {
          t.put("from", c.from().wire());
        }
        t.put("to", c.to().wire()).put("actor", c.actor()).put("reason", c.reason());
      }
      list.add(o);
    }
    ctx.json(Json.object().put("incidentId", id).set("executions", list));
  }

  /** The actions that fit the incident now, each with its schema and suggested parameters. */
  private void list(Context ctx) {
    IncidentView incident = incidents.require(id(ctx, "id"));
    ArrayNode out = Json.mapper().createArrayNode();
    for (PlaybookService.Fit f : playbooks.fits(incident, policies, rollouts)) {
      ObjectNode o = out.addObject();
      ActionType a = f.action();
      o.put("action", a.wire()).put("description", a.description()).put("maxRisk", a.maxRisk().wire())
          .put("reversible", a.reversible()).put("approval", f.approval());
      o.set("paramsSchema", a.schema().json());
      o.set("suggestedParams", f.suggestedParams());
      o.put("fits", f.why());
    }
    ctx.json(Json.object().put("incidentId", incident.id()).set("actions", out));
  }

  static ObjectNode json(ExecutionView e) {
    ObjectNode o = Json.object();
    o.put("id", e.id()).put("incidentId", e.incidentId()).put("action", e.action().wire());
    o.set("params", e.shownParams());
    o.put("target", e.target()).put("risk", e.risk().wire()).put("state", e.state().wire())
        .put("requester", e.requester()).put("reason", e.reason());
    text(o, "approver", e.approver());
    time(o, "approvalDeadline", e.approvalDeadline());
    o.set("plan", e.plan());
    o.set("result", e.result());
    o.put("reversible", e.undoable());
    o.set("compensation", e.compensation());
    if (e.compensates() == null) {
      o.putNull("compensates");
    } else {
      o.put("compensates", e.compensates());
    }
    time(o, "createdAt", e.createdAt());
    time(o, "updatedAt", e.updatedAt());
    return o;
  }

  private static ActionType action(Body b) {
    JsonNode a = b.get("action");
    if (a == null || a.isNull()) {
      throw new InvalidInputException("action", "'action' is required: one of " + java.util.Arrays.stream(
          ActionType.values()).map(ActionType::wire).toList());
    }
    if (!a.isTextual()) {
      throw new InvalidInputException("action", "'action' must be a string, got " + Body.kind(a));
    }
    return ActionType.parse("action", a.asText());
  }

  /**
   * Missing params are {} so that the schema names the first required parameter. Checked against the
   * action's schema here, before any lookup: a malformed request is a 400 whether or not the incident exists.
   */
  private static JsonNode params(Body b, ActionType action) {
    JsonNode p = b.get("params");
    p = p == null ? Json.object() : p;
    io.rollgate.json.Canonical.requireIJson(p, "/params"); // numbers a JSON peer can read exactly, valid Unicode
    action.schema().validate(p, "params");
    return p;
  }

  private static String reason(Body b) {
    String reason = b.requireText("reason", MAX_REASON);
    if (reason.isBlank()) {
      throw new InvalidInputException("reason", "'reason' must not be blank: say why, it is journaled");
    }
    return reason;
  }

  private static long[] ids(Context ctx) {
    return new long[] {id(ctx, "id"), id(ctx, "execution")};
  }

  private static long id(Context ctx, String param) {
    String raw = ctx.pathParam(param);
    if (!ID.matcher(raw).matches()) {
      throw new InvalidInputException(param, "an " + (param.equals("id") ? "incident" : "execution")
          + " id is a positive whole number, got '" + Body.shorten(raw) + "'");
    }
    return Long.parseLong(raw);
  }

  private static void text(ObjectNode o, String field, String v) {
    if (v == null) {
      o.putNull(field);
    } else {
      o.put(field, v);
    }
  }

  private static void time(ObjectNode o, String field, Instant t) {
    text(o, field, t == null ? null : t.toString());
  }
}
