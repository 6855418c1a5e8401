package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The outbox tables (V5): rows, the per-(incident, sink) idempotency record, and the journal cursor. */
final class Outbox {
  static final String PENDING = "pending";
  static final String DONE = "done";
  static final String FAILED = "failed";

  private Outbox() {}

  record Row(long id, String incidentId, String sinkId, String message, ObjectNode payload, int attempts,
      Instant nextAttemptAt, String state, String lastError, String externalId, String externalUrl) {}

  /** The idempotency record. {@code createdAt} is when the first create was sent: lookups search from there. */
  record External(String incidentId, String sinkId, String state, String externalId, String externalUrl,
      Instant createdAt) {}

  private static final org.jdbi.v3.core.mapper.RowMapper<Row> ROW = (rs, c) -> new Row(rs.getLong("id"),
      rs.getString("incident_id"), rs.getString("sink_id"), rs.getString("message"),
      Json.parseStoredObject(rs.getString("payload")), rs.getInt("attempts"),
      Instant.ofEpochMilli(rs.getLong("next_attempt_at")), rs.getString("state"), rs.getString("last_error"),
      rs.getString("external_id"), rs.getString("external_url"));

  private static final org.jdbi.v3.core.mapper.RowMapper<External> EXTERNAL = (rs, c) -> new External(
      rs.getString("incident_id"), rs.getString("sink_id"), rs.getString("state"), rs.getString("external_id"),
      rs.getString("external_url"), Instant.ofEpochMilli(rs.getLong("created_at")));

  static ObjectNode payload(IncidentNotice n) {
    ObjectNode p = Json.object();
    p.set("incident", Json.mapper().valueToTree(n.toContext()));
    return p;
  }

  static IncidentNotice incident(ObjectNode payload) {
    JsonNode i = payload.get("incident");
    return new IncidentNotice(i.get("id").asText(), i.get("kind").asText(), i.get("severity").asText(),
        i.get("title").asText(), i.get("summary").asText(), i.path("policy").isNull() ? null : i.path("policy").asText(null),
        i.get("dedupKey").asText(), i.get("state").asText(), i.get("occurrences").asLong(),
        Instant.parse(i.get("createdAt").asText()), i.get("url").asText());
  }

  static long insert(Handle h, String incidentId, String sinkId, String message, ObjectNode payload, Instant now) {
    return h.createUpdate("""
        INSERT INTO notify_outbox (incident_id, sink_id, message, payload, attempts, next_attempt_at, state,
          created_at, updated_at)
        VALUES (:i, :s, :m, :p, 0, :now, 'pending', :now, :now)""")
        .bind("i", incidentId).bind("s", sinkId).bind("m", message).bind("p", Json.write(payload))
        .bind("now", now.toEpochMilli())
        .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
  }

  static boolean hasMessage(Handle h, String incidentId, String sinkId, String message) {
    return h.createQuery("SELECT COUNT(*) FROM notify_outbox WHERE incident_id = :i AND sink_id = :s AND message = :m")
        .bind("i", incidentId).bind("s", sinkId).bind("m", message).mapTo(Long.class).one() > 0;
  }

  /** Replaces the payload of a pending, never-tried update for the same incident and sink; false if there is none. */
  static boolean coalesceUpdate(Handle h, String incidentId, String sinkId, ObjectNode payload, Instant now) {
    return h.createUpdate("""
        UPDATE notify_outbox SET payload = :p, updated_at = :now
        WHERE incident_id = :i AND sink_id = :s AND message = 'updated' AND state = 'pending' AND attempts = 0""")
        .bind("p", Json.write(payload)).bind("now", now.toEpochMilli()).bind("i", incidentId).bind("s", sinkId)
        .execute() > 0;
  }

  /** Pending rows due at {@code now}, oldest first. */
  static List<Row> due(Jdbi reads, Instant now, int limit) {
    return reads.withHandle(h -> h.createQuery("""
        SELECT * FROM notify_outbox WHERE state = 'pending' AND next_attempt_at <= :now ORDER BY id LIMIT :l""")
        .bind("now", now.toEpochMilli()).bind("l", limit).map(ROW).list());
  }

  static Optional<Row> row(Jdbi reads, long id) {
    return reads.withHandle(h -> h.createQuery("SELECT * FROM notify_outbox WHERE id = :id").bind("id", id).map(ROW).findOne());
  }

  static List<Row> rows(Jdbi reads, String incidentId) {
    return reads.withHandle(h -> h.createQuery("SELECT * FROM notify_outbox WHERE incident_id = :i ORDER BY id")
        .bind("i", incidentId).map(ROW).list());
  }

