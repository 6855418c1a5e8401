package io.rollgate.server.playbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.incident.playbook.ActionType;
import io.rollgate.incident.playbook.ExecutionState;
import io.rollgate.incident.playbook.Plan;
import io.rollgate.json.Json;
import io.rollgate.store.playbook.ExecutionView;
import io.rollgate.store.playbook.PlaybookStore;
import io.rollgate.error.InvalidInputException;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.store.incident.IncidentView;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Playbooks as the API uses them: the store's commands, plus the outside part of the actions that
 * reach beyond the journal (http-call, rerun-analysis), done on the caller's thread between the
 * RUNNING command and the one that records the outcome — never on the journal writer. Approval
 * deadlines are checked on every call (a timed-out execution is recorded when anyone looks).
 */
public final class PlaybookService {
  private static final Logger log = LoggerFactory.getLogger(PlaybookService.class);

  private final PlaybookStore store;
  private final InstantSource clock;
  private final Function<String, ObjectNode> rerunAnalysis;
  private final HttpCaller http = new HttpCaller();

  /**
   * @param rerunAnalysis measures rollout {@code id} now and reconciles it, returning what happened
   *     (the rollout loop's {@code measureNow})
   */
  public PlaybookService(PlaybookStore store, InstantSource clock, Function<String, ObjectNode> rerunAnalysis) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.rerunAnalysis = Objects.requireNonNull(rerunAnalysis, "rerunAnalysis");
  }

  public PlaybookStore store() {
    return store;
  }

  public Plan dryRun(long incidentId, ActionType action, JsonNode params, String actor) {
    return store.dryRun(incidentId, action, params, actor, clock.instant());
  }

  public ExecutionView execute(long incidentId, ActionType action, JsonNode params, String reason, String requester) {
    expire();
    return outside(store.request(incidentId, action, params, reason, requester));
  }

  public ExecutionView approve(long incidentId, long executionId, String approver, String reason) {
    expire();
    return outside(store.approve(incidentId, executionId, approver, reason));
  }

  public ExecutionView cancel(long incidentId, long executionId, String actor, String reason) {
    expire();
    return store.cancel(incidentId, executionId, actor, reason);
  }

  public ExecutionView rollback(long incidentId, long executionId, String reason, String actor) {
    expire();
    return outside(store.compensate(incidentId, executionId, reason, actor));
  }

  public List<ExecutionView> history(long incidentId, int limit) {
    expire();
    return store.history(incidentId, limit);
  }

  /**
   * An action that fits an incident now: its suggested parameters, why it fits (the target's state in a
   * sentence) and when it needs an approval.
   */
  public record Fit(ActionType action, ObjectNode suggestedParams, String why, String approval) {
    public Fit {
      Objects.requireNonNull(action, "action");
      suggestedParams = suggestedParams.deepCopy();
      Objects.requireNonNull(why, "why");
      Objects.requireNonNull(approval, "approval");
    }
  }

  /**
   * The actions that fit {@code incident} now (what {@code GET /api/v1/incidents/{id}/actions} and the
   * dashboard list): for an incident whose source is a policy, its active rollout's actions and the
   * policy's; http-call when the allow-list is not empty.
   */
  public List<Fit> fits(IncidentView incident, PolicyStore policies, RolloutStore rollouts) {
    List<Fit> out = new ArrayList<>();
    Optional<PolicyView> policy = policyOf(policies, incident.source());
    Optional<RolloutView> rollout = policy.flatMap(p -> rollouts.activeFor(PolicyName.of(p.name())));
    rollout.ifPresent(r -> {
      ObjectNode same = Json.object().put("rollout", r.id());
      String where = "rollout " + r.id() + " of policy '" + r.policy() + "' is " + r.state().phase() + " at "
          + r.state().stage();
      out.add(fit(ActionType.ROLLBACK_ROLLOUT, same, where));
      if (r.state().phase() == Phase.PAUSED) {
        out.add(fit(ActionType.RESUME_ROLLOUT, same, where));
      } else {
        out.add(fit(ActionType.PAUSE_ROLLOUT, same, where));
        out.add(fit(ActionType.RERUN_ANALYSIS, same, where));
      }
      var stages = r.state().spec().stages();
      if (stages.size() > 1) {
        int lower = Math.max(0, r.state().stageIndex() - 1);
        int to = lower == r.state().stageIndex() ? 1 : lower;
        out.add(fit(ActionType.SET_PERCENTAGE, same.deepCopy().put("percentage",
            RolloutJson.percentage(stages.get(to).basisPoints())), where + "; its stages are at "
            + stages.list().stream().map(s -> RolloutJson.percentage(s.basisPoints()).toPlainString() + "%").toList()));
      }
    });
    policy.ifPresent(p -> {
      ObjectNode same = Json.object().put("policy", p.name());
      String where = "policy '" + p.name() + "' is at version " + p.version() + (p.frozen() ? ", frozen" : "");
      out.add(fit(p.frozen() ? ActionType.UNFREEZE_POLICY : ActionType.FREEZE_POLICY, same, where));
      if (rollout.isEmpty() && p.version() > 1) {
        out.add(fit(ActionType.REVERT_POLICY, same.deepCopy().put("toVersion", p.version() - 1), where));
      }
    });
    var allow = store.settings().httpAllow();
    if (!allow.isEmpty()) {
      out.add(fit(ActionType.HTTP_CALL, Json.object().put("url", allow.get(0)).put("method", "POST"),
          "allowed URL prefixes: " + allow));
    }
    return out;
  }

  private static Fit fit(ActionType a, ObjectNode suggested, String why) {
    return new Fit(a, suggested, why, switch (a) {
      case SET_PERCENTAGE -> "when raising the percentage";
      case REVERT_POLICY, HTTP_CALL -> "always";
      default -> "never";
    });
  }

  private static Optional<PolicyView> policyOf(PolicyStore policies, String source) {
    try {
      return policies.get(PolicyName.of(source));
    } catch (InvalidInputException notAPolicyName) { // a scenario, a budget, the journal
      return Optional.empty();
    }
  }

  /** Times out what is past its approval deadline; returns how many. */
  public int expire() {
    return store.expireDue(clock.instant());
  }

  /** Fails what a stop left RUNNING; call once at start. */
  public int recover() {
    int n = store.recoverInterrupted();
    if (n > 0) {
      log.warn("playbooks: {} execution(s) were running when the server stopped; marked failed (outcome unknown)", n);
    }
    return n;
  }

  /** What a rerun-analysis reports: the reconciler's decision on the fresh reading and where the rollout is. */
  public static ObjectNode rerunResult(io.rollgate.store.rollout.RolloutStore.Applied a) {
    var d = a.step().decision();
    var s = a.rollout().state();
    ObjectNode o = Json.object().put("rollout", a.rollout().id())
        .put("decision", d.isTransition() ? io.rollgate.store.rollout.RolloutStore.type(d) : "stay")
        .put("reason", d.reason()).put("phase", s.phase().name()).put("stage", s.stage().name())
        .put("percentage", io.rollgate.rollout.RolloutJson.percentage(s.candidateBasisPoints()));
    d.evidence().ifPresent(j -> o.set("evidence", io.rollgate.rollout.RolloutJson.toJson(j, s.spec().stages())));
    return o;
  }

  private ExecutionView outside(ExecutionView e) {
    if (e.state() != ExecutionState.RUNNING) {
      return e;
    }
    boolean ok;
    ObjectNode result;
    try {
      switch (e.action()) {
        case HTTP_CALL -> {
          String url = e.params().get("url").asText();
          if (!store.settings().allows(url)) { // the allow-list may have changed since the request
            ok = false;
            result = Json.object().put("error", "the URL is no longer on the allow-list " + store.settings().httpAllow());
          } else {
            var a = http.call(e.params());
            ok = a.ok();
            result = a.result();
          }
          // scheme, host and path only: a query string may carry a secret
          var u = java.net.URI.create(url);
          log.info("playbook execution {}: {} {}://{}{} -> {}", e.id(), e.params().get("method").asText(),
              u.getScheme(), u.getRawAuthority(), u.getRawPath(), result.has("status") ? result.get("status").asText()
                  : "failed");
        }
        case RERUN_ANALYSIS -> {
          result = rerunAnalysis.apply(e.params().get("rollout").asText());
          ok = true;
        }
        default -> throw new IllegalStateException(e.action().wire() + " runs inside the journal");
      }
    } catch (RuntimeException failure) {
      ok = false;
      result = Json.object().put("error", failure.getMessage() == null ? failure.toString() : failure.getMessage());
    }
    return store.finish(e.id(), ok, result);
  }
}
