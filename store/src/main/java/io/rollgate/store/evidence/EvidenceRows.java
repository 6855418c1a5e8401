package io.rollgate.store.evidence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.evidence.Criteria;
import io.rollgate.evidence.Run;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The SQL for scenarios, runs, bindings and promotions. */
final class EvidenceRows {
  private EvidenceRows() {}

  record ScenarioRow(String id, Criteria criteria, List<String> tags, String learnedFrom, String learnedBy,
      String reason, String createdBy, Instant createdAt) {}

  private static final RowMapper<ScenarioRow> SCENARIO = (rs, ctx) -> {
    List<String> tags = new ArrayList<>();
    Json.parse(rs.getString("tags"), "tags").forEach(t -> tags.add(t.asText()));
    return new ScenarioRow(rs.getString("id"),
        new Criteria(rs.getInt("min_runs"), rs.getDouble("max_failure_rate"), rs.getInt("run_window")), List.copyOf(tags),
        rs.getString("learned_from"), rs.getString("learned_by"), rs.getString("reason"), rs.getString("created_by"),
        Instant.ofEpochMilli(rs.getLong("created_at")));
  };

  private static final RowMapper<PromotionView> PROMOTION = (rs, ctx) -> {
    long at = rs.getLong("rolled_back_at");
    PromotionView.Rollback rollback = rs.wasNull() ? null : new PromotionView.Rollback(rs.getString("rollback_reason"),
        rs.getString("rolled_back_by"), Instant.ofEpochMilli(at), rs.getInt("rollback_version"),
        rs.getString("regression_scenario"));
    String watch = rs.getString("watch");
    long until = rs.getLong("watch_until");
    Instant watchUntil = rs.wasNull() ? null : Instant.ofEpochMilli(until);
    String last = rs.getString("watch_last");
    return new PromotionView(rs.getString("id"), rs.getString("policy"), rs.getString("scenario"), rs.getString("status"),
        Json.parseStoredObject(rs.getString("delta")), rs.getString("reason"), rs.getInt("old_version"),
        rs.getString("old_hash"), rs.getInt("new_version"), rs.getString("new_hash"),
        (ArrayNode) Json.parse(rs.getString("eligibility"), "eligibility"), rs.getString("promoted_by"),
        Instant.ofEpochMilli(rs.getLong("promoted_at")), rollback, rs.getString("rollout_id"),
        watch == null ? null : Json.parseStoredObject(watch), watchUntil,
        last == null ? null : Json.parseStoredObject(last));
  };

  static Optional<ScenarioRow> scenario(Handle h, String id) {
    return h.createQuery("SELECT * FROM scenarios WHERE id = :id").bind("id", id).map(SCENARIO).findOne();
  }

  static List<ScenarioRow> scenarios(Handle h, int limit) {
    return h.createQuery("SELECT * FROM scenarios ORDER BY created_at DESC, id LIMIT :l").bind("l", limit)
        .map(SCENARIO).list();
  }

  static void insertScenario(Handle h, String id, Criteria c, List<String> tags, String learnedFrom, String learnedBy,
      String reason, String actor, Instant at, long seq) {
    h.createUpdate("""
            INSERT INTO scenarios (id, min_runs, max_failure_rate, run_window, tags, learned_from, learned_by, reason,
                                   created_by, created_at, journal_seq)
            VALUES (:id, :minRuns, :rate, :window, :tags, :from, :by, :reason, :actor, :at, :seq)
            """)
        .bind("id", id).bind("minRuns", c.minRuns()).bind("rate", c.maxFailureRate()).bind("window", c.window())
        .bind("tags", Json.write(tags)).bind("from", learnedFrom).bind("by", learnedBy).bind("reason", reason)
        .bind("actor", actor).bind("at", at.toEpochMilli()).bind("seq", seq)
        .execute();
  }

