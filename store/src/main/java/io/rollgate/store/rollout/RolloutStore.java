package io.rollgate.store.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.ConflictException;
import io.rollgate.error.NotFoundException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.json.MergePatch;
import io.rollgate.policy.ApplyPipeline;
import io.rollgate.policy.ApplyResult;
import io.rollgate.policy.ChangeKind;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.Decision;
import io.rollgate.rollout.Judged;
import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.Reconciler;
import io.rollgate.rollout.RolloutJson;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.StageAnalysis;
import io.rollgate.rollout.Step;
import io.rollgate.rollout.Variant;
import io.rollgate.rollout.judge.LiveJudge;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.Tx;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Staged rollouts. Every step runs inside a journal command: the reconciler (or a manual action)
 * decides on the state as the writer sees it, the new state is saved, a new measurement is kept,
 * and a transition is journaled with its evidence — all in one transaction. Completing commits the
 * candidate as the policy's next version in that same transaction.
 *
 * <p>Outcome counters are evidence, not changes to the control plane: they are written by the
 * journal writer (one writer, group commit) but append no journal entry; the measurement drawn
 * from them is kept, and journaled when it causes a transition.
 */
public final class RolloutStore {
  public static final int MAX_LIST = 1_000;
  public static final int MAX_MEASUREMENTS = 1_000;
  /** Outcome reports in one request. */
  public static final int MAX_OUTCOME_BATCH = 1_000;

  private final Jdbi reads;
  private final Journal journal;
  private final PolicyStore policies;

  public RolloutStore(Database db, Journal journal, PolicyStore policies) {
    this.reads = db.reads();
    this.journal = journal;
    this.policies = policies;
  }

  /** What a step did. {@code completed} is the new policy version when the step completed the rollout. */
  public record Applied(RolloutView rollout, Step step, Optional<ApplyResult> completed) {}

  /**
   * Creates a rollout at its first stage. The candidate goes through the apply pipeline's guards
   * first (freeze, no-op, oscillation, velocity, cooldown): a change the pipeline would skip is refused.
   *
   * @throws ConflictException the policy already has an active rollout, or the pipeline refuses the candidate
   * @throws NotFoundException the policy does not exist
   */
  public RolloutView create(NewRollout req) {
    return journal.execute(tx -> createInCommand(tx, req));
  }

  /** As {@link #create(NewRollout)}, inside a journal command another store runs (a promotion via a rollout). */
  public static RolloutView createInCommand(Tx tx, NewRollout req) {
    String policy = req.policy().value();
    PolicyView current = PolicyStore.current(tx, req.policy());
    RolloutRows.active(tx.handle(), policy).ifPresent(r -> {
      throw new ConflictException("policy '" + policy + "' already has an active rollout '" + r.id() + "' ("
          + r.state().phase() + " at stage " + r.state().stage() + "); at most one per policy");
    });
    ObjectNode candidate;
    ChangeKind kind;
    if (req.document() != null) {
      Canonical.requireIJson(req.document(), "/document");
      candidate = req.document();
      kind = ChangeKind.REPLACE;
    } else {
      Canonical.requireIJson(req.delta(), "/delta");
      JsonNode patched = MergePatch.apply(current.document(), req.delta());
      candidate = (ObjectNode) patched;
      kind = ChangeKind.PATCH;
    }
    ApplyPipeline.Decision decision = PolicyStore.check(tx, req.policy(), candidate, kind);
    if (decision instanceof ApplyPipeline.Decision.Skip skip) {
      throw new ConflictException("the apply pipeline refuses this candidate for policy '" + policy + "': "
          + skip.reason().note() + "; no rollout was created");
    }
    var apply = (ApplyPipeline.Decision.Apply) decision;
    int n = RolloutRows.nextNumber(tx.handle(), policy);
    String id = policy + "-" + n;
    Instant now = tx.now();
    RolloutState state = RolloutState.start(req.spec(), now);
    var view = new RolloutView(id, policy, state, current.version(), current.stateHash(), apply.document(),
        apply.stateHash(), kind.wire(), req.reason(), null, now, now);
    RolloutRows.insert(tx.handle(), view, n);
    ObjectNode p = payload(view, "start", null, null, null);
    p.put("baselineVersion", current.version()).put("baselineHash", current.stateHash())
        .put("candidateHash", apply.stateHash()).put("changeKind", kind.wire()).put("changeReason", req.reason());
    p.set("changedKeys", Json.mapper().valueToTree(apply.changedKeys()));
    p.set("spec", RolloutJson.toJson(req.spec()));
    long seq = tx.append("rollout.started", policy, req.spec().author(), p);
    RolloutRows.insertTransition(tx.handle(), id, now, seq, "rollout.started", req.spec().author(), Json.write(p));
    return view;
  }

