package io.rollgate.store.rollout;

import io.rollgate.json.Json;
import io.rollgate.rollout.Judged;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Stages;
import io.rollgate.rollout.judge.LiveJudge;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The SQL for rollouts, their measurements, transitions and outcome counters. */
final class RolloutRows {
  private RolloutRows() {}

  static final RowMapper<RolloutView> VIEW = (rs, ctx) -> {
    RolloutSpec spec = RolloutJson.storedSpec(Json.parseStoredObject(rs.getString("spec")));
    RolloutState state = new RolloutState(spec, Phase.valueOf(rs.getString("phase")), rs.getInt("stage_index"),
        Instant.ofEpochMilli(rs.getLong("stage_started_at")), Instant.ofEpochMilli(rs.getLong("analysis_started_at")),
        RolloutJson.analysisState(Json.parseStoredObject(rs.getString("analysis"))), rs.getString("reason"));
    int completed = rs.getInt("completed_version");
    Integer completedVersion = rs.wasNull() ? null : completed;
    return new RolloutView(rs.getString("id"), rs.getString("policy"), state, rs.getInt("baseline_version"),
        rs.getString("baseline_hash"), Json.parseStoredObject(rs.getString("candidate")),
        rs.getString("candidate_hash"), rs.getString("change_kind"), rs.getString("change_reason"), completedVersion,
        Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")));
  };

  static Optional<RolloutView> find(Handle h, String id) {
    return h.createQuery("SELECT * FROM rollouts WHERE id = :id").bind("id", id).map(VIEW).findOne();
  }

  static Optional<RolloutView> active(Handle h, String policy) {
    return h.createQuery("SELECT * FROM rollouts WHERE policy = :p AND active = :t")
        .bind("p", policy).bind("t", true).map(VIEW).findOne();
  }

  static List<RolloutView> allActive(Handle h) {
    return h.createQuery("SELECT * FROM rollouts WHERE active = :t ORDER BY id").bind("t", true).map(VIEW).list();
  }

  /** Newest first; {@code policy} null for all policies. */
  static List<RolloutView> list(Handle h, String policy, boolean activeOnly, int limit) {
    String where = (policy == null ? "" : " AND policy = :p") + (activeOnly ? " AND active = :t" : "");
    var q = h.createQuery("SELECT * FROM rollouts WHERE 1 = 1" + where + " ORDER BY created_at DESC, id DESC LIMIT :l")
        .bind("l", limit);
    if (policy != null) {
      q.bind("p", policy);
    }
    if (activeOnly) {
      q.bind("t", true);
    }
    return q.map(VIEW).list();
  }

  static int nextNumber(Handle h, String policy) {
    return h.createQuery("SELECT COALESCE(MAX(n), 0) + 1 FROM rollouts WHERE policy = :p")
        .bind("p", policy).mapTo(Integer.class).one();
  }

  static void insert(Handle h, RolloutView v, int n) {
    RolloutState s = v.state();
    h.createUpdate("""
            INSERT INTO rollouts (id, policy, n, active, phase, stage_index, stage_started_at, analysis_started_at,
                                  reason, spec, analysis, baseline_version, baseline_hash, candidate, candidate_hash,
                                  change_kind, change_reason, completed_version, created_at, updated_at)
            VALUES (:id, :policy, :n, :active, :phase, :stage, :stageAt, :analysisAt, :reason, :spec, :analysis,
                    :bv, :bh, :candidate, :ch, :kind, :changeReason, NULL, :at, :at)
            """)
        .bind("id", v.id()).bind("policy", v.policy()).bind("n", n).bind("active", v.active())
        .bind("phase", s.phase().name()).bind("stage", s.stageIndex())
        .bind("stageAt", s.stageStartedAt().toEpochMilli()).bind("analysisAt", s.analysisStartedAt().toEpochMilli())
        .bind("reason", s.reason()).bind("spec", Json.write(RolloutJson.toJson(s.spec())))
        .bind("analysis", Json.write(RolloutJson.toJson(s.analysis(), s.spec().stages())))
        .bind("bv", v.baselineVersion()).bind("bh", v.baselineHash())
        .bind("candidate", io.rollgate.json.Canonical.canonicalize(v.candidate())).bind("ch", v.candidateHash())
        .bind("kind", v.changeKind()).bind("changeReason", v.changeReason())
        .bind("at", v.createdAt().toEpochMilli())
        .execute();
  }

  static void updateState(Handle h, String id, RolloutState s, Integer completedVersion, Instant now) {
    h.createUpdate("""
            UPDATE rollouts SET active = :active, phase = :phase, stage_index = :stage, stage_started_at = :stageAt,
                   analysis_started_at = :analysisAt, reason = :reason, analysis = :analysis,
                   completed_version = COALESCE(:completed, completed_version), updated_at = :now
             WHERE id = :id
            """)
        .bind("id", id).bind("active", !s.phase().isTerminal()).bind("phase", s.phase().name())
        .bind("stage", s.stageIndex()).bind("stageAt", s.stageStartedAt().toEpochMilli())
        .bind("analysisAt", s.analysisStartedAt().toEpochMilli()).bind("reason", s.reason())
        .bind("analysis", Json.write(RolloutJson.toJson(s.analysis(), s.spec().stages())))
        .bind("completed", completedVersion).bind("now", now.toEpochMilli())
        .execute();
  }

  static void insertMeasurement(Handle h, String id, Judged j, Stages stages) {
    int n = h.createQuery("SELECT COALESCE(MAX(n), 0) + 1 FROM rollout_measurements WHERE rollout_id = :id")
        .bind("id", id).mapTo(Integer.class).one();
    h.createUpdate("""
            INSERT INTO rollout_measurements (rollout_id, n, at, stage_index, verdict, judged)
            VALUES (:id, :n, :at, :stage, :verdict, :judged)
            """)
        .bind("id", id).bind("n", n).bind("at", j.measurement().at().toEpochMilli()).bind("stage", j.stageIndex())
        .bind("verdict", j.verdict().name()).bind("judged", Json.write(RolloutJson.toJson(j, stages)))
        .execute();
  }

  /** Newest first. */
  static List<Judged> measurements(Handle h, String id, int limit) {
    return h.createQuery("SELECT judged FROM rollout_measurements WHERE rollout_id = :id ORDER BY n DESC LIMIT :l")
        .bind("id", id).bind("l", limit)
        .map((rs, ctx) -> RolloutJson.judged(Json.parseStoredObject(rs.getString(1))))
        .list();
  }

  static void insertTransition(Handle h, String id, Instant at, long seq, String type, String actor, String payload) {
    int n = h.createQuery("SELECT COALESCE(MAX(n), 0) + 1 FROM rollout_transitions WHERE rollout_id = :id")
        .bind("id", id).mapTo(Integer.class).one();
    h.createUpdate("""
            INSERT INTO rollout_transitions (rollout_id, n, at, journal_seq, type, actor, payload)
            VALUES (:id, :n, :at, :seq, :type, :actor, :payload)
            """)
        .bind("id", id).bind("n", n).bind("at", at.toEpochMilli()).bind("seq", seq).bind("type", type)
        .bind("actor", actor).bind("payload", payload)
        .execute();
  }

  /** Oldest first. */
  static List<Transition> transitions(Handle h, String id) {
    return h.createQuery("SELECT * FROM rollout_transitions WHERE rollout_id = :id ORDER BY n")
        .bind("id", id)
        .map((rs, ctx) -> new Transition(rs.getInt("n"), Instant.ofEpochMilli(rs.getLong("at")),
            rs.getLong("journal_seq"), rs.getString("type"), rs.getString("actor"),
            Json.parseStoredObject(rs.getString("payload"))))
        .list();
  }

  static void addOutcome(Handle h, String id, String variant, long bucket, long success, long error) {
    h.createUpdate("""
            INSERT INTO rollout_outcomes (rollout_id, variant, bucket, success, error)
            VALUES (:id, :v, :b, :s, :e)
            ON CONFLICT (rollout_id, variant, bucket)
            DO UPDATE SET success = rollout_outcomes.success + excluded.success,
                          error = rollout_outcomes.error + excluded.error
            """)
        .bind("id", id).bind("v", variant).bind("b", bucket).bind("s", success).bind("e", error)
        .execute();
  }

  /** {success, error} summed over the buckets from {@code fromSecond} on. */
  static long[] outcomeTotals(Handle h, String id, String variant, long fromSecond) {
    return h.createQuery("""
            SELECT COALESCE(SUM(success), 0), COALESCE(SUM(error), 0) FROM rollout_outcomes
             WHERE rollout_id = :id AND variant = :v AND bucket >= :from
            """)
        .bind("id", id).bind("v", variant).bind("from", fromSecond)
        .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)})
        .one();
  }

  /** The rollout's transitions as the judge's segments: from each transition's second, its stage and share. */
  static List<LiveJudge.Segment> segments(Handle h, String id) {
    return h.createQuery("SELECT at, payload FROM rollout_transitions WHERE rollout_id = :id ORDER BY n")
        .bind("id", id)
        .map((rs, ctx) -> {
          var p = Json.parseStoredObject(rs.getString("payload"));
          int bp = p.path("percentage").decimalValue().movePointRight(2).intValueExact();
          return new LiveJudge.Segment(Math.floorDiv(rs.getLong("at"), 1000L), p.path("stage").path("index").asInt(), bp);
        })
        .list();
  }

  /** Every second with outcomes up to {@code toSecond}, both variants side by side, oldest first. */
  static void outcomeSeconds(Handle h, String id, long toSecond, java.util.function.Consumer<LiveJudge.Second> sink) {
    h.createQuery("""
            SELECT bucket,
                   SUM(CASE WHEN variant = 'candidate' THEN success + error ELSE 0 END) AS cn,
                   SUM(CASE WHEN variant = 'candidate' THEN error ELSE 0 END) AS ce,
                   SUM(CASE WHEN variant = 'baseline' THEN success + error ELSE 0 END) AS bn,
                   SUM(CASE WHEN variant = 'baseline' THEN error ELSE 0 END) AS be
              FROM rollout_outcomes
             WHERE rollout_id = :id AND bucket <= :to
             GROUP BY bucket
             ORDER BY bucket
            """)
        .bind("id", id).bind("to", toSecond)
        .map((rs, ctx) -> new LiveJudge.Second(rs.getLong("bucket"), rs.getLong("cn"), rs.getLong("ce"),
            rs.getLong("bn"), rs.getLong("be")))
        .useStream(st -> st.forEach(sink));
  }
}