  static long runCount(Handle h, String scenario) {
    return h.createQuery("SELECT COUNT(*) FROM scenario_runs WHERE scenario = :s").bind("s", scenario)
        .mapTo(Long.class).one();
  }

  static void insertRuns(Handle h, String scenario, List<Run> runs, Instant at, long seq) {
    long n = h.createQuery("SELECT COALESCE(MAX(n), 0) FROM scenario_runs WHERE scenario = :s").bind("s", scenario)
        .mapTo(Long.class).one();
    var batch = h.prepareBatch("""
        INSERT INTO scenario_runs (scenario, n, passed, duration_ms, metrics, source, recorded_at, journal_seq)
        VALUES (:s, :n, :passed, :duration, :metrics, :source, :at, :seq)
        """);
    for (Run r : runs) {
      batch.bind("s", scenario).bind("n", ++n).bind("passed", r.passed()).bind("duration", r.durationMs())
          .bind("metrics", r.metrics() == null ? null : Canonical.canonicalize(r.metrics())).bind("source", r.source())
          .bind("at", at.toEpochMilli()).bind("seq", seq).add();
    }
    batch.execute();
  }

  /** The outcomes of the most recent {@code limit} runs, newest first. */
  static List<Boolean> recentOutcomes(Handle h, String scenario, int limit) {
    return h.createQuery("SELECT passed FROM scenario_runs WHERE scenario = :s ORDER BY n DESC LIMIT :l")
        .bind("s", scenario).bind("l", limit).map((rs, ctx) -> rs.getBoolean(1)).list();
  }

  /** Bound scenarios of the policy: the ones promoted on first, then the learned ones, each by age. */
  static List<String> boundScenarios(Handle h, String policy) {
    return h.createQuery("SELECT scenario FROM scenario_bindings WHERE policy = :p ORDER BY learned, created_at, scenario")
        .bind("p", policy).mapTo(String.class).list();
  }

  static List<String> boundPolicies(Handle h, String scenario) {
    return h.createQuery("SELECT policy FROM scenario_bindings WHERE scenario = :s ORDER BY policy")
        .bind("s", scenario).mapTo(String.class).list();
  }

  static void bind(Handle h, String policy, String scenario, boolean learned, String learnedFrom, Instant at) {
    boolean exists = h.createQuery("SELECT COUNT(*) FROM scenario_bindings WHERE policy = :p AND scenario = :s")
        .bind("p", policy).bind("s", scenario).mapTo(Integer.class).one() > 0;
    if (!exists) {
      h.createUpdate("""
              INSERT INTO scenario_bindings (policy, scenario, learned, learned_from, created_at)
              VALUES (:p, :s, :learned, :from, :at)
              """)
          .bind("p", policy).bind("s", scenario).bind("learned", learned).bind("from", learnedFrom)
          .bind("at", at.toEpochMilli()).execute();
    }
  }

  static int nextPromotionNumber(Handle h, String policy) {
    return h.createQuery("SELECT COALESCE(MAX(n), 0) + 1 FROM promotions WHERE policy = :p")
        .bind("p", policy).mapTo(Integer.class).one();
  }

  static void insertPromotion(Handle h, PromotionView v, int n, long seq) {
    h.createUpdate("""
            INSERT INTO promotions (id, policy, n, scenario, status, delta, reason, old_version, old_hash, new_version,
                                    new_hash, eligibility, promoted_by, promoted_at, promote_seq, rollout_id, watch,
                                    watch_until)
            VALUES (:id, :policy, :n, :scenario, :status, :delta, :reason, :ov, :oh, :nv, :nh, :eligibility, :by, :at,
                    :seq, :rollout, :watch, :until)
            """)
        .bind("rollout", v.rolloutId()).bind("watch", v.watch() == null ? null : Canonical.canonicalize(v.watch()))
        .bind("until", v.watchUntil() == null ? null : v.watchUntil().toEpochMilli())
        .bind("id", v.id()).bind("policy", v.policy()).bind("n", n).bind("scenario", v.scenario())
        .bind("status", v.status()).bind("delta", Canonical.canonicalize(v.delta())).bind("reason", v.reason())
        .bind("ov", v.oldVersion()).bind("oh", v.oldHash()).bind("nv", v.newVersion()).bind("nh", v.newHash())
        .bind("eligibility", Json.write(v.eligibility())).bind("by", v.promotedBy())
        .bind("at", v.promotedAt().toEpochMilli()).bind("seq", seq)
        .execute();
  }

