package io.rollgate.store.playbook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.incident.playbook.ActionType;
import io.rollgate.incident.playbook.ExecutionState;
import io.rollgate.incident.playbook.Plans;
import io.rollgate.incident.playbook.Risk;
import java.time.Instant;

/**
 * A playbook execution as stored.
 *
 * @param params as validated; http-call header values included (use {@link #shownParams()} for anything shown)
 * @param plan the plan it was requested with ({@link Plans#toJson})
 * @param result what it did or why it failed; null until it ran
 * @param compensation {@code {action, params}} that undoes it, captured when it succeeded; null if none
 * @param compensates the execution this one undoes, or null
 * @param approvalDeadline when an unapproved execution times out; null if it needs no approval
 */
public record ExecutionView(long id, long incidentId, ActionType action, ObjectNode params, String target, Risk risk,
    String requester, String reason, String approver, ExecutionState state, ObjectNode plan, ObjectNode result,
    ObjectNode compensation, Long compensates, Instant approvalDeadline, Instant createdAt, Instant updatedAt) {

  public ObjectNode shownParams() {
    return Plans.redacted(action, params);
  }

  /** Succeeded with a compensation: {@code …/rollback} may undo it. */
  public boolean undoable() {
    return state == ExecutionState.SUCCEEDED && compensation != null;
  }

  ExecutionView with(ExecutionState s, Instant now) {
    return new ExecutionView(id, incidentId, action, params, target, risk, requester, reason, approver, s, plan, result,
        compensation, compensates, approvalDeadline, createdAt, now);
  }

  ExecutionView withApproval(String by) {
    return new ExecutionView(id, incidentId, action, params, target, risk, requester, reason, by, state, plan, result,
        compensation, compensates, approvalDeadline, createdAt, updatedAt);
  }

  ExecutionView withDeadline(Instant deadline) {
    return new ExecutionView(id, incidentId, action, params, target, risk, requester, reason, approver, state, plan,
        result, compensation, compensates, deadline, createdAt, updatedAt);
  }

  ExecutionView withResult(ObjectNode r, ObjectNode comp) {
    return new ExecutionView(id, incidentId, action, params, target, risk, requester, reason, approver, state, plan, r,
        comp, compensates, approvalDeadline, createdAt, updatedAt);
  }
}