  /** Rollout {@code id} as the journal writer sees it, inside a command. */
  public static Optional<RolloutView> findInCommand(Tx tx, String id) {
    return RolloutRows.find(tx.handle(), id);
  }

  /** Rollout {@code id}'s transitions, oldest first, inside a command (who ended it). */
  public static List<Transition> transitionsInCommand(Tx tx, String id) {
    return RolloutRows.transitions(tx.handle(), id);
  }

  /**
   * One reconciliation of rollout {@code id} with the provider's newest reading, if one was taken.
   * The reconciler decides on the state the writer sees, so a manual action submitted meanwhile is
   * never overwritten; a measurement taken before the current analysis began is ignored.
   */
  public Applied reconcile(String id, Optional<Measurement> measurement) {
    Optional<Measurement> m = measurement.map(RolloutStore::toMillis);
    return step(id, (state, now) -> Reconciler.decide(state, now, m), m);
  }

  /** A person's action on rollout {@code id}; the reconciler's rules (four-eyes, transition table) apply. */
  public Applied act(String id, Action action, String actor, String reason) {
    return step(id, (state, now) -> switch (action) {
      case ADVANCE -> Reconciler.advance(state, now, actor, reason);
      case PAUSE -> Reconciler.pause(state, now, actor, reason);
      case RESUME -> Reconciler.resume(state, now, actor, reason);
      case ROLL_BACK -> Reconciler.rollBack(state, now, actor, reason);
      case ABORT -> Reconciler.abort(state, now, actor, reason);
    }, Optional.empty());
  }

  private interface StepFunction {
    Step apply(RolloutState state, Instant now);
  }

  private Applied step(String id, StepFunction f, Optional<Measurement> measurement) {
    Applied applied = journal.execute(tx -> stepInCommand(tx, id, f, measurement));
    applied.completed().ifPresent(policies::verifyCommitted);
    return applied;
  }

  /**
   * A person's action inside another store's command (a playbook execution), with the same rules as
   * {@link #act}. Never completes a rollout, so there is no verification barrier to run afterwards.
   */
  public static Applied actInCommand(Tx tx, String id, Action action, String actor, String reason) {
    if (action == Action.ADVANCE) {
      throw new IllegalArgumentException("advance may complete a rollout; use act()");
    }
    return stepInCommand(tx, id, (state, now) -> switch (action) {
      case PAUSE -> Reconciler.pause(state, now, actor, reason);
      case RESUME -> Reconciler.resume(state, now, actor, reason);
      case ROLL_BACK -> Reconciler.rollBack(state, now, actor, reason);
      case ABORT -> Reconciler.abort(state, now, actor, reason);
      case ADVANCE -> throw new IllegalStateException();
    }, Optional.empty());
  }

  /** {@link Reconciler#setStage} inside another store's command (a playbook's set-percentage). */
  public static Applied setStageInCommand(Tx tx, String id, int index, String actor, String reason) {
    return stepInCommand(tx, id, (state, now) -> Reconciler.setStage(state, now, index, actor, reason),
        Optional.empty());
  }

  /** Rollout {@code id} as {@code h} sees it (a command's transaction, or a read). */
  public static Optional<RolloutView> find(org.jdbi.v3.core.Handle h, String id) {
    return RolloutRows.find(h, id);
  }

  /** The policy's running rollout as {@code h} sees it. */
  public static Optional<RolloutView> activeOf(org.jdbi.v3.core.Handle h, String policy) {
    return RolloutRows.active(h, policy);
  }

  private static Applied stepInCommand(Tx tx, String id, StepFunction f, Optional<Measurement> measurement) {
    {
      RolloutView before = RolloutRows.find(tx.handle(), id).orElseThrow(() -> notFound(id));
      Step step = f.apply(before.state(), tx.now());
      Optional<ApplyResult> completed = Optional.empty();
      if (step.decision() instanceof Decision.Complete) {
        try {
          completed = Optional.of(PolicyStore.commitRolloutCandidate(tx, PolicyName.of(before.policy()),
              before.candidate(), "rollout " + id + " completed: " + step.decision().reason(), step.actor()));
        } catch (ConflictException frozen) {
          if (!Step.RECONCILER.equals(step.actor())) {
            throw frozen;
          }
          // the reconciler would try again every tick: hold the rollout where it is and say why
          step = Reconciler.pause(before.state(), tx.now(), Step.RECONCILER,
              "cannot complete: " + frozen.getMessage());
        }
      }
      return save(tx, before, step, measurement, completed);
    }
  }

