package io.rollgate.store.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.rollgate.json.Json;
import io.rollgate.policy.ChangeKind;
import io.rollgate.policy.GuardConfig;
import io.rollgate.policy.PolicyVersion;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The SQL for policies and their versions; used by commands (writer handle) and reads (pool handle) alike. */
final class PolicyRows {
  private PolicyRows() {}

  /** A policies row. */
  record Row(String name, int currentVersion, boolean frozen, String frozenReason, String frozenBy,
      Instant frozenAt, GuardConfig guards, Instant createdAt, Instant updatedAt) {}

  private static final String VERSION_COLUMNS =
      "policy, version, document, state_hash, kind, reason, actor, created_at, journal_seq";

  static final RowMapper<PolicyVersion> VERSION = (rs, ctx) -> new PolicyVersion(
      rs.getString("policy"),
      rs.getInt("version"),
      Json.parseStoredObject(rs.getString("document")),
      rs.getString("state_hash"),
      ChangeKind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
      rs.getString("reason"),
      rs.getString("actor"),
      Instant.ofEpochMilli(rs.getLong("created_at")),
      rs.getLong("journal_seq"));

  private static final RowMapper<Row> ROW = (rs, ctx) -> {
    long frozenAt = rs.getLong("frozen_at");
    boolean frozenAtNull = rs.wasNull();
    return new Row(
        rs.getString("name"),
        rs.getInt("current_version"),
        rs.getBoolean("frozen"),
        rs.getString("frozen_reason"),
        rs.getString("frozen_by"),
        frozenAtNull ? null : Instant.ofEpochMilli(frozenAt),
        guards(rs.getString("guards")),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        Instant.ofEpochMilli(rs.getLong("updated_at")));
  };

  static Optional<Row> find(Handle h, String name) {
    return h.createQuery("SELECT * FROM policies WHERE name = :name").bind("name", name).map(ROW).findOne();
  }

  static List<Row> all(Handle h) {
    return h.createQuery("SELECT * FROM policies ORDER BY name").map(ROW).list();
  }

  static Optional<PolicyVersion> version(Handle h, String name, int version) {
    return h.createQuery("SELECT " + VERSION_COLUMNS + " FROM policy_versions WHERE policy = :p AND version = :v")
        .bind("p", name).bind("v", version).map(VERSION).findOne();
  }

  /** Versions newest first, from the last one created at or before {@code since} up to the current one. */
  static List<PolicyVersion> recent(Handle h, String name, Instant since) {
    return h.createQuery("SELECT " + VERSION_COLUMNS + """
             FROM policy_versions
            WHERE policy = :p
              AND version >= COALESCE(
                    (SELECT MAX(version) FROM policy_versions WHERE policy = :p AND created_at <= :since), 1)
            ORDER BY version DESC
            LIMIT 100001
            """)
        .bind("p", name).bind("since", since.toEpochMilli()).map(VERSION).list();
  }

  static List<PolicyVersion> history(Handle h, String name, int limit) {
    return h.createQuery("SELECT " + VERSION_COLUMNS
            + " FROM policy_versions WHERE policy = :p ORDER BY version DESC LIMIT :limit")
        .bind("p", name).bind("limit", limit).map(VERSION).list();
  }

  /** The stored text and hash of one version, exactly as on disk (for the verification barrier). */
  static Optional<String[]> storedBytes(Handle h, String name, int version) {
    return h.createQuery("SELECT document, state_hash FROM policy_versions WHERE policy = :p AND version = :v")
        .bind("p", name).bind("v", version)
        .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
        .findOne();
  }

  static void insertPolicy(Handle h, String name, GuardConfig guards, Instant now) {
    h.createUpdate("""
            INSERT INTO policies (name, current_version, frozen, guards, created_at, updated_at)
            VALUES (:name, 0, FALSE, :guards, :now, :now)
            """)
        .bind("name", name).bind("guards", Json.write(guards)).bind("now", now.toEpochMilli()).execute();
  }

  static void insertVersion(Handle h, String name, int version, String canonical, String hash, ChangeKind kind,
      String reason, String actor, Instant now, long seq) {
    h.createUpdate("""
            INSERT INTO policy_versions (policy, version, document, state_hash, kind, reason, actor, created_at, journal_seq)
            VALUES (:p, :v, :doc, :hash, :kind, :reason, :actor, :now, :seq)
            """)
        .bind("p", name).bind("v", version).bind("doc", canonical).bind("hash", hash).bind("kind", kind.wire())
        .bind("reason", reason).bind("actor", actor).bind("now", now.toEpochMilli()).bind("seq", seq)
        .execute();
    h.createUpdate("UPDATE policies SET current_version = :v, updated_at = :now WHERE name = :p")
        .bind("p", name).bind("v", version).bind("now", now.toEpochMilli()).execute();
  }

  static void setFrozen(Handle h, String name, boolean frozen, String reason, String actor, Instant now) {
    h.createUpdate("""
            UPDATE policies SET frozen = :frozen, frozen_reason = :reason, frozen_by = :actor, frozen_at = :at,
                   updated_at = :now
             WHERE name = :p
            """)
        .bind("p", name).bind("frozen", frozen)
        .bind("reason", frozen ? reason : null).bind("actor", frozen ? actor : null)
        .bind("at", frozen ? (Long) now.toEpochMilli() : null)
        .bind("now", now.toEpochMilli()).execute();
  }

  static void setGuards(Handle h, String name, GuardConfig guards, Instant now) {
    h.createUpdate("UPDATE policies SET guards = :g, updated_at = :now WHERE name = :p")
        .bind("p", name).bind("g", Json.write(guards)).bind("now", now.toEpochMilli()).execute();
  }

  private static GuardConfig guards(String json) {
    try {
      return Json.mapper().readValue(json, GuardConfig.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored guards are unreadable: " + json, e);
    }
  }
}
