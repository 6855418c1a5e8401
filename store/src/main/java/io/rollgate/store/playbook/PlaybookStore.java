package io.rollgate.store.playbook;

import static io.rollgate.incident.playbook.ExecutionState.AWAITING_APPROVAL;
import static io.rollgate.incident.playbook.ExecutionState.CANCELED;
import static io.rollgate.incident.playbook.ExecutionState.FAILED;
import static io.rollgate.incident.playbook.ExecutionState.REQUESTED;
import static io.rollgate.incident.playbook.ExecutionState.RUNNING;
import static io.rollgate.incident.playbook.ExecutionState.SUCCEEDED;
import static io.rollgate.incident.playbook.ExecutionState.TIMED_OUT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import io.rollgate.error.NotFoundException;
import io.rollgate.error.RollgateException;
import io.rollgate.incident.playbook.ActionType;
import io.rollgate.incident.playbook.ExecutionState;
import io.rollgate.incident.playbook.Plan;
import io.rollgate.incident.playbook.PlaybookSettings;
import io.rollgate.incident.playbook.Plans;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.ApplyResult;
import io.rollgate.policy.ChangeKind;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.store.db.Database;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.Tx;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import io.rollgate.store.rollout.Action;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Playbook executions. Each step is one journal command that re-plans on the state the writer sees,
 * so what ran is what the plan said at that moment: the request (and, for an action that needs no
 * approval and stays inside Rollgate, the change itself with its own rollout or policy entry), the
 * approval (and the change), a cancel, a timeout. Actions that reach outside the journal
 * (http-call, rerun-analysis) are RUNNING between two commands; the server does the outside part and
 * calls {@link #finish}. An execution left RUNNING by a crash is failed by {@link #recoverInterrupted}.
 *
 * <p>Journal entries, subject {@code incident:{id}}: {@code action.requested} (waiting for an approval,
 * or running outside), {@code action.approved}, {@code action.executed} (reached a final state:
 * succeeded, failed, canceled or timed_out — {@code state} says which).
 */
public final class PlaybookStore {
  public static final int MAX_REASON = 1_000;
  public static final int MAX_HISTORY = 1_000;
  /** The actor of what the server does on its own (timeouts, recovery). */
  public static final String SYSTEM = "system";

  private final Jdbi reads;
  private final Journal journal;
  private final PolicyStore policies;
  private final PlaybookSettings settings;

  public PlaybookStore(Database db, Journal journal, PolicyStore policies, PlaybookSettings settings) {
    this.reads = db.reads();
    this.journal = journal;
    this.policies = policies;
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public PlaybookSettings settings() {
    return settings;
  }

  /** A command's outcome: the execution, a policy version to verify once committed, and whether it timed out. */
  private record Ran(ExecutionView execution, Optional<ApplyResult> applied, boolean timedOut) {
    Ran(ExecutionView execution) {
      this(execution, Optional.empty(), false);
    }
  }

  /** What a perform did. */
  private record Outcome(boolean ok, ObjectNode result, Optional<ApplyResult> applied) {}

  /** The dry run: the plan on what a read sees now. Changes nothing. */
  public Plan dryRun(long incidentId, ActionType action, JsonNode params, String actor, Instant now) {
    return reads.inTransaction(h -> {
      requireIncident(h, incidentId, false);
      return Plans.plan(action, params, new StoreFacts(h), settings, now, actor);
    });
  }

  /**
   * Requests an execution: 4xx with nothing changed when the plan refuses; otherwise it waits for an
   * approval, runs at once (the change commits with the execution), or is RUNNING for the server to
   * do the outside part.
   */
  public ExecutionView request(long incidentId, ActionType action, JsonNode params, String reason, String requester) {
    return verified(journal.execute(tx -> requestIn(tx, incidentId, action, params, reason, requester, null)));
  }

  /**
   * Undoes succeeded execution {@code executionId} with a new execution of its captured compensation,
   * which goes through the same plan and approval rules (undoing a step down is a step up: approval).
   */
  public ExecutionView compensate(long incidentId, long executionId, String reason, String actor) {
    return verified(journal.execute(tx -> {
      ExecutionView original = requireIn(tx.handle(), incidentId, executionId);
      if (original.state() != SUCCEEDED) {
        throw new ConflictException("execution " + executionId + " is " + original.state().wire()
            + "; only a succeeded execution can be rolled back");
      }
      if (original.compensation() == null) {
        throw new ConflictException("execution " + executionId + " (" + original.action().wire() + ") cannot be "
            + "undone: " + original.action().wire() + " is not reversible");
      }
      ExecutionRows.liveCompensation(tx.handle(), executionId).ifPresent(c -> {
        throw new ConflictException("execution " + executionId + " is already undone (or being undone) by execution "
            + c.id() + " (" + c.state().wire() + ")");
      });
      ObjectNode c = original.compensation();
      return requestIn(tx, incidentId, ActionType.parse("action", c.path("action").asText()), c.path("params"),
          reason, actor, executionId);
    }));
  }

  /**
   * An admin approves: four-eyes (not the requester), within the deadline (past it the execution is
   * TIMED_OUT and this is a 409). The plan is re-made on the current state; if the target changed so
   * that it no longer applies, the execution FAILS saying why.
   *
   * @throws ForbiddenException the approver requested it
   * @throws ConflictException it is not awaiting approval, or its approval deadline passed
   */
  public ExecutionView approve(long incidentId, long executionId, String approver, String reason) {
    Ran ran = journal.execute(tx -> {
      Handle h = tx.handle();
      ExecutionView v = requireIn(h, incidentId, executionId);
      if (v.state() == AWAITING_APPROVAL && expired(v, tx.now())) {
        return new Ran(timeOut(tx, v), Optional.empty(), true);
      }
      if (v.state() != AWAITING_APPROVAL) {
        v.state().requireTransition(RUNNING, "execution " + executionId + " (approve)");
        throw new ConflictException("execution " + executionId + " is " + v.state().wire()
            + "; only an execution awaiting approval can be approved");
      }
      if (approver.equals(v.requester())) {
        throw new ForbiddenException("four-eyes: '" + approver + "' requested execution " + executionId
            + " and may not approve it; another admin must");
      }
      var moves = new Moves();
      v = moves.move(v.withApproval(approver), RUNNING, tx.now(), approver, reason);
      moves.flush(tx, v, append(tx, "action.approved", v, approver, reason, null));
      if (v.action().external()) {
        ExecutionRows.update(h, v);
        return new Ran(v);
      }
      Plan plan;
      try {
        plan = Plans.plan(v.action(), v.params(), new StoreFacts(h), settings, tx.now(), approver);
      } catch (RollgateException changed) {
        ObjectNode r = Json.object().put("error", "the target changed since the request: " + changed.getMessage());
        return new Ran(finishIn(tx, v, new Outcome(false, r, Optional.empty()), null, moves, approver));
      }
      return runIn(tx, v, plan, approver, moves);
    });
    if (ran.timedOut()) {
      ExecutionView v = ran.execution();
      throw new ConflictException("execution " + v.id() + " timed out at " + v.approvalDeadline()
          + " waiting for an approval; request it again");
    }
    return verified(ran);
  }

  /**
   * Withdraws an execution that has not run.
   *
   * @throws ConflictException it is running or final, or its approval deadline passed
   */
  public ExecutionView cancel(long incidentId, long executionId, String actor, String reason) {
    Ran ran = journal.execute(tx -> {
      ExecutionView v = requireIn(tx.handle(), incidentId, executionId);
      if (v.state() == AWAITING_APPROVAL && expired(v, tx.now())) {
        return new Ran(timeOut(tx, v), Optional.empty(), true);
      }
      v.state().requireTransition(CANCELED, "execution " + executionId + " (cancel)");
      var moves = new Moves();
      v = moves.move(v, CANCELED, tx.now(), actor, reason);
      moves.flush(tx, v, append(tx, "action.executed", v, actor, reason, null));
      ExecutionRows.update(tx.handle(), v);
      return new Ran(v);
    });
    if (ran.timedOut()) {
      throw new ConflictException("execution " + executionId + " timed out at "
          + ran.execution().approvalDeadline() + " waiting for an approval; there is nothing to cancel");
    }
    return ran.execution();
  }

  /**
   * Records the outcome of the outside part of a RUNNING execution (http-call, rerun-analysis).
   *
   * @throws ConflictException it is not RUNNING
   */
  public ExecutionView finish(long executionId, boolean ok, ObjectNode result) {
    return journal.execute(tx -> {
      ExecutionView v = ExecutionRows.find(tx.handle(), executionId)
          .orElseThrow(() -> new NotFoundException("execution " + executionId + " does not exist"));
      v.state().requireTransition(ok ? SUCCEEDED : FAILED, "execution " + executionId);
      if (v.state() != RUNNING) {
        throw new ConflictException("execution " + executionId + " is " + v.state().wire() + ", not running");
      }
      return finishIn(tx, v, new Outcome(ok, result, Optional.empty()), null, new Moves(), actorOf(v));
    });
  }

  /** Times out every execution whose approval deadline has passed by {@code now}; returns how many. */
  public int expireDue(Instant now) {
    List<Long> due = reads.withHandle(h -> ExecutionRows.dueForTimeout(h, now));
    if (due.isEmpty()) {
      return 0;
    }
    return journal.execute(tx -> {
      int n = 0;
      for (long id : due) {
        ExecutionView v = ExecutionRows.find(tx.handle(), id).orElseThrow();
        if (v.state() == AWAITING_APPROVAL && expired(v, tx.now())) {
          timeOut(tx, v);
          n++;
        }
      }
      return n;
    });
  }

  /**
   * Fails the executions a stop left RUNNING (the outside part of an http-call or rerun-analysis): their
   * outcome is unknown, and running them again blindly could repeat a call. Call once at start.
   */
  public int recoverInterrupted() {
    List<Long> running = reads.withHandle(h -> ExecutionRows.inState(h, RUNNING));
    if (running.isEmpty()) {
      return 0;
    }
    return journal.execute(tx -> {
      int n = 0;
      for (long id : running) {
        ExecutionView v = ExecutionRows.find(tx.handle(), id).orElseThrow();
        if (v.state() == RUNNING) {
          ObjectNode r = Json.object().put("error", "interrupted: the server stopped while it ran, so its outcome "
              + "is unknown; check " + v.target() + " before running it again");
          finishIn(tx, v, new Outcome(false, r, Optional.empty()), null, new Moves(), SYSTEM);
          n++;
        }
      }
      return n;
    });
  }

  public Optional<ExecutionView> get(long executionId) {
    return reads.withHandle(h -> ExecutionRows.find(h, executionId));
  }

  /** Execution {@code executionId} of incident {@code incidentId}, or a 404 naming both. */
  public ExecutionView require(long incidentId, long executionId) {
    return reads.withHandle(h -> requireIn(h, incidentId, executionId));
  }

  /** The incident's executions, newest first; 404 for an unknown incident. */
  public List<ExecutionView> history(long incidentId, int limit) {
    return reads.withHandle(h -> {
      requireIncident(h, incidentId, false);
      return ExecutionRows.ofIncident(h, incidentId, Math.min(limit, MAX_HISTORY));
    });
  }

  /** Oldest first. */
  public List<ExecutionChange> transitions(long executionId) {
    return reads.withHandle(h -> ExecutionRows.transitions(h, executionId));
  }

  // --- inside commands

  private Ran requestIn(Tx tx, long incidentId, ActionType action, JsonNode params, String reason, String requester,
      Long compensates) {
    Handle h = tx.handle();
    requireIncident(h, incidentId, true);
    Plan plan = Plans.plan(action, params, new StoreFacts(h), settings, tx.now(), requester);
    Instant now = tx.now();
    var v = new ExecutionView(ExecutionRows.nextId(h), incidentId, action, plan.params(), plan.target(), plan.risk(),
        requester, reason, null, REQUESTED, Plans.toJson(plan), null, null, compensates, null, now, now);
    ExecutionRows.insert(h, v);
    var moves = new Moves();
    moves.first(v, now, requester, reason);
    if (plan.needsApproval()) {
      v = moves.move(v.withDeadline(now.plus(settings.approvalTtl())), AWAITING_APPROVAL, now, requester,
          plan.approvalReason());
      moves.flush(tx, v, append(tx, "action.requested", v, requester, reason, plan));
      ExecutionRows.update(h, v);
      return new Ran(v);
    }
    v = moves.move(v, RUNNING, now, requester, reason);
    if (action.external()) {
      moves.flush(tx, v, append(tx, "action.requested", v, requester, reason, plan));
      ExecutionRows.update(h, v);
      return new Ran(v);
    }
    return runIn(tx, v, plan, requester, moves);
  }

  /** Performs a RUNNING internal execution and records its final state with {@code action.executed}. */
  private Ran runIn(Tx tx, ExecutionView v, Plan plan, String actor, Moves moves) {
    Outcome o;
    try {
      o = perform(tx, v, plan, actor);
    } catch (RollgateException refused) { // the stores refuse before they write
      o = new Outcome(false, Json.object().put("error", refused.getMessage()), Optional.empty());
    }
    ObjectNode compensation = o.ok() ? plan.compensation().map(Plans::compensationJson).orElse(null) : null;
    return new Ran(finishIn(tx, v, o, compensation, moves, actor), o.applied(), false);
  }

  private ExecutionView finishIn(Tx tx, ExecutionView v, Outcome o, ObjectNode compensation, Moves moves,
      String actor) {
    String why = o.ok() ? "done" : o.result().path("error").asText("failed");
    v = moves.move(v.withResult(o.result(), compensation), o.ok() ? SUCCEEDED : FAILED, tx.now(), actor, why);
    moves.flush(tx, v, append(tx, "action.executed", v, actor, why, null));
    ExecutionRows.update(tx.handle(), v);
    return v;
  }

  private ExecutionView timeOut(Tx tx, ExecutionView v) {
    var moves = new Moves();
    String why = "no approval by " + v.approvalDeadline();
    v = moves.move(v, TIMED_OUT, tx.now(), SYSTEM, why);
    moves.flush(tx, v, append(tx, "action.executed", v, SYSTEM, why, null));
    ExecutionRows.update(tx.handle(), v);
    return v;
  }

  /** The change itself, through the rollout and policy stores' own in-command operations and entries. */
  private static Outcome perform(Tx tx, ExecutionView v, Plan plan, String actor) {
    ObjectNode p = plan.params();
    String why = "playbook execution " + v.id() + " on incident " + v.incidentId()
        + (v.approver() == null ? "" : " (requested by " + v.requester() + ", approved by " + v.approver() + ")")
        + ": " + v.reason();
    return switch (v.action()) {
      case ROLLBACK_ROLLOUT -> rollout(RolloutStore.actInCommand(tx, p.get("rollout").asText(), Action.ROLL_BACK,
          actor, why));
      case PAUSE_ROLLOUT -> rollout(RolloutStore.actInCommand(tx, p.get("rollout").asText(), Action.PAUSE, actor, why));
      case RESUME_ROLLOUT -> rollout(RolloutStore.actInCommand(tx, p.get("rollout").asText(), Action.RESUME, actor,
          why));
      case SET_PERCENTAGE -> {
        String id = p.get("rollout").asText();
        RolloutView r = RolloutStore.find(tx.handle(), id).orElseThrow(() -> new NotFoundException(
            "rollout '" + id + "' does not exist"));
        int index = Plans.stageFor(r.state(), p.get("percentage").decimalValue(), id);
        yield rollout(RolloutStore.setStageInCommand(tx, id, index, actor, why));
      }
      case FREEZE_POLICY -> policy(PolicyStore.freezeInCommand(tx, PolicyName.of(p.get("policy").asText()), why,
          actor));
      case UNFREEZE_POLICY -> policy(PolicyStore.unfreezeInCommand(tx, PolicyName.of(p.get("policy").asText()), why,
          actor));
      case REVERT_POLICY -> {
        PolicyName name = PolicyName.of(p.get("policy").asText());
        int to = p.get("toVersion").asInt();
        ObjectNode doc = PolicyStore.version(tx.handle(), name, to).orElseThrow().document();
        ApplyResult r = PolicyStore.proposeInCommand(tx, name, doc, ChangeKind.ROLLBACK, why, actor);
        ObjectNode result = Json.object().put("policy", name.value()).put("applied", r.applied())
            .put("version", r.version()).put("stateHash", r.stateHash()).put("revertedTo", to);
        result.set("changedKeys", Json.mapper().valueToTree(r.changedKeys()));
        if (!r.applied()) {
          result.put("error", "the apply pipeline skipped the revert: " + r.skipReason().note());
          yield new Outcome(false, result, Optional.empty());
        }
        yield new Outcome(true, result, Optional.of(r));
      }
      case RERUN_ANALYSIS, HTTP_CALL -> throw new IllegalStateException(v.action().wire() + " runs outside");
    };
  }

  private static Outcome rollout(RolloutStore.Applied a) {
    var s = a.rollout().state();
    ObjectNode r = Json.object().put("rollout", a.rollout().id()).put("policy", a.rollout().policy())
        .put("phase", s.phase().name()).put("stage", s.stage().name())
        .put("percentage", RolloutJson.percentage(s.candidateBasisPoints())).put("reason", s.reason());
    return new Outcome(true, r, Optional.empty());
  }

  private static Outcome policy(PolicyView v) {
    ObjectNode r = Json.object().put("policy", v.name()).put("frozen", v.frozen()).put("version", v.version());
    return new Outcome(true, r, Optional.empty());
  }

  /** The verification barrier for a policy version a revert committed. */
  private ExecutionView verified(Ran ran) {
    ran.applied().ifPresent(policies::verifyCommitted);
    return ran.execution();
  }

  private static long append(Tx tx, String type, ExecutionView v, String actor, String reason, Plan plan) {
    ObjectNode p = Json.object();
    ObjectNode shown = v.shownParams();
    p.put("executionId", v.id()).put("incidentId", v.incidentId()).put("action", v.action().wire())
        .put("target", v.target()).put("risk", v.risk().wire()).put("state", v.state().wire())
        .put("requester", v.requester()).put("reason", reason);
    p.set("params", shown);
    p.put("paramsHash", Canonical.sha256Hex(Canonical.canonicalize(shown)));
    if (v.approver() != null) {
      p.put("approver", v.approver());
    }
    if (v.compensates() != null) {
      p.put("compensates", v.compensates());
    }
    if (plan != null) {
      p.set("changes", Json.mapper().valueToTree(plan.changes()));
    }
    if (v.approvalDeadline() != null) {
      p.put("approvalDeadline", v.approvalDeadline().toString());
    }
    if (v.result() != null) {
      p.set("result", v.result());
    }
    if (v.state() == SUCCEEDED) {
      p.put("reversible", v.compensation() != null);
    }
    return tx.append(type, IncidentStore.subject(v.incidentId()), actor, p);
  }

  /** The person whose authority a change runs on: the approver when there was one, else the requester. */
  private static String actorOf(ExecutionView v) {
    return v.approver() != null ? v.approver() : v.requester();
  }

  private static boolean expired(ExecutionView v, Instant now) {
    return v.approvalDeadline() != null && !now.isBefore(v.approvalDeadline());
  }

  private static void requireIncident(Handle h, long id, boolean forChange) {
    String state = ExecutionRows.incidentState(h, id)
        .orElseThrow(() -> new NotFoundException("incident " + id + " does not exist"));
    if (forChange && state.equals("closed")) {
      throw new ConflictException("incident " + id + " is closed; remediation on a closed incident is refused "
          + "(a new signal opens a new incident)");
    }
  }

  private static ExecutionView requireIn(Handle h, long incidentId, long executionId) {
    requireIncident(h, incidentId, false);
    return ExecutionRows.find(h, executionId).filter(e -> e.incidentId() == incidentId)
        .orElseThrow(() -> new NotFoundException("execution " + executionId + " of incident " + incidentId
            + " does not exist"));
  }

  /** State changes of one command, written with the journal entry that records them. */
  private static final class Moves {
    private record Pending(ExecutionState from, ExecutionState to, Instant at, String actor, String reason) {}

    private final List<Pending> pending = new ArrayList<>();

    void first(ExecutionView v, Instant at, String actor, String reason) {
      pending.add(new Pending(null, v.state(), at, actor, reason));
    }

    ExecutionView move(ExecutionView v, ExecutionState to, Instant at, String actor, String reason) {
      v.state().requireTransition(to, "execution " + v.id());
      pending.add(new Pending(v.state(), to, at, actor, reason));
      return v.with(to, at);
    }

    void flush(Tx tx, ExecutionView v, long seq) {
      for (Pending p : pending) {
        ExecutionRows.insertTransition(tx.handle(), v.id(), p.at(), seq, p.from(), p.to(), p.actor(), p.reason());
      }
      pending.clear();
    }
  }
}
