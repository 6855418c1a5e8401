package io.rollgate.server.http;

import io.rollgate.server.notify.IncidentSink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.incident.Action;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.State;
import io.rollgate.json.Json;
import io.rollgate.store.incident.IncidentFilter;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.incident.IncidentView;
import io.rollgate.store.incident.Occurrence;
import io.rollgate.store.incident.StateChange;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code /api/v1/incidents}: list, detail, and the lifecycle actions (operator). */
final class IncidentRoutes {
  static final int MAX_REASON = IncidentStore.MAX_REASON;
  static final int OCCURRENCES_SHOWN = IncidentStore.MAX_OCCURRENCES_SHOWN;
  /** A positive decimal id: checked before any lookup, so a malformed id is a 400, not a 404 by luck. */
  private static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");

  private final IncidentStore incidents;
  private final long maxBody;

  private final IncidentSink sink;

  IncidentRoutes(IncidentStore incidents, IncidentSink sink, long maxBody) {
    this.incidents = incidents;
    this.sink = sink;
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    String base = "/api/v1/incidents";
    app.get(base, this::list, Access.VIEWER);
    app.get(base + "/{id}", ctx -> ctx.json(detail(incidents.require(id(ctx)))), Access.VIEWER);
    for (Action a : Action.values()) {
      app.post(base + "/{id}/" + a.wire(), ctx -> act(ctx, a), Access.OPERATOR);
    }
  }

  private void list(Context ctx) {
    String s = ctx.queryParam("state");
    String sev = ctx.queryParam("severity");
    String k = ctx.queryParam("kind");
    var filter = new IncidentFilter(s == null || s.isEmpty() ? null : State.parse("state", s),
        sev == null || sev.isEmpty() ? null : Severity.parse("severity", sev),
        k == null || k.isEmpty() ? null : Kind.parse("kind", k));
    int limit = PolicyRoutes.intQuery(ctx, "limit", 100, 1, IncidentStore.MAX_LIST);
    ctx.json(Map.of("incidents", incidents.list(filter, limit).stream().map(IncidentRoutes::summary).toList()));
  }

  private void act(Context ctx, Action action) {
    long id = id(ctx);
    Body b = Body.of(ctx, maxBody, "reason");
    String reason = b.requireText("reason", MAX_REASON);
    if (reason.isBlank()) {
      throw new InvalidInputException("reason", "'reason' must not be blank: say why, it is journaled");
    }
    incidents.act(id, action, Auth.principal(ctx).name(), reason);
    ctx.json(detail(incidents.require(id)));
  }

  private static long id(Context ctx) {
    String raw = ctx.pathParam("id");
    if (!ID.matcher(raw).matches()) {
      throw new InvalidInputException("id", "an incident id is a positive whole number, got '" + Body.shorten(raw)
          + "'");
    }
    return Long.parseLong(raw);
  }

  static ObjectNode summary(IncidentView v) {
    ObjectNode o = Json.object();
    o.put("id", v.id()).put("kind", v.kind().wire()).put("severity", v.severity().wire())
        .put("state", v.state().wire()).put("title", v.title()).put("source", v.source())
        .put("dedupKey", v.dedupKey()).put("count", v.occurrences()).put("reopened", v.reopened());
    time(o, "createdAt", v.createdAt());
    time(o, "updatedAt", v.updatedAt());
    time(o, "lastOccurrenceAt", v.lastOccurrenceAt());
    time(o, "acknowledgedAt", v.acknowledgedAt());
    time(o, "mitigatedAt", v.mitigatedAt());
    time(o, "resolvedAt", v.resolvedAt());
    time(o, "closedAt", v.closedAt());
    return o;
  }

  private ObjectNode detail(IncidentView v) {
    ObjectNode o = summary(v);
    o.set("identity", Json.parseStoredObject(v.identity()));
    ArrayNode occ = o.putArray("occurrences");
    for (Occurrence x : incidents.occurrences(v.id(), OCCURRENCES_SHOWN)) {
      ObjectNode j = occ.addObject();
      j.put("n", x.n()).put("at", x.at().toString()).put("journalSeq", x.journalSeq()).put("outcome", x.outcome())
          .put("severity", x.severity().wire()).put("title", x.title());
      j.set("details", x.details());
    }
    ArrayNode tr = o.putArray("transitions");
    for (StateChange t : incidents.transitions(v.id())) {
      ObjectNode j = tr.addObject();
      j.put("n", t.n()).put("at", t.at().toString()).put("journalSeq", t.journalSeq());
      if (t.from() == null) {
        j.putNull("from");
      } else {
        j.put("from", t.from().wire());
      }
      j.put("to", t.to().wire()).put("actor", t.actor()).put("reason", t.reason());
    }
    var links = o.putArray("links"); // the external issues the notifiers opened for it
    sink.links(Long.toString(v.id())).forEach(l -> links.add(Json.mapper().valueToTree(l)));
    return o;
  }

  private static void time(ObjectNode o, String field, Instant t) {
    if (t == null) {
      o.putNull(field);
    } else {
      o.put(field, t.toString());
    }
  }
}