  /** True if an earlier row of the same incident and sink is still pending (messages go out in order). */
  static boolean earlierPending(Jdbi reads, Row r) {
    return reads.withHandle(h -> h.createQuery("""
        SELECT COUNT(*) FROM notify_outbox WHERE incident_id = :i AND sink_id = :s AND state = 'pending' AND id < :id""")
        .bind("i", r.incidentId()).bind("s", r.sinkId()).bind("id", r.id()).mapTo(Long.class).one() > 0);
  }

  static void done(Handle h, long id, int attempts, String externalId, String externalUrl, Instant now) {
    h.createUpdate("""
        UPDATE notify_outbox SET state = 'done', attempts = :a, last_error = NULL, external_id = :x, external_url = :u,
          updated_at = :now WHERE id = :id""")
        .bind("a", attempts).bind("x", externalId).bind("u", externalUrl).bind("now", now.toEpochMilli()).bind("id", id)
        .execute();
  }

  static void retry(Handle h, long id, int attempts, Instant next, String error, Instant now) {
    h.createUpdate("""
        UPDATE notify_outbox SET attempts = :a, next_attempt_at = :n, last_error = :e, updated_at = :now WHERE id = :id""")
        .bind("a", attempts).bind("n", next.toEpochMilli()).bind("e", error).bind("now", now.toEpochMilli())
        .bind("id", id).execute();
  }

  static void failed(Handle h, long id, int attempts, String error, Instant now) {
    h.createUpdate("""
        UPDATE notify_outbox SET state = 'failed', attempts = :a, last_error = :e, updated_at = :now WHERE id = :id""")
        .bind("a", attempts).bind("e", error).bind("now", now.toEpochMilli()).bind("id", id).execute();
  }

  static Optional<External> external(Jdbi reads, String incidentId, String sinkId) {
    return reads.withHandle(h -> external(h, incidentId, sinkId));
  }

  static Optional<External> external(Handle h, String incidentId, String sinkId) {
    return h.createQuery("SELECT * FROM notify_external WHERE incident_id = :i AND sink_id = :s")
        .bind("i", incidentId).bind("s", sinkId).map(EXTERNAL).findOne();
  }

  static List<External> externals(Jdbi reads, String incidentId) {
    return reads.withHandle(h -> h.createQuery("SELECT * FROM notify_external WHERE incident_id = :i ORDER BY sink_id")
        .bind("i", incidentId).map(EXTERNAL).list());
  }

  /** Records that a create is about to be sent; false if a record already exists. */
  static boolean creating(Handle h, String incidentId, String sinkId, Instant now) {
    if (external(h, incidentId, sinkId).isPresent()) {
      return false;
    }
    h.createUpdate("""
        INSERT INTO notify_external (incident_id, sink_id, state, created_at, updated_at)
        VALUES (:i, :s, 'creating', :now, :now)""")
        .bind("i", incidentId).bind("s", sinkId).bind("now", now.toEpochMilli()).execute();
    return true;
  }

  static void created(Handle h, String incidentId, String sinkId, String externalId, String url, Instant now) {
    h.createUpdate("""
        UPDATE notify_external SET state = 'created', external_id = :x, external_url = :u, updated_at = :now
        WHERE incident_id = :i AND sink_id = :s""")
        .bind("x", externalId).bind("u", url).bind("now", now.toEpochMilli()).bind("i", incidentId).bind("s", sinkId)
        .execute();
  }

  /** The tracker refused the create for good: nothing exists, a later message may try again. */
  static void forget(Handle h, String incidentId, String sinkId) {
    h.createUpdate("DELETE FROM notify_external WHERE incident_id = :i AND sink_id = :s AND state = 'creating'")
        .bind("i", incidentId).bind("s", sinkId).execute();
  }

  static Optional<Long> cursor(Jdbi reads, String name) {
    return reads.withHandle(h -> h.createQuery("SELECT seq FROM notify_cursor WHERE name = :n").bind("n", name)
        .mapTo(Long.class).findOne());
  }

  static void setCursor(Handle h, String name, long seq) {
    int n = h.createUpdate("UPDATE notify_cursor SET seq = :q WHERE name = :n").bind("q", seq).bind("n", name).execute();
    if (n == 0) {
      h.createUpdate("INSERT INTO notify_cursor (name, seq) VALUES (:n, :q)").bind("n", name).bind("q", seq).execute();
    }
  }
}
