package io.rollgate.incident.playbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.json.JsonPointers;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.Reconciler;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Step;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The dry run: a pure function from an action, its parameters and the {@link Facts} to a {@link Plan}.
 * Rollout actions run the reconciler's own manual functions on the rollout's state, so a plan refuses
 * exactly what the execution would (a terminal rollout, a resume of a running one) and shows the state
 * it would lead to.
 */
public final class Plans {
  private Plans() {}

  /**
   * @param actor who asks (the rollout functions check their text)
   * @throws InvalidInputException a parameter fails the action's schema ({@code params.<field>}) or names
   *     something the target does not have (a percentage no stage has, a version that does not exist)
   * @throws NotFoundException the rollout or policy does not exist
   * @throws ConflictException the target's state does not allow it (terminal rollout, already frozen, …)
   */
  public static Plan plan(ActionType action, JsonNode params, Facts facts, PlaybookSettings settings, Instant now,
      String actor) {
    action.schema().validate(params, "params");
    ObjectNode p = ((ObjectNode) params).deepCopy();
    return switch (action) {
      case ROLLBACK_ROLLOUT, PAUSE_ROLLOUT, RESUME_ROLLOUT, SET_PERCENTAGE, RERUN_ANALYSIS ->
          rollout(action, p, rollout(facts, p.get("rollout").asText()), now, actor);
      case FREEZE_POLICY, UNFREEZE_POLICY, REVERT_POLICY -> policy(action, p, facts);
      case HTTP_CALL -> http(p, settings);
    };
  }

  private static Facts.RolloutFacts rollout(Facts facts, String id) {
    return facts.rollout(id).orElseThrow(() -> new NotFoundException("rollout '" + id + "' does not exist"));
  }

  private static Plan rollout(ActionType action, ObjectNode p, Facts.RolloutFacts r, Instant now, String actor) {
    RolloutState s = r.state();
    String target = "rollout:" + r.id();
    String where = "rollout " + r.id();
    String share = RolloutJson.percentage(s.candidateBasisPoints()).toPlainString() + "%";
    ObjectNode same = Json.object().put("rollout", r.id());
    String reason = "playbook dry run";
    return switch (action) {
      case ROLLBACK_ROLLOUT -> {
        Step step = Reconciler.rollBack(s, now, actor, reason);
        yield new Plan(action, p, target, Risk.MEDIUM, null, List.of(
            where + ": phase " + s.phase() + " → " + step.state().phase(),
            where + ": candidate share " + share + " → 0%"),
            "every subject of policy '" + r.policy() + "' returns to the baseline; the rollout is final and cannot "
                + "be resumed (start a new rollout to try the candidate again)", Optional.empty());
      }
      case PAUSE_ROLLOUT -> {
        Step step = Reconciler.pause(s, now, actor, reason);
        yield new Plan(action, p, target, Risk.LOW, null, List.of(
            where + ": phase " + s.phase() + " → " + step.state().phase() + " at stage " + s.stage()),
            "the candidate keeps its " + share + " share of policy '" + r.policy() + "'; the rollout is neither "
                + "measured nor moved until it is resumed",
            Optional.of(new Plan.Compensation(ActionType.RESUME_ROLLOUT, same)));
      }
      case RESUME_ROLLOUT -> {
        Step step = Reconciler.resume(s, now, actor, reason);
        yield new Plan(action, p, target, Risk.LOW, null, List.of(
            where + ": phase " + s.phase() + " → " + step.state().phase() + " at stage " + s.stage()
                + ", with a fresh analysis"),
            "the candidate keeps its " + share + " share of policy '" + r.policy() + "'; the reconciler measures "
                + "it again and may advance, step back or roll it back",
            Optional.of(new Plan.Compensation(ActionType.PAUSE_ROLLOUT, same)));
      }
      case SET_PERCENTAGE -> {
        int index = stageFor(s, p.get("percentage").decimalValue(), r.id());
        Step step = Reconciler.setStage(s, now, index, actor, reason);
        Stage to = s.spec().stages().get(index);
        boolean up = index > s.stageIndex();
        String toShare = RolloutJson.percentage(to.basisPoints()).toPlainString() + "%";
        ObjectNode back = same.deepCopy().put("percentage", RolloutJson.percentage(s.stage().basisPoints()));
        yield new Plan(action, p, target, up ? Risk.HIGH : Risk.MEDIUM,
            up ? "raising a rollout's share skips the analysis of every stage in between" : null,
            List.of(where + ": stage " + s.stage() + " → " + to + (step.state().phase() == s.phase() ? ""
                    : ", phase " + s.phase() + " → " + step.state().phase()),
                where + ": candidate share " + share + " → " + toShare + ", the stage's analysis starts afresh"),
            up ? "more subjects of policy '" + r.policy() + "' get the candidate (" + share + " → " + toShare + ")"
                : "the newest cohorts of policy '" + r.policy() + "' return to the baseline (" + share + " → "
                    + toShare + ")",
            Optional.of(new Plan.Compensation(ActionType.SET_PERCENTAGE, back)));
      }
      case RERUN_ANALYSIS -> {
        if (s.phase() != Phase.PROGRESSING && s.phase() != Phase.AWAITING_APPROVAL) {
          throw new ConflictException("cannot rerun the analysis of " + where + ": it is " + s.phase()
              + "; only a PROGRESSING or AWAITING_APPROVAL rollout is measured"
              + (s.phase() == Phase.PAUSED ? " (resume it: a resume starts a fresh analysis)" : ""));
        }
        yield new Plan(action, p, target, Risk.LOW, null, List.of(
            where + ": measured now by its " + s.spec().analysis().provider().name().toLowerCase(java.util.Locale.ROOT)
                + " provider at stage " + s.stage() + ", and reconciled with the reading"),
            "as on a scheduled tick, the reading may advance, step back, roll back or pause the rollout of policy '"
                + r.policy() + "'; a measurement is evidence and cannot be taken back", Optional.empty());
      }
      default -> throw new IllegalStateException(action + " is not a rollout action");
    };
  }

