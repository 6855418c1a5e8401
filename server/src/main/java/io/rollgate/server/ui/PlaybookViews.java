package io.rollgate.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.incident.playbook.ActionType;
import io.rollgate.incident.playbook.ExecutionState;
import io.rollgate.incident.playbook.Plan;
import io.rollgate.incident.playbook.Plans;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.server.playbook.PlaybookService;
import io.rollgate.store.playbook.ExecutionChange;
import io.rollgate.store.playbook.ExecutionView;
import io.rollgate.store.token.Principal;
import io.rollgate.store.token.Role;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * The incident page's playbook section: a form per fitting action generated from the action's JSON
 * Schema, the dry run's plan as a preview, and the executions with the buttons the signed-in principal
 * may press. Form fields are named {@code params.<name>}, the field the API's problem documents name,
 * so a refusal lands next to its input.
 */
final class PlaybookViews {
  static final String PARAM = "params.";
  private static final Set<ExecutionState> CANCELABLE = EnumSet.of(ExecutionState.REQUESTED,
      ExecutionState.AWAITING_APPROVAL);
  /** A compensation that did not undo anything: the original may be undone again. */
  private static final Set<ExecutionState> NOT_UNDONE = EnumSet.of(ExecutionState.FAILED, ExecutionState.CANCELED,
      ExecutionState.TIMED_OUT);

  private PlaybookViews() {}

  /**
   * The form of one fitting action.
   *
   * @param submitted what the user sent in this action's form (shown again next to its errors), or null
   */
  static Views.ActionForm form(PlaybookService.Fit fit, Function<String, String> submitted) {
    ActionType a = fit.action();
    ObjectNode schema = a.schema().json();
    Set<String> required = new java.util.HashSet<>();
    schema.path("required").forEach(r -> required.add(r.asText()));
    List<Views.ParamField> fields = new ArrayList<>();
    schema.path("properties").properties().forEach(e -> {
      String name = e.getKey();
      JsonNode p = e.getValue();
      String value = submitted == null ? null : submitted.apply(PARAM + name);
      if (value == null) {
        JsonNode suggested = fit.suggestedParams().get(name);
        value = suggested == null ? (p.has("default") ? p.get("default").asText() : "") : text(suggested);
      }
      String type = p.path("type").asText("string");
      String kind = p.has("enum") ? "select" : switch (type) {
        case "integer", "number" -> "number";
        case "object" -> "json";
        default -> "text";
      };
      List<String> options = new ArrayList<>();
      p.path("enum").forEach(o -> options.add(o.asText()));
      String help = p.path("description").asText("") + ("json".equals(kind) ? " (a JSON object)" : "")
          + (required.contains(name) ? "" : " (optional)");
      fields.add(new Views.ParamField(PARAM + name, "pb-" + a.wire() + "-" + name, name, help.strip(), kind, value,
          options, required.contains(name), p.has("minimum") ? p.get("minimum").asText() : null,
          p.has("maximum") ? p.get("maximum").asText() : null, "integer".equals(type) ? "1" : "any"));
    });
    return new Views.ActionForm(a.wire(), a.description(), a.maxRisk().wire(), fit.approval(), a.reversible(),
        fit.why(), fields);
  }

  /**
   * The parameters a form sent, typed by the action's schema and checked against it (as the API checks
   * a body's {@code params}). A blank input is an absent parameter: the schema names a required one.
   *
   * @throws InvalidInputException naming {@code params.<name>}
   */
  static ObjectNode params(ActionType a, Function<String, String> form) {
    ObjectNode out = Json.object();
    a.schema().json().path("properties").properties().forEach(e -> {
      String name = e.getKey();
      String field = PARAM + name;
      String raw = form.apply(field);
      if (raw == null || raw.isBlank()) {
        return;
      }
      String v = raw.strip();
      switch (e.getValue().path("type").asText("string")) {
        case "integer" -> {
          try {
            out.put(name, new BigInteger(v));
          } catch (NumberFormatException notWhole) {
            throw new InvalidInputException(field, "'" + field + "' must be a whole number, got '" + Ui.shorten(v)
                + "'");
          }
        }
        case "number" -> {
          try {
            out.put(name, new BigDecimal(v));
          } catch (NumberFormatException notNumber) {
            throw new InvalidInputException(field, "'" + field + "' must be a number such as 25 or 12.5, got '"
                + Ui.shorten(v) + "'");
          }
        }
        case "object" -> out.set(name, Json.parse(v, field));
        default -> out.put(name, v);
      }
    });
    Canonical.requireIJson(out, "/params");
    a.schema().validate(out, "params");
    return out;
  }

  /** The dry run's plan, with the parameters the Execute form sends back (hidden, as validated). */
  static Views.Preview preview(Plan plan) {
    List<Views.Hidden> hidden = new ArrayList<>();
    plan.params().properties().forEach(e -> hidden.add(new Views.Hidden(PARAM + e.getKey(), text(e.getValue()))));
    ObjectNode shown = Plans.redacted(plan.action(), plan.params());
    String compensation = plan.compensation().map(c -> c.action().wire() + " " + Json.write(c.params()))
        .orElse(null);
    return new Views.Preview(plan.action().wire(), Json.write(shown), plan.target(), plan.risk().wire(),
        plan.changes(), plan.impact(), plan.needsApproval(), plan.approvalReason(), plan.reversible(), compensation,
        hidden);
  }

  /** The executions, newest first, with what {@code who} may do to each. */
  static List<Views.ExecutionRow> rows(List<ExecutionView> history, LongFunction<List<ExecutionChange>> changes,
      Principal who) {
    boolean operator = who.role().includes(Role.OPERATOR);
    boolean admin = who.role().includes(Role.ADMIN);
    List<Views.ExecutionRow> out = new ArrayList<>();
    for (ExecutionView e : history) {
      Long undoneBy = history.stream().filter(c -> c.compensates() != null && c.compensates() == e.id()
          && !NOT_UNDONE.contains(c.state())).map(ExecutionView::id).findFirst().orElse(null);
      String result = e.result() == null ? "" : Json.write(e.result());
      List<Views.StateRow> moves = changes.apply(e.id()).stream().map(c -> new Views.StateRow(Ui.time(c.at()),
          c.from() == null ? "" : c.from().wire(), c.to().wire(), c.actor(), c.reason() == null ? "" : c.reason()))
          .toList();
      out.add(new Views.ExecutionRow(e.id(), e.action().wire(), Json.write(e.shownParams()), e.target(),
          e.risk().wire(), e.state().wire(), e.requester(), e.approver() == null ? "" : e.approver(), e.reason(),
          Ui.time(e.createdAt()), e.approvalDeadline() == null ? "" : Ui.time(e.approvalDeadline()),
          result.length() > 300 ? result.substring(0, 300) + "…" : result,
          e.compensates(), undoneBy,
          admin && e.state() == ExecutionState.AWAITING_APPROVAL && !who.name().equals(e.requester()),
          operator && CANCELABLE.contains(e.state()),
          operator && e.undoable() && undoneBy == null, moves));
    }
    return out;
  }

  private static String text(JsonNode v) {
    return v.isTextual() ? v.asText() : v.isValueNode() ? v.asText() : Json.write(v);
  }
}
