package io.rollgate.store.incident;

import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.State;
import io.rollgate.json.Json;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The SQL for incidents, their occurrences and transitions. */
final class IncidentRows {
  private IncidentRows() {}

  static final RowMapper<IncidentView> VIEW = (rs, ctx) -> new IncidentView(rs.getLong("id"),
      rs.getString("dedup_key"), rs.getString("identity"), Kind.valueOf(upper(rs.getString("kind"))),
      rs.getString("source"), Severity.valueOf(upper(rs.getString("severity"))),
      State.valueOf(upper(rs.getString("state"))), rs.getString("title"), rs.getInt("occurrences"),
      instant(rs, "created_at"), instant(rs, "updated_at"), instant(rs, "last_occurrence_at"),
      instant(rs, "acknowledged_at"), instant(rs, "mitigated_at"), instant(rs, "resolved_at"),
      instant(rs, "closed_at"), rs.getInt("reopened"));

  private static String upper(String s) {
    return s.toUpperCase(Locale.ROOT);
  }

  private static Instant instant(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }

  static Optional<IncidentView> find(Handle h, long id) {
    return h.createQuery("SELECT * FROM incidents WHERE id = :id").bind("id", id).map(VIEW).findOne();
  }

  /** The key's most recent incident: the open one if there is one (at most one is), else the newest. */
  static Optional<IncidentView> latest(Handle h, String key) {
    return h.createQuery("""
            SELECT * FROM incidents WHERE dedup_key = :k
             ORDER BY CASE WHEN state IN ('open', 'acknowledged', 'mitigated') THEN 0 ELSE 1 END, id DESC
             LIMIT 1
            """).bind("k", key).map(VIEW).findOne();
  }

  static int createdSince(Handle h, String key, Instant after) {
    return h.createQuery("SELECT COUNT(*) FROM incidents WHERE dedup_key = :k AND created_at > :after")
        .bind("k", key).bind("after", after.toEpochMilli()).mapTo(Integer.class).one();
  }

  static long cursor(Handle h, String name) {
    return findCursor(h, name).orElse(0L);
  }

  static java.util.OptionalLong findCursor(Handle h, String name) {
    return h.createQuery("SELECT seq FROM incident_bridge_cursor WHERE name = :n").bind("n", name)
        .mapTo(Long.class).findOne().map(java.util.OptionalLong::of).orElse(java.util.OptionalLong.empty());
  }

  /** Upsert, forward only (SQLite ≥ 3.24 and PostgreSQL share this syntax). */
  static void advanceCursor(Handle h, String name, long seq) {
    h.createUpdate("""
            INSERT INTO incident_bridge_cursor (name, seq) VALUES (:n, :s)
            ON CONFLICT (name) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > incident_bridge_cursor.seq
            """).bind("n", name).bind("s", seq).execute();
  }

  static long nextId(Handle h) {
    return h.createQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM incidents").mapTo(Long.class).one();
  }

  static void insert(Handle h, IncidentView v) {
    h.createUpdate("""
            INSERT INTO incidents (id, dedup_key, identity, kind, source, severity, state, title, occurrences,
                                   created_at, updated_at, last_occurrence_at, reopened)
            VALUES (:id, :key, :identity, :kind, :source, :severity, :state, :title, :occurrences,
                    :at, :at, :at, 0)
            """)
        .bind("id", v.id()).bind("key", v.dedupKey()).bind("identity", v.identity()).bind("kind", v.kind().wire())
        .bind("source", v.source()).bind("severity", v.severity().wire()).bind("state", v.state().wire())
        .bind("title", v.title()).bind("occurrences", v.occurrences()).bind("at", v.createdAt().toEpochMilli())
        .execute();
  }