  /** The index of the stage at {@code percentage}, or a 400 listing the stages' percentages. */
  public static int stageFor(RolloutState s, BigDecimal percentage, String id) {
    BigDecimal bp = percentage.movePointRight(2);
    var stages = s.spec().stages();
    for (int i = 0; i < stages.size(); i++) {
      if (bp.compareTo(BigDecimal.valueOf(stages.get(i).basisPoints())) == 0) {
        return i;
      }
    }
    String known = stages.list().stream().map(x -> RolloutJson.percentage(x.basisPoints()).toPlainString())
        .collect(Collectors.joining(", "));
    throw new InvalidInputException("params.percentage", "'params.percentage' must be the percentage of one of "
        + "rollout " + id + "'s stages (" + known + "); set-percentage moves it to that stage; got "
        + percentage.stripTrailingZeros().toPlainString());
  }

  private static Plan policy(ActionType action, ObjectNode p, Facts facts) {
    String name = p.get("policy").asText();
    Facts.PolicyFacts f = facts.policy(name)
        .orElseThrow(() -> new NotFoundException("policy '" + name + "' does not exist"));
    String target = "policy:" + name;
    String where = "policy '" + name + "'";
    ObjectNode same = Json.object().put("policy", name);
    return switch (action) {
      case FREEZE_POLICY -> {
        if (f.frozen()) {
          throw new ConflictException(where + " is already frozen (" + f.frozenReason() + "); nothing to do");
        }
        yield new Plan(action, p, target, Risk.LOW, null, List.of(where + ": frozen false → true"),
            "every change to " + where + " is refused until it is unfrozen"
                + (f.activeRollout() == null ? "" : "; its rollout '" + f.activeRollout() + "' cannot complete"),
            Optional.of(new Plan.Compensation(ActionType.UNFREEZE_POLICY, same)));
      }
      case UNFREEZE_POLICY -> {
        if (!f.frozen()) {
          throw new ConflictException(where + " is not frozen; nothing to do");
        }
        yield new Plan(action, p, target, Risk.MEDIUM, null, List.of(where + ": frozen true → false"),
            "changes to " + where + " are accepted again (subject to its other guards)",
            Optional.of(new Plan.Compensation(ActionType.FREEZE_POLICY, same)));
      }
      case REVERT_POLICY -> {
        int to = p.get("toVersion").asInt();
        if (f.activeRollout() != null) {
          throw new ConflictException(where + " has an active rollout '" + f.activeRollout() + "'; roll it back "
              + "(rollback-rollout) or let it finish before reverting the policy");
        }
        if (to == f.version()) {
          throw new ConflictException(where + " is at version " + to + " already; nothing to revert");
        }
        ObjectNode doc = facts.version(name, to).orElseThrow(() -> new InvalidInputException("params.toVersion",
            "'params.toVersion' " + to + " does not exist: " + where + " has versions 1 to " + f.version()));
        if (Canonical.canonicalize(doc).equals(Canonical.canonicalize(f.document()))) {
          throw new ConflictException("version " + to + " of " + where + " has the same content as the current "
              + "version " + f.version() + "; nothing would change");
        }
        List<String> keys = JsonPointers.changedKeys(f.document(), doc);
        List<String> changes = new ArrayList<>();
        changes.add(where + ": version " + f.version() + " → " + (f.version() + 1) + " with the content of version "
            + to);
        changes.add(where + ": changed keys " + new TreeSet<>(keys));
        if (f.frozen()) {
          changes.add(where + " is frozen (" + f.frozenReason() + "): the apply pipeline will skip the change");
        }
        yield new Plan(action, p, target, Risk.HIGH, "reverting a policy changes what every application reads",
            changes, "every application reading " + where + " gets the content of version " + to + " (" + keys.size()
                + (keys.size() == 1 ? " key changes" : " keys change") + "); the apply pipeline's guards (freeze, "
                + "cooldown, velocity, oscillation) still apply",
            Optional.of(new Plan.Compensation(ActionType.REVERT_POLICY,
                same.deepCopy().put("toVersion", f.version()))));
      }
      default -> throw new IllegalStateException(action + " is not a policy action");
    };
  }

