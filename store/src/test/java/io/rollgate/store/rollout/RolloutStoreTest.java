package io.rollgate.store.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import io.rollgate.error.NotFoundException;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.PolicyVersion;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.OnFailure;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Stages;
import io.rollgate.rollout.Variant;
import io.rollgate.rollout.Verdict;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.testing.StoreFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RolloutStore on both databases through the real journal: creation runs the apply pipeline, every
 * step saves the state and keeps the new measurement, transitions are journaled with their
 * evidence, completing commits the candidate, and all of it survives a restart.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class RolloutStoreTest {
  private static final PolicyName P = PolicyName.of("guardian-enforcement");
  private static final Stages TWO = Stages.of(
      new Stage("canary", 1_000, Duration.ofSeconds(60), 0.05, false),
      new Stage("full", 10_000, Duration.ZERO, 0.05, false));
  private static final AnalysisSettings FAST = AnalysisSettings.outcomes(Duration.ofSeconds(10)).withLimits(10, 0, 2);

  @Parameter
  Dialect dialect;

  private StoreFixture fx;
  private PolicyStore policies;
  private RolloutStore rollouts;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    policies = fx.policies();
    rollouts = fx.rollouts();
    policies.put(P, doc("{'enforce':false,'level':1}"), "initial", "alice");
    fx.clock.advanceSeconds(1);
  }

  @AfterEach
  void chainVerifies() {
    try {
      assertThat(fx.reader().verify().ok()).isTrue();
    } finally {
      fx.close();
    }
  }

  @Test
  void creating_journals_rollout_started_with_baseline_and_candidate_and_changes_no_policy_version() {
    long before = fx.headSeq();
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), "turn on"));

    assertThat(r.id()).isEqualTo("guardian-enforcement-1");
    assertThat(r.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(r.state().stage().name()).isEqualTo("canary");
    assertThat(r.baselineVersion()).isEqualTo(1);
    assertThat(r.candidate()).isEqualTo(doc("{'enforce':true,'level':1}"));
    assertThat(r.changeKind()).isEqualTo("patch");
    assertThat(policies.get(P).orElseThrow().version()).isEqualTo(1);

    List<JournalEntry> added = fx.entriesAfter(before);
    assertThat(added).extracting(JournalEntry::type).containsExactly("rollout.started");
    ObjectNode p = added.get(0).payload();
    assertThat(p.get("rolloutId").asText()).isEqualTo(r.id());
    assertThat(p.get("candidateHash").asText()).isEqualTo(r.candidateHash());
    assertThat(p.get("baselineHash").asText()).isEqualTo(policies.get(P).orElseThrow().stateHash());
    assertThat(p.get("changedKeys")).hasSize(1);
    assertThat(p.get("percentage").decimalValue()).isEqualByComparingTo("10");
    assertThat(added.get(0).actor()).isEqualTo("alice");
    assertThat(rollouts.transitions(r.id())).extracting(Transition::type).containsExactly("rollout.started");
    assertThat(rollouts.get(r.id())).contains(r);
  }

  @Test
  void a_second_active_rollout_a_no_op_and_a_frozen_policy_are_refused_and_create_nothing() {
    rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    long head = fx.headSeq();
    assertThatThrownBy(() -> rollouts.create(new NewRollout(P, null, doc("{'level':2}"), spec("alice", TWO), null)))
        .isInstanceOf(ConflictException.class).hasMessageContaining("already has an active rollout 'guardian-enforcement-1'");

    PolicyName other = PolicyName.of("limits");
    policies.put(other, doc("{'cpu':1}"), "init", "alice");
    head = fx.headSeq();
    assertThatThrownBy(() -> rollouts.create(new NewRollout(other, doc("{'cpu':1}"), null, spec("alice", TWO), null)))
        .isInstanceOf(ConflictException.class).hasMessageContaining("no effective change");
    policies.freeze(other, "incident 7", "bob");
    head = fx.headSeq();
    assertThatThrownBy(() -> rollouts.create(new NewRollout(other, doc("{'cpu':2}"), null, spec("alice", TWO), null)))
        .isInstanceOf(ConflictException.class).hasMessageContaining("frozen");
    assertThat(fx.headSeq()).isEqualTo(head);
    assertThat(rollouts.list(other, false, 10)).isEmpty();
    assertThatThrownBy(() -> rollouts.create(new NewRollout(PolicyName.of("nope"), null, doc("{}"), spec("a", TWO), null)))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void the_database_itself_refuses_a_second_active_rollout_for_a_policy() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    String copy = "INSERT INTO rollouts (id, policy, n, active, phase, stage_index, stage_started_at, "
        + "analysis_started_at, reason, spec, analysis, baseline_version, baseline_hash, candidate, candidate_hash, "
        + "change_kind, created_at, updated_at) SELECT 'x-9', policy, 9, active, phase, stage_index, stage_started_at, "
        + "analysis_started_at, reason, spec, analysis, baseline_version, baseline_hash, candidate, candidate_hash, "
        + "change_kind, created_at, updated_at FROM rollouts WHERE id = '" + r.id() + "'";
    assertThatThrownBy(() -> fx.sql(copy)).hasMessageContaining("test SQL failed");
  }

  @Test
  void direct_changes_to_a_policy_under_rollout_are_refused_but_freezing_is_not() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    assertThatThrownBy(() -> policies.change(P, doc("{'level':3}"), "sneak", "bob"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("active rollout '" + r.id() + "'");
    assertThatThrownBy(() -> policies.rollback(P, 1, "back", "bob")).isInstanceOf(ConflictException.class);
    assertThat(policies.freeze(P, "hold", "bob").frozen()).isTrue();
  }

  @Test
  void a_passing_stage_advances_keeps_its_measurement_and_completing_commits_the_candidate_as_kind_rollout() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), "on"));
    fx.clock.advanceSeconds(61);
    long head = fx.headSeq();
    var step = rollouts.reconcile(r.id(), Optional.of(Measurement.Value.ofCounts(fx.clock.instant(), 1, 200)));

    assertThat(step.rollout().state().stage().name()).isEqualTo("full");
    List<JournalEntry> added = fx.entriesAfter(head);
    assertThat(added).extracting(JournalEntry::type).containsExactly("rollout.advanced");
    ObjectNode p = added.get(0).payload();
    assertThat(p.get("fromStage").get("name").asText()).isEqualTo("canary");
    assertThat(p.get("stage").get("name").asText()).isEqualTo("full");
    assertThat(p.get("evidence").get("verdict").asText()).isEqualTo("PASS");
    assertThat(p.get("evidence").get("samples").asLong()).isEqualTo(200);
    assertThat(p.get("analysis").get("passes").asInt()).isEqualTo(1);
    assertThat(added.get(0).actor()).isEqualTo("reconciler");
    assertThat(rollouts.measurements(r.id(), 10)).singleElement()
        .satisfies(j -> assertThat(j.verdict()).isEqualTo(Verdict.PASS));

    fx.clock.advanceSeconds(10);
    head = fx.headSeq();
    var done = rollouts.reconcile(r.id(), Optional.of(Measurement.Value.ofCounts(fx.clock.instant(), 0, 500)));

    assertThat(done.rollout().state().phase()).isEqualTo(Phase.COMPLETED);
    assertThat(done.rollout().completedVersion()).isEqualTo(2);
    assertThat(done.completed()).isPresent();
    assertThat(fx.entriesAfter(head)).extracting(JournalEntry::type)
        .containsExactly("policy.applied", "rollout.completed");
    PolicyVersion v2 = policies.version(P, 2);
    assertThat(v2.document()).isEqualTo(r.candidate());
    assertThat(v2.stateHash()).isEqualTo(r.candidateHash());
    assertThat(v2.kind().wire()).isEqualTo("rollout");
    assertThat(rollouts.activeFor(P)).isEmpty();
    // finished: the policy takes direct changes again, and a new rollout gets the next number
    policies.change(P, doc("{'level':2}"), "after", "bob");
    assertThat(rollouts.create(new NewRollout(P, null, doc("{'level':5}"), spec("alice", TWO), null)).id())
        .isEqualTo("guardian-enforcement-2");
  }

  @Test
  void a_quiet_stay_writes_nothing_and_a_stale_measurement_is_not_kept() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    long head = fx.headSeq();
    fx.clock.advanceSeconds(5);
    var stay = rollouts.reconcile(r.id(), Optional.empty());
    assertThat(stay.step().decision().isTransition()).isFalse();
    assertThat(rollouts.get(r.id()).orElseThrow().updatedAt()).isEqualTo(r.updatedAt());

    rollouts.reconcile(r.id(), Optional.of(Measurement.Value.ofCounts(r.createdAt().minusSeconds(1), 0, 500)));
    assertThat(rollouts.measurements(r.id(), 10)).isEmpty();
    rollouts.reconcile(r.id(), Optional.of(Measurement.Value.ofCounts(fx.clock.instant(), 0, 5)));
    assertThat(rollouts.measurements(r.id(), 10)).singleElement()
        .satisfies(j -> assertThat(j.verdict()).isEqualTo(Verdict.INCONCLUSIVE));
    assertThat(rollouts.get(r.id()).orElseThrow().state().analysis().inconclusives()).isEqualTo(1);
    assertThat(fx.headSeq()).isEqualTo(head);
  }

  @Test
  void a_frozen_policy_pauses_the_completion_instead_of_committing() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", Stages.of(
        new Stage("full", 10_000, Duration.ZERO, 0.05, false))), null));
    policies.freeze(P, "change freeze", "bob");
    fx.clock.advanceSeconds(10);
    var step = rollouts.reconcile(r.id(), Optional.of(Measurement.Value.ofCounts(fx.clock.instant(), 0, 500)));

    assertThat(step.rollout().state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(step.rollout().state().reason()).contains("cannot complete").contains("frozen");
    assertThat(policies.get(P).orElseThrow().version()).isEqualTo(1);
    assertThat(fx.entries().getLast().type()).isEqualTo("rollout.paused");
  }

  @Test
  void manual_actions_apply_four_eyes_and_the_transition_table_and_record_who() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    assertThatThrownBy(() -> rollouts.act(r.id(), Action.ADVANCE, "alice", "mine"))
        .isInstanceOf(ForbiddenException.class);
    var paused = rollouts.act(r.id(), Action.PAUSE, "bob", "looking");
    assertThat(paused.rollout().state().phase()).isEqualTo(Phase.PAUSED);
    assertThatThrownBy(() -> rollouts.act(r.id(), Action.PAUSE, "bob", "again")).isInstanceOf(ConflictException.class);
    rollouts.act(r.id(), Action.RESUME, "bob", "fine");
    var advanced = rollouts.act(r.id(), Action.ADVANCE, "carol", "approved");
    assertThat(advanced.rollout().state().stage().name()).isEqualTo("full");
    var aborted = rollouts.act(r.id(), Action.ABORT, "bob", "changed our mind");
    assertThat(aborted.rollout().state().phase()).isEqualTo(Phase.ABORTED);
    assertThat(aborted.rollout().state().candidateBasisPoints()).isZero();
    assertThat(rollouts.transitions(r.id())).extracting(Transition::type, Transition::actor).containsExactly(
        org.assertj.core.groups.Tuple.tuple("rollout.started", "alice"),
        org.assertj.core.groups.Tuple.tuple("rollout.paused", "bob"),
        org.assertj.core.groups.Tuple.tuple("rollout.resumed", "bob"),
        org.assertj.core.groups.Tuple.tuple("rollout.advanced", "carol"),
        org.assertj.core.groups.Tuple.tuple("rollout.aborted", "bob"));
    assertThatThrownBy(() -> rollouts.act("nope-1", Action.PAUSE, "bob", "x")).isInstanceOf(NotFoundException.class);
    assertThat(policies.get(P).orElseThrow().version()).isEqualTo(1);
  }

  @Test
  void outcomes_count_per_variant_since_a_time_and_a_bad_batch_records_nothing() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    rollouts.recordOutcomes(List.of(new Outcome(P, Variant.CANDIDATE, 90, 10), new Outcome(P, Variant.BASELINE, 900, 1)));
    fx.clock.advanceSeconds(5);
    Instant mid = fx.clock.instant();
    rollouts.recordOutcomes(List.of(new Outcome(P, Variant.CANDIDATE, 40, 2), new Outcome(P, Variant.CANDIDATE, 8, 0)));

    assertThat(rollouts.outcomeTotals(r.id(), Variant.CANDIDATE, r.createdAt())).containsExactly(138, 12);
    assertThat(rollouts.outcomeTotals(r.id(), Variant.CANDIDATE, mid)).containsExactly(48, 2);
    assertThat(rollouts.outcomeTotals(r.id(), Variant.BASELINE, r.createdAt())).containsExactly(900, 1);

    PolicyName idle = PolicyName.of("idle");
    policies.put(idle, doc("{'a':1}"), "init", "alice");
    assertThatThrownBy(() -> rollouts.recordOutcomes(List.of(new Outcome(P, Variant.CANDIDATE, 1000, 0),
        new Outcome(idle, Variant.CANDIDATE, 1, 0))))
        .isInstanceOf(ConflictException.class).hasMessageContaining("'idle' has no active rollout")
        .hasMessageContaining("report 1 of the batch");
    assertThatThrownBy(() -> rollouts.recordOutcomes(List.of(new Outcome(PolicyName.of("ghost"), Variant.BASELINE, 1, 0))))
        .isInstanceOf(NotFoundException.class);
    assertThat(rollouts.outcomeTotals(r.id(), Variant.CANDIDATE, r.createdAt())).containsExactly(138, 12);
  }

  @Test
  void the_judges_comparison_is_rebuilt_from_stored_rows_per_stage_and_survives_a_restart() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    rollouts.recordOutcomes(List.of(new Outcome(P, Variant.CANDIDATE, 99, 1), new Outcome(P, Variant.BASELINE, 891, 9)));
    fx.clock.advanceSeconds(7);
    rollouts.act(r.id(), Action.ADVANCE, "bob", "canary fine"); // to 100%, mid-bucket
    Instant full = rollouts.require(r.id()).state().analysisStartedAt();
    rollouts.recordOutcomes(List.of(new Outcome(P, Variant.CANDIDATE, 48, 2)));
    fx.clock.advanceSeconds(20);
    Instant now = fx.clock.instant();

    Measurement.Comparison c = rollouts.compare(r.id(), full, now);
    assertThat(c.judge()).isEqualTo("sequential");
    assertThat(c.verdict()).isEqualTo(Verdict.PASS);
    assertThat(c.stage()).isEqualTo(new Measurement.Counts(50, 2, 0, 0)); // the 100% stage's analysis only
    assertThat(c.split().status()).isEqualTo(Measurement.Split.HEALTHY);
    assertThat(c.sentence()).contains("3 candidate errors in 150 requests vs 9 baseline errors in 900");
    assertThat(rollouts.compare(r.id(), r.createdAt(), now).stage()).isEqualTo(new Measurement.Counts(150, 3, 900, 9));

    fx.restart();
    rollouts = fx.rollouts();
    assertThat(rollouts.compare(r.id(), full, now)).isEqualTo(c);
  }

  @Test
  void a_broken_split_pauses_and_the_journal_says_why_with_the_numbers() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    rollouts.recordOutcomes(List.of(new Outcome(P, Variant.CANDIDATE, 50, 0), new Outcome(P, Variant.BASELINE, 50, 0)));
    fx.clock.advanceSeconds(10);
    Measurement.Comparison c = rollouts.compare(r.id(), r.createdAt(), fx.clock.instant());
    assertThat(c.split().isMismatch()).isTrue();

    RolloutStore.Applied a = rollouts.reconcile(r.id(), Optional.of(c));
    assertThat(a.rollout().state().phase()).isEqualTo(Phase.PAUSED);
    JournalEntry e = fx.entries().getLast();
    assertThat(e.type()).isEqualTo("rollout.paused");
    assertThat(e.payload().path("cause").asText()).isEqualTo("sample_ratio_mismatch");
    assertThat(e.payload().path("srm").path("observedCandidate").asLong()).isEqualTo(50);
    assertThat(e.payload().path("srm").path("expectedCandidate").asDouble()).isEqualTo(10);
    assertThat(e.payload().path("evidence").path("kind").asText()).isEqualTo("comparison");
    assertThat(rollouts.measurements(r.id(), 1).getFirst().measurement()).isEqualTo(c);
  }

  @Test
  void state_and_history_survive_a_restart_and_the_rollout_carries_on() {
    RolloutView r = rollouts.create(new NewRollout(P, null, doc("{'enforce':true}"), spec("alice", TWO), null));
    fx.clock.advanceSeconds(30);
    rollouts.reconcile(r.id(), Optional.of(Measurement.Value.ofCounts(fx.clock.instant(), 0, 300)));
    RolloutView before = rollouts.get(r.id()).orElseThrow();

    fx.restart();
    rollouts = fx.rollouts();
    RolloutView after = rollouts.get(r.id()).orElseThrow();
    assertThat(after).isEqualTo(before);
    assertThat(after.state().analysis().passes()).isEqualTo(1);

    fx.clock.advanceSeconds(31); // the minimum duration counts from the stage start, across the restart
    var step = rollouts.reconcile(r.id(), Optional.of(Measurement.Value.ofCounts(fx.clock.instant(), 0, 300)));
    assertThat(step.rollout().state().stage().name()).isEqualTo("full");
  }

  private static RolloutSpec spec(String author, Stages stages) {
    return new RolloutSpec(stages, FAST, OnFailure.STEP_BACK, author, false);
  }

  private static ObjectNode doc(String singleQuoted) {
    return (ObjectNode) Json.parse(singleQuoted.replace('\'', '"'), "doc");
  }
}
