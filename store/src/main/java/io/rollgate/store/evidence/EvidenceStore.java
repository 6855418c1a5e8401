package io.rollgate.store.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.evidence.Criteria;
import io.rollgate.evidence.Eligibility;
import io.rollgate.evidence.RegressionRule;
import io.rollgate.evidence.Run;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.json.MergePatch;
import io.rollgate.policy.ApplyResult;
import io.rollgate.policy.ChangeKind;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.PolicyVersion;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.Tx;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.Step;
import io.rollgate.store.rollout.NewRollout;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import io.rollgate.store.rollout.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Scenarios, their runs, and promotions (origin document 000's loop). Every mutation is one journal
 * command: state rows and the audit entry commit together. A promotion runs the policy's apply
 * pipeline inside its own command, so the eligibility it checked is the evidence the version was
 * made on; a rollback restores the old version and learns a stricter scenario bound to the policy.
 */
public final class EvidenceStore {
  public static final int MAX_RUN_BATCH = 1_000;
  public static final int MAX_LIST = 1_000;

  private final Jdbi reads;
  private final Journal journal;
  private final PolicyStore policies;

  public EvidenceStore(Database db, Journal journal, PolicyStore policies) {
    this.reads = db.reads();
    this.journal = journal;
    this.policies = policies;
  }

  /** @throws ConflictException a scenario with this id exists */
  public ScenarioView createScenario(NewScenario s, String reason, String actor) {
    return journal.execute(tx -> {
      Handle h = tx.handle();
      if (EvidenceRows.scenario(h, s.id().value()).isPresent()) {
        throw new ConflictException("scenario '" + s.id() + "' already exists");
      }
      ObjectNode p = criteriaJson(s.criteria());
      p.set("tags", Json.mapper().valueToTree(s.tags()));
      p.put("reason", reason);
      long seq = tx.append("scenario.created", s.id().subject(), actor, p);
      EvidenceRows.insertScenario(h, s.id().value(), s.criteria(), s.tags(), null, null, reason, actor, tx.now(), seq);
      return view(h, EvidenceRows.scenario(h, s.id().value()).orElseThrow());
    });
  }

  public Optional<ScenarioView> scenario(ScenarioId id) {
    return reads.withHandle(h -> EvidenceRows.scenario(h, id.value()).map(r -> view(h, r)));
  }

  public ScenarioView requireScenario(ScenarioId id) {
    return scenario(id).orElseThrow(() -> scenarioNotFound(id.value()));
  }

  /** Newest first. */
  public List<ScenarioView> scenarios(int limit) {
    return reads.withHandle(h -> EvidenceRows.scenarios(h, Math.min(limit, MAX_LIST)).stream().map(r -> view(h, r))
        .toList());
  }

  /**
   * Records a batch of runs, all or none, with one journal entry for the request (a CI job posts
   * hundreds at once; one entry per run would drown the audit trail).
   *
   * @return the scenario's eligibility after the batch
   */
  public Eligibility recordRuns(ScenarioId id, List<Run> runs, String actor) {
    if (runs.isEmpty() || runs.size() > MAX_RUN_BATCH) {
      throw new InvalidInputException("body", "a run batch holds 1 to " + MAX_RUN_BATCH + " runs, got " + runs.size());
    }
    return journal.execute(tx -> {
      Handle h = tx.handle();
      var row = EvidenceRows.scenario(h, id.value()).orElseThrow(() -> scenarioNotFound(id.value()));
      long passed = runs.stream().filter(Run::passed).count();
      ObjectNode p = Json.object().put("runs", runs.size()).put("passed", passed).put("failed", runs.size() - passed);
      p.set("sources", Json.mapper().valueToTree(runs.stream().map(Run::source).filter(s -> s != null).distinct()
          .limit(10).toList()));
      long seq = tx.append("scenario.run_recorded", id.subject(), actor, p);
      EvidenceRows.insertRuns(h, id.value(), runs, tx.now(), seq);
      return eligibility(h, row.id(), row.criteria());
    });
  }

  /** The scenario's eligibility now, from the read pool. */
  public Eligibility eligibility(ScenarioId id) {
    return reads.withHandle(h -> {
      var row = EvidenceRows.scenario(h, id.value()).orElseThrow(() -> scenarioNotFound(id.value()));
      return eligibility(h, row.id(), row.criteria());
    });
  }

  /**
   * What a promotion of {@code policy} on {@code scenario} would have to pass now: the named
   * scenario and every scenario bound to the policy (learned ones included). A gate calls this.
   */
  public List<Eligibility> requiredEligibility(PolicyName policy, ScenarioId scenario) {
    return reads.withHandle(h -> required(h, policy.value(), scenario.value()).stream().map(r -> eligibility(h, r.id(),
        r.criteria())).toList());
  }

  /**
   * Executes a promotion: every required scenario must be eligible, then the delta goes through the
   * apply pipeline (guards apply). Records old and new versions and the eligibility snapshot.
   *
   * @throws ConflictException a required scenario is not eligible (the message lists every reason),
   *     the pipeline skips the change (guard, freeze, no-op: its note), or the policy is under rollout
   */
  public PromotionView promote(NewPromotion req) {
    Canonical.requireIJson(req.delta(), "/delta");
    PromotionView done = journal.execute(tx -> {
      Handle h = tx.handle();
      String policy = req.policy().value();
      EvidenceRows.scenario(h, req.scenario().value()).orElseThrow(() -> scenarioNotFound(req.scenario().value()));
      PolicyView current = PolicyStore.current(tx, req.policy()); // 404 for an unknown policy
      ArrayNode snapshot = Json.mapper().createArrayNode();
      List<String> refusals = new ArrayList<>();
      for (var r : required(h, policy, req.scenario().value())) {
        Eligibility e = eligibility(h, r.id(), r.criteria());
        boolean learned = r.learnedFrom() != null;
        snapshot.add(EvidenceRows.eligibilityJson(e, learned));
        if (!e.eligible()) {
          refusals.add("scenario '" + r.id() + "'" + (learned ? " (learned from '" + r.learnedFrom() + "')" : "") + ": "
              + e.reason());
        }
      }
      if (!refusals.isEmpty()) {
        throw new ConflictException("promotion of policy '" + policy + "' refused, not every scenario bound to it is "
            + "eligible: " + String.join("; ", refusals));
      }
      int n = EvidenceRows.nextPromotionNumber(h, policy);
      String id = policy + "-" + n;
      if (req.rollout() != null) {
        return viaRollout(tx, req, current, snapshot, id, n);
      }
      JsonNode candidate = MergePatch.apply(current.document(), req.delta());
      ApplyResult applied = PolicyStore.proposeInCommand(tx, req.policy(), (ObjectNode) candidate, ChangeKind.PATCH,
          "promotion " + id + (req.reason() == null ? "" : ": " + req.reason()), req.actor());
      if (!applied.applied()) {
        throw new ConflictException("promotion of policy '" + policy + "' refused by the apply pipeline: "
            + applied.skipReason().note() + "; nothing was changed");
      }
      EvidenceRows.bind(h, policy, req.scenario().value(), false, null, tx.now());
      ObjectNode watch = req.watch() == null ? null : req.watch().toJson();
      Instant watchUntil = req.watch() == null ? null : tx.now().plus(req.watch().window());
      var view = new PromotionView(id, policy, req.scenario().value(), PromotionView.PROMOTED, req.delta(), req.reason(),
          current.version(), current.stateHash(), applied.version(), applied.stateHash(), snapshot, req.actor(),
          tx.now(), null, null, watch, watchUntil, null);
      ObjectNode p = Json.object().put("id", id).put("action", "promote").put("scenario", view.scenario())
          .put("oldVersion", view.oldVersion()).put("oldHash", view.oldHash()).put("newVersion", view.newVersion())
          .put("newHash", view.newHash()).put("reason", req.reason());
      p.set("delta", req.delta());
      p.set("changedKeys", Json.mapper().valueToTree(applied.changedKeys()));
      p.set("eligibility", snapshot);
      if (watch != null) {
        p.set("watch", watch);
        p.put("watchUntil", watchUntil.toString());
      }
      long seq = tx.append("promotion.executed", policy, req.actor(), p);
      EvidenceRows.insertPromotion(h, view, n, seq);
      return view;
    });
    if (PromotionView.PROMOTED.equals(done.status())) {
      policies.verifyCommitted(new ApplyResult(done.policy(), true, false, done.newVersion(), done.newHash(),
          done.oldHash(), List.of(), 0, null));
    }
    return done;
  }

  /**
   * The promotion proceeds as a staged rollout of its delta, created in the same command (so a
   * rollout the pipeline refuses, or a second rollout of the policy, refuses the promotion too). It
   * stays {@code rolling_out} until {@link #followRollout} sees the rollout end.
   */
  private static PromotionView viaRollout(Tx tx, NewPromotion req, PolicyView current, ArrayNode snapshot, String id,
      int n) {
    Handle h = tx.handle();
    RolloutView r = RolloutStore.createInCommand(tx, new NewRollout(req.policy(), null, req.delta(), req.rollout(),
        "promotion " + id + (req.reason() == null ? "" : ": " + req.reason())));
    EvidenceRows.bind(h, req.policy().value(), req.scenario().value(), false, null, tx.now());
    var view = new PromotionView(id, req.policy().value(), req.scenario().value(), PromotionView.ROLLING_OUT,
        req.delta(), req.reason(), current.version(), current.stateHash(), 0, r.candidateHash(), snapshot,
        req.actor(), tx.now(), null, r.id(), null, null, null);
    ObjectNode p = Json.object().put("id", id).put("action", "promote").put("status", PromotionView.ROLLING_OUT)
        .put("rolloutId", r.id()).put("scenario", view.scenario()).put("oldVersion", view.oldVersion())
        .put("oldHash", view.oldHash()).put("candidateHash", r.candidateHash()).put("reason", req.reason());
    p.set("delta", req.delta());
    p.set("eligibility", snapshot);
    long seq = tx.append("promotion.executed", view.policy(), req.actor(), p);
    EvidenceRows.insertPromotion(h, view, n, seq);
    return view;
  }

  /**
   * Brings the promotion made via rollout {@code rolloutId} in line with the rollout, once it has
   * ended: completed → {@code promoted} with the rollout's version ({@code promotion.completed});
   * rolled back (by its analysis or by a person) → {@code rolled_back} with a learned regression
   * scenario, exactly as a manual rollback (the policy never left its old version, so nothing is
   * restored); aborted (only a person aborts: a stop without a verdict on the change) →
   * {@code aborted}, nothing learned ({@code promotion.aborted}). The entries carry the actor of the
   * rollout's last transition. Idempotent: a promotion already settled, a rollout still running, or a
   * rollout no promotion made is left alone (empty).
   */
  public Optional<PromotionView> followRollout(String rolloutId) {
    return Optional.ofNullable(journal.execute(tx -> {
      Handle h = tx.handle();
      PromotionView p = EvidenceRows.promotionByRollout(h, rolloutId).orElse(null);
      if (p == null || !PromotionView.ROLLING_OUT.equals(p.status())) {
        return null;
      }
      RolloutView r = RolloutStore.findInCommand(tx, rolloutId).orElseThrow();
      Phase phase = r.state().phase();
      if (!phase.isTerminal()) {
        return null;
      }
      List<Transition> ts = RolloutStore.transitionsInCommand(tx, rolloutId);
      String actor = ts.isEmpty() ? Step.RECONCILER : ts.get(ts.size() - 1).actor();
      String why = "rollout " + rolloutId + " " + phase.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
          + ": " + r.state().reason();
      if (phase == Phase.COMPLETED) {
        EvidenceRows.markFollowed(h, p.id(), PromotionView.PROMOTED, r.completedVersion(), r.candidateHash());
        ObjectNode e = Json.object().put("id", p.id()).put("action", "promote").put("rolloutId", rolloutId)
            .put("status", PromotionView.PROMOTED).put("oldVersion", p.oldVersion())
            .put("newVersion", r.completedVersion()).put("newHash", r.candidateHash()).put("reason", why);
        tx.append("promotion.completed", p.policy(), actor, e);
      } else if (phase == Phase.ROLLED_BACK) {
        String learnedId = learn(tx, p, why, RegressionRule.DEFAULT, actor);
        var rb = new PromotionView.Rollback(why, actor, tx.now(), p.oldVersion(), learnedId);
        ObjectNode e = Json.object().put("id", p.id()).put("action", "rollback").put("rolloutId", rolloutId)
            .put("scenario", p.scenario()).put("restoredVersion", p.oldVersion()).put("version", p.oldVersion())
            .put("regressionScenario", learnedId).put("reason", why);
        long seq = tx.append("promotion.rolled_back", p.policy(), actor, e);
        EvidenceRows.markRolledBack(h, p.id(), rb, seq);
      } else {
        EvidenceRows.markFollowed(h, p.id(), PromotionView.ABORTED, 0, p.newHash());
        ObjectNode e = Json.object().put("id", p.id()).put("action", "abort").put("rolloutId", rolloutId)
            .put("status", PromotionView.ABORTED).put("reason", why);
        tx.append("promotion.aborted", p.policy(), actor, e);
      }
      return EvidenceRows.promotion(h, p.id()).orElseThrow();
    }));
  }

  /** The rollout ids of the promotions still rolling out, oldest first. */
  public List<String> rollingOut() {
    return reads.withHandle(EvidenceRows::rollingOut);
  }

  /** Promoted promotions whose watch is still open at {@code now}, oldest first. */
  public List<PromotionView> watched(Instant now) {
    return reads.withHandle(h -> EvidenceRows.watched(h, now));
  }

  /**
   * Keeps the newest watch reading of promotion {@code id} (shown in the promotion). Evidence, not a
   * change: written by the journal writer, no entry; a reading that rolls back is journaled then.
   */
  public void recordWatchReading(String id, ObjectNode reading) {
    journal.execute(tx -> {
      EvidenceRows.watchReading(tx.handle(), id, reading);
      return null;
    });
  }

  /**
   * Rolls a promotion back: restores its old version (kind rollback; only freeze stops it) and
   * learns a regression scenario — criteria stricter by {@code rule}, tagged {@code learned_constraint},
   * linked to the promotion's scenario and bound to the policy, so the next promotion must pass it too.
   *
   * @throws ConflictException already rolled back, the policy has moved on since, or it is frozen
   */
  public PromotionView rollback(String id, String reason, RegressionRule rule, String actor) {
    PromotionView done = journal.execute(tx -> {
      Handle h = tx.handle();
      PromotionView p = EvidenceRows.promotion(h, id).orElseThrow(() -> promotionNotFound(id));
      if (PromotionView.ROLLING_OUT.equals(p.status())) {
        throw new ConflictException("promotion '" + id + "' is rolling out as rollout '" + p.rolloutId()
            + "': roll the rollout back (POST /api/v1/rollouts/" + p.rolloutId() + "/rollback) and the promotion "
            + "follows it, learning its regression scenario");
      }
      if (PromotionView.ABORTED.equals(p.status())) {
        throw new ConflictException("promotion '" + id + "' was aborted with its rollout '" + p.rolloutId()
            + "': the policy never left version " + p.oldVersion() + ", there is nothing to roll back");
      }
      if (!PromotionView.PROMOTED.equals(p.status())) {
        throw new ConflictException("promotion '" + id + "' was already rolled back (to version "
            + p.rollback().version() + ", learned scenario '" + p.rollback().regressionScenario() + "')");
      }
      PolicyName policy = PolicyName.of(p.policy());
      PolicyView current = PolicyStore.current(tx, policy);
      if (current.version() != p.newVersion()) {
        throw new ConflictException("policy '" + p.policy() + "' is at version " + current.version()
            + ", not the promoted version " + p.newVersion() + ": restoring version " + p.oldVersion()
            + " would also undo later changes; roll the policy back explicitly instead");
      }
      PolicyVersion old = PolicyStore.versionInCommand(tx, policy, p.oldVersion()).orElseThrow();
      ApplyResult restored = PolicyStore.proposeInCommand(tx, policy, old.document(), ChangeKind.ROLLBACK,
          "rollback of promotion " + id + ": " + reason, actor);
      if (!restored.applied()) {
        throw new ConflictException("rollback of promotion '" + id + "' refused by the apply pipeline: "
            + restored.skipReason().note() + "; nothing was changed");
      }
      String learnedId = learn(tx, p, reason, rule, actor);
      var rb = new PromotionView.Rollback(reason, actor, tx.now(), restored.version(), learnedId);
      ObjectNode e = Json.object().put("id", id).put("action", "rollback").put("scenario", p.scenario())
          .put("fromVersion", p.newVersion()).put("restoredVersion", p.oldVersion()).put("version", restored.version())
          .put("stateHash", restored.stateHash()).put("regressionScenario", learnedId).put("reason", reason);
      long seq = tx.append("promotion.rolled_back", p.policy(), actor, e);
      EvidenceRows.markRolledBack(h, id, rb, seq);
      return EvidenceRows.promotion(h, id).orElseThrow();
    });
    policies.verifyCommitted(new ApplyResult(done.policy(), true, false, done.rollback().version(), done.oldHash(),
        done.newHash(), List.of(), 0, null));
    return done;
  }

  public PromotionView requirePromotion(String id) {
    return reads.withHandle(h -> EvidenceRows.promotion(h, id)).orElseThrow(() -> promotionNotFound(id));
  }

  /** Newest first; {@code policy} null for every policy. */
  public List<PromotionView> promotions(PolicyName policy, int limit) {
    return reads.withHandle(h -> EvidenceRows.promotions(h, policy == null ? null : policy.value(),
        Math.min(limit, MAX_LIST)));
  }

  // --- helpers

  /** Learns the regression scenario of promotion {@code p}'s rollback and binds it to the policy; returns its id. */
  private static String learn(Tx tx, PromotionView p, String reason, RegressionRule rule, String actor) {
    Handle h = tx.handle();
    String id = p.id();
    var failed = EvidenceRows.scenario(h, p.scenario()).orElseThrow();
    String learnedId = learnedId(h, failed.id());
    Criteria stricter = rule.stricterThan(failed.criteria());
    List<String> tags = new ArrayList<>(failed.tags());
    tags.remove(ScenarioView.LEARNED_TAG);
    tags.add(0, ScenarioView.LEARNED_TAG);
    String why = "learned from the rollback of promotion " + id + ": " + reason;
    ObjectNode learned = criteriaJson(stricter);
    learned.set("tags", Json.mapper().valueToTree(tags));
    learned.put("learnedFrom", failed.id()).put("promotion", id).put("policy", p.policy()).put("reason", why);
    long learnedSeq = tx.append("scenario.learned", ScenarioId.of(learnedId).subject(), actor, learned);
    EvidenceRows.insertScenario(h, learnedId, stricter, tags, failed.id(), id, why, actor, tx.now(), learnedSeq);
    EvidenceRows.bind(h, p.policy(), learnedId, true, failed.id(), tx.now());
    return learnedId;
  }

  private static List<EvidenceRows.ScenarioRow> required(Handle h, String policy, String named) {
    List<String> ids = new ArrayList<>();
    ids.add(named);
    EvidenceRows.boundScenarios(h, policy).stream().filter(s -> !s.equals(named)).forEach(ids::add);
    return ids.stream().map(s -> EvidenceRows.scenario(h, s).orElseThrow(() -> scenarioNotFound(s))).toList();
  }

  private static Eligibility eligibility(Handle h, String id, Criteria c) {
    return Eligibility.of(id, c, EvidenceRows.recentOutcomes(h, id, c.window()));
  }

  /** {@code {failed}-learned-{k}}, the failed id cut short so the whole stays a valid scenario id. */
  private static String learnedId(Handle h, String failed) {
    for (int k = 1; ; k++) {
      String suffix = "-learned-" + k;
      String base = failed.length() + suffix.length() > ScenarioId.MAX_LENGTH
          ? failed.substring(0, ScenarioId.MAX_LENGTH - suffix.length()) : failed;
      String id = base + suffix;
      if (EvidenceRows.scenario(h, id).isEmpty()) {
        return id;
      }
    }
  }

  private static ObjectNode criteriaJson(Criteria c) {
    return Json.object().put("minRuns", c.minRuns()).put("maxFailureRate", c.maxFailureRate())
        .put("window", c.window());
  }

  private static ScenarioView view(Handle h, EvidenceRows.ScenarioRow r) {
    return new ScenarioView(r.id(), r.criteria(), r.tags(), r.learnedFrom(), r.learnedBy(), r.reason(), r.createdBy(),
        r.createdAt(), EvidenceRows.runCount(h, r.id()), EvidenceRows.boundPolicies(h, r.id()));
  }

  private static NotFoundException scenarioNotFound(String id) {
    return new NotFoundException("scenario '" + id + "' does not exist");
  }

  private static NotFoundException promotionNotFound(String id) {
    return new NotFoundException("promotion '" + id + "' does not exist");
  }

}
