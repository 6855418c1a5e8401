package io.rollgate.store.playbook;

import io.rollgate.incident.playbook.ActionType;
import io.rollgate.incident.playbook.ExecutionState;
import io.rollgate.incident.playbook.Risk;
import io.rollgate.json.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The SQL for playbook executions and their transitions. */
final class ExecutionRows {
  private ExecutionRows() {}

  static final RowMapper<ExecutionView> VIEW = (rs, ctx) -> new ExecutionView(rs.getLong("id"),
      rs.getLong("incident_id"), ActionType.parse("action", rs.getString("action")),
      Json.parseStoredObject(rs.getString("params")), rs.getString("target"),
      Risk.valueOf(rs.getString("risk").toUpperCase(Locale.ROOT)), rs.getString("requester"), rs.getString("reason"),
      rs.getString("approver"), ExecutionState.parse("state", rs.getString("state")),
      Json.parseStoredObject(rs.getString("plan")), object(rs, "result"), object(rs, "compensation"),
      nullableLong(rs, "compensates"), instant(rs, "approval_deadline"), instant(rs, "created_at"),
      instant(rs, "updated_at"));

  private static com.fasterxml.jackson.databind.node.ObjectNode object(ResultSet rs, String column)
      throws SQLException {
    String s = rs.getString(column);
    return s == null ? null : Json.parseStoredObject(s);
  }

  private static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Long v = nullableLong(rs, column);
    return v == null ? null : Instant.ofEpochMilli(v);
  }

  /** The incident's state (wire form), if it exists. */
  static Optional<String> incidentState(Handle h, long id) {
    return h.createQuery("SELECT state FROM incidents WHERE id = :id").bind("id", id).mapTo(String.class).findOne();
  }

  static long nextId(Handle h) {
    return h.createQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM playbook_executions").mapTo(Long.class).one();
  }

  static Optional<ExecutionView> find(Handle h, long id) {
    return h.createQuery("SELECT * FROM playbook_executions WHERE id = :id").bind("id", id).map(VIEW).findOne();
  }

  static void insert(Handle h, ExecutionView v) {
    h.createUpdate("""
            INSERT INTO playbook_executions (id, incident_id, action, params, target, risk, requester, reason,
                                             state, plan, compensates, created_at, updated_at)
            VALUES (:id, :incident, :action, :params, :target, :risk, :requester, :reason, :state, :plan,
                    :compensates, :at, :at)
            """)
        .bind("id", v.id()).bind("incident", v.incidentId()).bind("action", v.action().wire())
        .bind("params", Json.write(v.params())).bind("target", v.target()).bind("risk", v.risk().wire())
        .bind("requester", v.requester()).bind("reason", v.reason()).bind("state", v.state().wire())
        .bind("plan", Json.write(v.plan())).bind("compensates", v.compensates())
        .bind("at", v.createdAt().toEpochMilli())
        .execute();
  }

  /** Saves what changes after the request. */
  static void update(Handle h, ExecutionView v) {
    h.createUpdate("""
            UPDATE playbook_executions SET state = :state, approver = :approver, result = :result,
                   compensation = :compensation, approval_deadline = :deadline, updated_at = :updated
             WHERE id = :id
            """)
        .bind("id", v.id()).bind("state", v.state().wire()).bind("approver", v.approver())
        .bind("result", v.result() == null ? null : Json.write(v.result()))
        .bind("compensation", v.compensation() == null ? null : Json.write(v.compensation()))
        .bind("deadline", v.approvalDeadline() == null ? null : v.approvalDeadline().toEpochMilli())
        .bind("updated", v.updatedAt().toEpochMilli())
        .execute();
  }

  /** Newest first. */
  static List<ExecutionView> ofIncident(Handle h, long incidentId, int limit) {
    return h.createQuery("SELECT * FROM playbook_executions WHERE incident_id = :i ORDER BY id DESC LIMIT :l")
        .bind("i", incidentId).bind("l", limit).map(VIEW).list();
  }

  static List<Long> inState(Handle h, ExecutionState state) {
    return h.createQuery("SELECT id FROM playbook_executions WHERE state = :s ORDER BY id")
        .bind("s", state.wire()).mapTo(Long.class).list();
  }

  static List<Long> dueForTimeout(Handle h, Instant now) {
    return h.createQuery("""
            SELECT id FROM playbook_executions
             WHERE state = 'awaiting_approval' AND approval_deadline <= :now ORDER BY id
            """).bind("now", now.toEpochMilli()).mapTo(Long.class).list();
  }

  /** The execution that undoes {@code id} and is not failed, canceled or timed out, if any. */
  static Optional<ExecutionView> liveCompensation(Handle h, long id) {
    return h.createQuery("""
            SELECT * FROM playbook_executions
             WHERE compensates = :id AND state IN ('requested', 'awaiting_approval', 'running', 'succeeded')
            """).bind("id", id).map(VIEW).findOne();
  }

  static void insertTransition(Handle h, long id, Instant at, long seq, ExecutionState from, ExecutionState to,
      String actor, String reason) {
    int n = h.createQuery("SELECT COALESCE(MAX(n), 0) + 1 FROM playbook_transitions WHERE execution_id = :id")
        .bind("id", id).mapTo(Integer.class).one();
    h.createUpdate("""
            INSERT INTO playbook_transitions (execution_id, n, at, journal_seq, from_state, to_state, actor, reason)
            VALUES (:id, :n, :at, :seq, :from, :to, :actor, :reason)
            """)
        .bind("id", id).bind("n", n).bind("at", at.toEpochMilli()).bind("seq", seq)
        .bind("from", from == null ? null : from.wire()).bind("to", to.wire()).bind("actor", actor)
        .bind("reason", reason)
        .execute();
  }

  /** Oldest first. */
  static List<ExecutionChange> transitions(Handle h, long id) {
    return h.createQuery("SELECT * FROM playbook_transitions WHERE execution_id = :id ORDER BY n")
        .bind("id", id)
        .map((rs, ctx) -> {
          String from = rs.getString("from_state");
          return new ExecutionChange(rs.getInt("n"), Instant.ofEpochMilli(rs.getLong("at")), rs.getLong("journal_seq"),
              from == null ? null : ExecutionState.parse("from", from), ExecutionState.parse("to",
                  rs.getString("to_state")), rs.getString("actor"), rs.getString("reason"));
        })
        .list();
  }
}