  private static Applied save(Tx tx, RolloutView before, Step step, Optional<Measurement> measurement,
      Optional<ApplyResult> completed) {
    Decision d = step.decision();
    // the new measurement is the decision's evidence, unless the reconciler ignored it as stale
    Optional<Judged> recorded = d.evidence().filter(j -> measurement.isPresent() && j.measurement() == measurement.get());
    boolean changed = d.isTransition() || recorded.isPresent();
    if (!changed) {
      return new Applied(before, step, completed);
    }
    Instant now = tx.now();
    Integer completedVersion = completed.map(ApplyResult::version).orElse(null);
    RolloutRows.updateState(tx.handle(), before.id(), step.state(), completedVersion, now);
    recorded.ifPresent(j -> RolloutRows.insertMeasurement(tx.handle(), before.id(), j, step.state().spec().stages()));
    RolloutView after = new RolloutView(before.id(), before.policy(), step.state(), before.baselineVersion(),
        before.baselineHash(), before.candidate(), before.candidateHash(), before.changeKind(), before.changeReason(),
        completedVersion != null ? completedVersion : before.completedVersion(), before.createdAt(), now);
    if (d.isTransition()) {
      String type = type(d);
      // the counts the decision saw: a new stage starts from none, so take the old stage's plus the new reading
      StageAnalysis seen = step.state().analysisStartedAt().equals(before.state().analysisStartedAt())
          ? step.state().analysis() : recorded.map(before.state().analysis()::with).orElse(before.state().analysis());
      ObjectNode p = payload(after, decisionName(d), before, d, seen);
      completed.ifPresent(c -> p.put("version", c.version()).put("stateHash", c.stateHash()));
      if (d instanceof Decision.Pause && step.state().reason().startsWith(Reconciler.SAMPLE_RATIO_MISMATCH + ":")) {
        // machine-readable for the incident bridge and the dashboard: why, and the split's numbers
        p.put("cause", Reconciler.SAMPLE_RATIO_MISMATCH);
        p.set("srm", p.path("evidence").path("srm"));
      }
      long seq = tx.append(type, before.policy(), step.actor(), p);
      RolloutRows.insertTransition(tx.handle(), before.id(), now, seq, type, step.actor(), Json.write(p));
    }
    return new Applied(after, step, completed);
  }

  /** The journal entry type of a transition. */
  public static String type(Decision d) {
    return switch (d) {
      case Decision.Advance a -> "rollout.advanced";
      case Decision.AwaitApproval a -> "rollout.awaiting_approval";
      case Decision.StepBack s -> "rollout.stepped_back";
      case Decision.RollBack r -> "rollout.rolled_back";
      case Decision.Abort a -> "rollout.aborted";
      case Decision.Pause p -> "rollout.paused";
      case Decision.Resume r -> "rollout.resumed";
      case Decision.Complete c -> "rollout.completed";
      case Decision.Stay s -> throw new IllegalArgumentException("a stay is not a transition");
    };
  }

  private static String decisionName(Decision d) {
    return type(d).substring("rollout.".length());
  }

  /** What every rollout entry carries: where it is now, where it was, why, and the evidence. */
  private static ObjectNode payload(RolloutView now, String decision, RolloutView before, Decision d,
      StageAnalysis seen) {
    RolloutState s = now.state();
    ObjectNode p = Json.object();
    p.put("rolloutId", now.id()).put("policy", now.policy()).put("decision", decision);
    if (before != null) {
      p.put("fromPhase", before.state().phase().name());
      p.set("fromStage", stage(before.state().stageIndex(), before.state().stage()));
    }
    p.put("phase", s.phase().name());
    p.set("stage", stage(s.stageIndex(), s.stage()));
    p.put("percentage", RolloutJson.percentage(s.candidateBasisPoints()));
    p.put("reason", s.reason());
    if (d != null) {
      d.evidence().ifPresentOrElse(j -> p.set("evidence", RolloutJson.toJson(j, s.spec().stages())),
          () -> p.putNull("evidence"));
      ObjectNode summary = RolloutJson.toJson(seen, s.spec().stages());
      summary.remove("recent");
      p.set("analysis", summary);
    }
    return p;
  }

  private static ObjectNode stage(int index, Stage stage) {
    ObjectNode o = RolloutJson.toJson(stage);
    o.put("index", index);
    return o;
  }