  private static Plan http(ObjectNode p, PlaybookSettings settings) {
    String url = p.get("url").asText();
    if (!settings.allows(url)) {
      throw new InvalidInputException("params.url", settings.httpAllow().isEmpty()
          ? "http-call is disabled on this server: no URL prefixes are allowed (playbooks.httpAllow)"
          : "'params.url' must start with one of the allowed prefixes " + settings.httpAllow() + " (after "
              + "normalising, without user info or fragment); got '" + shorten(url) + "'");
    }
    if (!p.has("timeoutSeconds")) {
      p.put("timeoutSeconds", 10);
    }
    String method = p.get("method").asText();
    var headers = new TreeSet<String>();
    p.path("headers").fieldNames().forEachRemaining(headers::add);
    int body = p.path("body").asText("").length();
    String host = URI.create(url).getHost();
    return new Plan(ActionType.HTTP_CALL, p, "http:" + host, Risk.HIGH,
        "an HTTP call reaches a system Rollgate cannot inspect or undo",
        List.of(method + " " + url + " with " + (headers.isEmpty() ? "no headers" : "headers " + headers
            + " (values not shown)") + (body == 0 ? "" : " and a " + body + "-character body") + ", timeout "
            + p.get("timeoutSeconds").asInt() + " s, redirects not followed"),
        "whatever " + host + " does on this request; Rollgate records the status and the first 2 KiB of the answer",
        Optional.empty());
  }

  /** {@code params} with every http-call header value replaced by {@code ***}: what is journaled and shown. */
  public static ObjectNode redacted(ActionType action, ObjectNode params) {
    ObjectNode copy = params.deepCopy();
    if (action == ActionType.HTTP_CALL && copy.path("headers").isObject()) {
      ObjectNode h = (ObjectNode) copy.get("headers");
      var names = new ArrayList<String>();
      h.fieldNames().forEachRemaining(names::add);
      names.forEach(k -> h.put(k, "***"));
    }
    return copy;
  }

  /**
   * The plan as the API shows it (the dry run's answer): parameters with http-call header values
   * replaced, risk, whether it needs an approval and why, the exact changes, the impact, and whether
   * and how it can be undone.
   */
  public static ObjectNode toJson(Plan plan) {
    ObjectNode o = Json.object();
    o.put("action", plan.action().wire());
    o.set("params", redacted(plan.action(), plan.params()));
    o.put("target", plan.target()).put("risk", plan.risk().wire()).put("needsApproval", plan.needsApproval());
    if (plan.needsApproval()) {
      o.put("approvalReason", plan.approvalReason());
    } else {
      o.putNull("approvalReason");
    }
    o.set("changes", Json.mapper().valueToTree(plan.changes()));
    o.put("impact", plan.impact()).put("reversible", plan.reversible());
    plan.compensation().ifPresentOrElse(c -> o.set("compensation", compensationJson(c)),
        () -> o.putNull("compensation"));
    return o;
  }

  public static ObjectNode compensationJson(Plan.Compensation c) {
    ObjectNode o = Json.object().put("action", c.action().wire());
    o.set("params", c.params());
    return o;
  }

  static String shorten(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }
}