  /** Saves everything that changes after creation. */
  static void update(Handle h, IncidentView v) {
    h.createUpdate("""
            UPDATE incidents SET severity = :severity, state = :state, title = :title, occurrences = :occurrences,
                   updated_at = :updated, last_occurrence_at = :last, acknowledged_at = :ack, mitigated_at = :mit,
                   resolved_at = :res, closed_at = :closed, reopened = :reopened
             WHERE id = :id
            """)
        .bind("id", v.id()).bind("severity", v.severity().wire()).bind("state", v.state().wire())
        .bind("title", v.title()).bind("occurrences", v.occurrences()).bind("updated", v.updatedAt().toEpochMilli())
        .bind("last", v.lastOccurrenceAt().toEpochMilli()).bind("ack", millis(v.acknowledgedAt()))
        .bind("mit", millis(v.mitigatedAt())).bind("res", millis(v.resolvedAt())).bind("closed", millis(v.closedAt()))
        .bind("reopened", v.reopened())
        .execute();
  }

  private static Long millis(Instant i) {
    return i == null ? null : i.toEpochMilli();
  }

  /** Newest first. */
  static List<IncidentView> list(Handle h, IncidentFilter f, int limit) {
    String where = (f.state() == null ? "" : " AND state = :state") + (f.severity() == null ? "" : " AND severity = :sev")
        + (f.kind() == null ? "" : " AND kind = :kind");
    var q = h.createQuery("SELECT * FROM incidents WHERE 1 = 1" + where + " ORDER BY id DESC LIMIT :l").bind("l", limit);
    if (f.state() != null) {
      q.bind("state", f.state().wire());
    }
    if (f.severity() != null) {
      q.bind("sev", f.severity().wire());
    }
    if (f.kind() != null) {
      q.bind("kind", f.kind().wire());
    }
    return q.map(VIEW).list();
  }

  static void insertOccurrence(Handle h, long id, int n, Instant at, long seq, String outcome, Severity severity,
      String title, String details) {
    h.createUpdate("""
            INSERT INTO incident_occurrences (incident_id, n, at, journal_seq, outcome, severity, title, details)
            VALUES (:id, :n, :at, :seq, :outcome, :severity, :title, :details)
            """)
        .bind("id", id).bind("n", n).bind("at", at.toEpochMilli()).bind("seq", seq).bind("outcome", outcome)
        .bind("severity", severity.wire()).bind("title", title).bind("details", details)
        .execute();
  }

  /** Newest first. */
  static List<Occurrence> occurrences(Handle h, long id, int limit) {
    return h.createQuery("SELECT * FROM incident_occurrences WHERE incident_id = :id ORDER BY n DESC LIMIT :l")
        .bind("id", id).bind("l", limit)
        .map((rs, ctx) -> new Occurrence(rs.getInt("n"), Instant.ofEpochMilli(rs.getLong("at")),
            rs.getLong("journal_seq"), rs.getString("outcome"), Severity.valueOf(upper(rs.getString("severity"))),
            rs.getString("title"), Json.parseStoredObject(rs.getString("details"))))
        .list();
  }

  static void insertTransition(Handle h, long id, Instant at, long seq, State from, State to, String actor,
      String reason) {
    int n = h.createQuery("SELECT COALESCE(MAX(n), 0) + 1 FROM incident_transitions WHERE incident_id = :id")
        .bind("id", id).mapTo(Integer.class).one();
    h.createUpdate("""
            INSERT INTO incident_transitions (incident_id, n, at, journal_seq, from_state, to_state, actor, reason)
            VALUES (:id, :n, :at, :seq, :from, :to, :actor, :reason)
            """)
        .bind("id", id).bind("n", n).bind("at", at.toEpochMilli()).bind("seq", seq)
        .bind("from", from == null ? null : from.wire()).bind("to", to.wire()).bind("actor", actor)
        .bind("reason", reason)
        .execute();
  }

  /** Oldest first. */
  static List<StateChange> transitions(Handle h, long id) {
    return h.createQuery("SELECT * FROM incident_transitions WHERE incident_id = :id ORDER BY n")
        .bind("id", id)
        .map((rs, ctx) -> {
          String from = rs.getString("from_state");
          return new StateChange(rs.getInt("n"), Instant.ofEpochMilli(rs.getLong("at")), rs.getLong("journal_seq"),
              from == null ? null : State.valueOf(upper(from)), State.valueOf(upper(rs.getString("to_state"))),
              rs.getString("actor"), rs.getString("reason"));
        })
        .list();
  }
}