  /** Records a batch of outcome reports, all or none; each policy must have an active rollout. */
  public int recordOutcomes(List<Outcome> batch) {
    if (batch.isEmpty()) {
      return 0;
    }
    return journal.execute(tx -> {
      long second = tx.now().getEpochSecond();
      var ids = new java.util.HashMap<String, String>();
      for (int i = 0; i < batch.size(); i++) {
        Outcome o = batch.get(i);
        String policy = o.policy().value();
        String id = ids.get(policy);
        if (id == null) {
          int index = i;
          PolicyStore.current(tx, o.policy()); // 404 for an unknown policy
          id = RolloutRows.active(tx.handle(), policy).map(RolloutView::id).orElseThrow(() -> new ConflictException(
              "policy '" + policy + "' has no active rollout; outcomes are only counted during one"
                  + (batch.size() > 1 ? " (report " + index + " of the batch; nothing was recorded)" : "")));
          ids.put(policy, id);
        }
        if (o.success() > 0 || o.error() > 0) {
          RolloutRows.addOutcome(tx.handle(), id, o.variant().wire(), second, o.success(), o.error());
        }
      }
      return batch.size();
    });
  }

  /**
   * The counts reported for {@code variant} of rollout {@code id} since {@code since}, at one-second
   * granularity of arrival (a report in the second {@code since} falls in counts).
   *
   * @return {success, error}
   */
  public long[] outcomeTotals(String id, Variant variant, Instant since) {
    return reads.withHandle(h -> RolloutRows.outcomeTotals(h, id, variant.wire(), since.getEpochSecond()));
  }

  /**
   * The judge's comparison of the candidate with the baseline in rollout {@code id} at {@code now}, rebuilt
   * from the stored transitions and outcome counters (nothing kept in memory, so a restarted server, or
   * another one, answers the same); the split and the stage's counts cover the analysis begun at
   * {@code analysisStartedAt}.
   */
  public Measurement.Comparison compare(String id, Instant analysisStartedAt, Instant now) {
    return reads.inTransaction(h -> { // one snapshot of transitions and counters
      RolloutView v = RolloutRows.find(h, id).orElseThrow(() -> notFound(id));
      LiveJudge live = new LiveJudge(v.state().spec(), RolloutRows.segments(h, id), analysisStartedAt);
      RolloutRows.outcomeSeconds(h, id, now.getEpochSecond(), live::add);
      return live.result(now);
    });
  }

  public Optional<RolloutView> get(String id) {
    return reads.withHandle(h -> RolloutRows.find(h, id));
  }

  public RolloutView require(String id) {
    return get(id).orElseThrow(() -> notFound(id));
  }

  /** The policy's running rollout (PROGRESSING, AWAITING_APPROVAL or PAUSED), if any. */
  public Optional<RolloutView> activeFor(PolicyName policy) {
    return reads.withHandle(h -> RolloutRows.active(h, policy.value()));
  }

  public List<RolloutView> active() {
    return reads.withHandle(RolloutRows::allActive);
  }

  /** Newest first; {@code policy} null for every policy. */
  public List<RolloutView> list(PolicyName policy, boolean activeOnly, int limit) {
    return reads.withHandle(h -> RolloutRows.list(h, policy == null ? null : policy.value(), activeOnly,
        Math.min(limit, MAX_LIST)));
  }

  public List<Transition> transitions(String id) {
    return reads.withHandle(h -> RolloutRows.transitions(h, id));
  }

  /** Every kept measurement, newest first, at most {@code limit}. */
  public List<Judged> measurements(String id, int limit) {
    return reads.withHandle(h -> RolloutRows.measurements(h, id, Math.min(limit, MAX_MEASUREMENTS)));
  }

  private static NotFoundException notFound(String id) {
    return new NotFoundException("rollout '" + id + "' does not exist");
  }

  /** The store keeps milliseconds; a finer time would make a fresh measurement look later than the command's now. */
  private static Measurement toMillis(Measurement m) {
    Instant at = m.at().truncatedTo(ChronoUnit.MILLIS);
    if (at.equals(m.at())) {
      return m;
    }
    return switch (m) {
      case Measurement.Value v -> new Measurement.Value(at, v.errorRate(), v.samples());
      case Measurement.NoData n -> new Measurement.NoData(at, n.why());
      case Measurement.ProviderError e -> new Measurement.ProviderError(at, e.why());
      case Measurement.Comparison c -> new Measurement.Comparison(at, c.judge(), c.verdict(), c.statistic(),
          c.threshold(), c.sentence(), c.stage(), c.split());
    };
  }
}