  static void markRolledBack(Handle h, String id, PromotionView.Rollback r, long seq) {
    h.createUpdate("""
            UPDATE promotions SET status = :status, rollback_reason = :reason, rolled_back_by = :by,
                   rolled_back_at = :at, rollback_version = :v, regression_scenario = :learned, rollback_seq = :seq
            WHERE id = :id
            """)
        .bind("status", PromotionView.ROLLED_BACK).bind("reason", r.reason()).bind("by", r.by())
        .bind("at", r.at().toEpochMilli()).bind("v", r.version()).bind("learned", r.regressionScenario())
        .bind("seq", seq).bind("id", id)
        .execute();
  }

  /** A promotion via a rollout reaches its end: completed (the rollout's version), or aborted (version 0). */
  static void markFollowed(Handle h, String id, String status, int newVersion, String newHash) {
    h.createUpdate("UPDATE promotions SET status = :status, new_version = :v, new_hash = :hash WHERE id = :id")
        .bind("status", status).bind("v", newVersion).bind("hash", newHash).bind("id", id).execute();
  }

  static Optional<PromotionView> promotionByRollout(Handle h, String rolloutId) {
    return h.createQuery("SELECT * FROM promotions WHERE rollout_id = :r").bind("r", rolloutId).map(PROMOTION)
        .findOne();
  }

  /** Rollout ids of the promotions still rolling out. */
  static List<String> rollingOut(Handle h) {
    return h.createQuery("SELECT rollout_id FROM promotions WHERE status = :s ORDER BY promoted_at, id")
        .bind("s", PromotionView.ROLLING_OUT).mapTo(String.class).list();
  }

  /** Promoted, with a watch still open at {@code now}. */
  static List<PromotionView> watched(Handle h, Instant now) {
    return h.createQuery("SELECT * FROM promotions WHERE status = :s AND watch_until > :now ORDER BY promoted_at, id")
        .bind("s", PromotionView.PROMOTED).bind("now", now.toEpochMilli()).map(PROMOTION).list();
  }

  static void watchReading(Handle h, String id, ObjectNode reading) {
    h.createUpdate("UPDATE promotions SET watch_last = :r WHERE id = :id").bind("r", Json.write(reading))
        .bind("id", id).execute();
  }

  static Optional<PromotionView> promotion(Handle h, String id) {
    return h.createQuery("SELECT * FROM promotions WHERE id = :id").bind("id", id).map(PROMOTION).findOne();
  }

  /** Newest first; {@code policy} null for all. */
  static List<PromotionView> promotions(Handle h, String policy, int limit) {
    var q = h.createQuery("SELECT * FROM promotions" + (policy == null ? "" : " WHERE policy = :p")
        + " ORDER BY promoted_at DESC, policy, n DESC LIMIT :l").bind("l", limit);
    if (policy != null) {
      q.bind("p", policy);
    }
    return q.map(PROMOTION).list();
  }

  static ObjectNode eligibilityJson(io.rollgate.evidence.Eligibility e, boolean learned) {
    ObjectNode o = Json.object();
    o.put("scenario", e.scenario()).put("learned", learned).put("eligible", e.eligible()).put("reason", e.reason())
        .put("runs", e.runs()).put("failures", e.failures()).put("failureRate", e.failureRate())
        .put("threshold", e.threshold()).put("minRuns", e.minRuns()).put("window", e.window());
    return o;
  }
}
