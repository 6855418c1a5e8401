package io.rollgate.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Origin document 004's tests translated, and issue 4's rules, all in virtual time. */
class ReconcilerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration INTERVAL = AnalysisSettings.DEFAULT_INTERVAL;
  /** These tests pin 004's rules: value measurements against the default stages' thresholds. */
  private static final AnalysisSettings THRESHOLD_ANALYSIS = AnalysisSettings.DEFAULT.withJudge(AnalysisSettings.THRESHOLD);

  private static RolloutSpec thresholdSpec() {
    return new RolloutSpec(Stages.DEFAULT, THRESHOLD_ANALYSIS, OnFailure.STEP_BACK, "alice", false);
  }

  static Measurement healthy(Instant at) {
    return Measurement.Value.ofCounts(at, 1, 1000); // 0.10%
  }

  static Measurement sick(Instant at) {
    return Measurement.Value.ofCounts(at, 10, 1000); // 1.00%
  }

  static Measurement down(Instant at) {
    return new Measurement.ProviderError(at, "connection refused");
  }

  static Measurement quiet(Instant at) {
    return Measurement.Value.ofCounts(at, 0, 0);
  }

  /** Drives the reconciler as the loop would: every interval, one measurement taken at that instant. */
  static final class Sim {
    RolloutState state;
    Instant now;
    final List<Step> transitions = new ArrayList<>();
    Step last;

    Sim(RolloutSpec spec) {
      this.now = T0;
      this.state = RolloutState.start(spec, now);
    }

    Step tick(Function<Instant, Measurement> provider) {
      now = now.plus(state.spec().analysis().interval());
      return apply(Reconciler.decide(state, now, Optional.of(provider.apply(now))));
    }

    Step apply(Step step) {
      last = step;
      state = step.state();
      if (step.decision().isTransition()) {
        transitions.add(step);
      }
      return step;
    }

    /** Ticks until a transition or {@code max} ticks; returns the last step. */
    Step untilTransition(Function<Instant, Measurement> provider, int max) {
      for (int i = 0; i < max; i++) {
        Step s = tick(provider);
        if (s.decision().isTransition()) {
          return s;
        }
      }
      return last;
    }

    Duration elapsed() {
      return Duration.between(T0, now);
    }
  }

  static RolloutSpec spec(OnFailure onFailure, int failureLimit) {
    return new RolloutSpec(Stages.DEFAULT, THRESHOLD_ANALYSIS.withLimits(100, failureLimit, 4), onFailure,
        "alice", false);
  }

  /** The default spec, moved to stage {@code index} (PROGRESSING, just started) at T0. */
  static RolloutState at(RolloutSpec spec, int index) {
    return new RolloutState(spec, Phase.PROGRESSING, index, T0, T0, StageAnalysis.EMPTY, "test");
  }

  @Test
  void no_advance_before_the_minimum_duration() {
    Sim sim = new Sim(thresholdSpec());
    for (int i = 0; i < 95; i++) { // 23h45m of healthy traffic
      assertThat(sim.tick(ReconcilerTest::healthy).decision()).isInstanceOf(Decision.Stay.class);
    }
    assertThat(sim.state.phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(sim.last.decision().reason()).isEqualTo("stage canary (10%): minimum duration not met, 23h45m of "
        + "24h (15m left); latest: error rate 0.10% ≤ 0.50% over 1,000 requests");
    assertThat(sim.state.analysis().passes()).isEqualTo(95);

    Step at24h = sim.tick(ReconcilerTest::healthy); // exactly 24h: quarter needs an approval
    assertThat(at24h.decision()).isInstanceOfSatisfying(Decision.AwaitApproval.class, d -> {
      assertThat(d.next().name()).isEqualTo("quarter");
      assertThat(d.reason()).isEqualTo("stage canary (10%) passed after 24h (96 pass, 0 fail, 0 inconclusive, "
          + "0 error; error rate 0.10% ≤ 0.50% over 1,000 requests); quarter (25%) requires an approval");
      assertThat(d.evidence().orElseThrow().verdict()).isEqualTo(Verdict.PASS);
    });
    assertThat(at24h.state().phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    assertThat(at24h.state().candidateBasisPoints()).isEqualTo(1000); // waits at canary
  }

  @Test
  void no_advance_above_the_threshold_and_equal_to_it_passes() {
    // failureLimit -1: failures never step back, so this isolates "above the threshold never advances"
    Sim sim = new Sim(spec(OnFailure.STEP_BACK, -1));
    Step s = sim.untilTransition(at -> Measurement.Value.ofCounts(at, 6, 1000), 500); // 0.6% > 0.5%
    assertThat(s.decision()).isInstanceOf(Decision.Pause.class);
    assertThat(sim.elapsed()).isEqualTo(Duration.ofHours(24).plus(INTERVAL));
    assertThat(s.decision().reason()).contains("no passing analysis 24h15m into the stage")
        .contains("0 pass, 97 fail").contains("latest: error rate 0.60% > 0.50% over 1,000 requests");
    assertThat(sim.transitions).hasSize(1);

    Sim equal = new Sim(spec(OnFailure.STEP_BACK, 0));
    Step e = equal.untilTransition(at -> Measurement.Value.ofCounts(at, 5, 1000), 500); // exactly 0.5%
    assertThat(e.decision()).isInstanceOf(Decision.AwaitApproval.class);
    assertThat(equal.elapsed()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void approval_never_auto_advances_even_after_a_month_of_passing_data() {
    Sim sim = new Sim(thresholdSpec());
    assertThat(sim.untilTransition(ReconcilerTest::healthy, 200).decision())
        .isInstanceOf(Decision.AwaitApproval.class);
    Instant awaitingSince = sim.now;
    int ticks = (int) (Duration.ofDays(30).toSeconds() / INTERVAL.toSeconds());
    for (int i = 0; i < ticks; i++) {
      Step s = sim.tick(ReconcilerTest::healthy);
      assertThat(s.decision()).isInstanceOf(Decision.Stay.class);
    }
    assertThat(Duration.between(awaitingSince, sim.now)).isEqualTo(Duration.ofDays(30));
    assertThat(sim.state.phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    assertThat(sim.state.stageIndex()).isZero();
    assertThat(sim.state.candidateBasisPoints()).isEqualTo(1000);
    assertThat(sim.last.decision().reason()).startsWith("waiting for an approval to enter quarter (25%)");
    assertThat(sim.transitions).hasSize(1);
  }

  @Test
  void a_high_error_rate_steps_back_one_stage_as_004_does() {
    RolloutSpec spec = thresholdSpec();
    RolloutState quarter = at(spec, 1);
    Instant oneHour = T0.plus(Duration.ofHours(1));
    Step s = Reconciler.decide(quarter, oneHour, Optional.of(sick(oneHour)));
    assertThat(s.decision()).isInstanceOfSatisfying(Decision.StepBack.class, d -> {
      assertThat(d.toIndex()).isZero();
      assertThat(d.to().name()).isEqualTo("canary");
      assertThat(d.reason()).isEqualTo("stage quarter (25%) failed its analysis: 1 failure(s) > failureLimit 0; "
          + "latest: error rate 1.00% > 0.40% over 1,000 requests; stepping back to canary (10%)");
      assertThat(d.evidence().orElseThrow().verdict()).isEqualTo(Verdict.FAIL);
    });
    assertThat(s.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(s.state().stageIndex()).isZero();
    assertThat(s.state().candidateBasisPoints()).isEqualTo(1000);
    assertThat(s.state().stageStartedAt()).isEqualTo(oneHour); // canary's 24h start again
    assertThat(s.state().analysis()).isEqualTo(StageAnalysis.EMPTY);
    assertThat(s.actor()).isEqualTo(Step.RECONCILER);
  }

  @Test
  void step_back_from_stage_3_goes_to_stage_2_and_from_stage_1_rolls_back() {
    RolloutSpec spec = thresholdSpec();
    Step fromHalf = Reconciler.decide(at(spec, 2), T0.plusSeconds(60), Optional.of(sick(T0.plusSeconds(60))));
    assertThat(fromHalf.decision()).isInstanceOfSatisfying(Decision.StepBack.class,
        d -> assertThat(d.to().name()).isEqualTo("quarter"));
    assertThat(fromHalf.state().stageIndex()).isEqualTo(1);

    Step fromCanary = Reconciler.decide(at(spec, 0), T0.plusSeconds(60), Optional.of(sick(T0.plusSeconds(60))));
    assertThat(fromCanary.decision()).isInstanceOf(Decision.RollBack.class);
    assertThat(fromCanary.decision().reason()).endsWith("no earlier stage, everyone returns to the baseline");
    assertThat(fromCanary.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(fromCanary.state().candidateBasisPoints()).isZero();
    // a terminal rollout stays put whatever the evidence
    Step after = Reconciler.decide(fromCanary.state(), T0.plusSeconds(120), Optional.of(healthy(T0.plusSeconds(120))));
    assertThat(after.decision()).isInstanceOf(Decision.Stay.class);
    assertThat(after.state()).isSameAs(fromCanary.state());
  }

  @Test
  void on_failure_abort_rolls_everyone_back_from_any_stage() {
    RolloutState half = at(spec(OnFailure.ABORT, 0), 2);
    Step s = Reconciler.decide(half, T0.plusSeconds(60), Optional.of(sick(T0.plusSeconds(60))));
    assertThat(s.decision()).isInstanceOf(Decision.RollBack.class);
    assertThat(s.decision().reason()).startsWith("onFailure is abort: stage half (50%) failed its analysis");
    assertThat(s.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(s.state().candidateBasisPoints()).isZero();
  }

  @Test
  void failure_limit_0_1_and_minus_1() {
    Instant t1 = T0.plusSeconds(900);
    Instant t2 = T0.plusSeconds(1800);
    // 0: the first failure
    assertThat(Reconciler.decide(at(spec(OnFailure.STEP_BACK, 0), 2), t1, Optional.of(sick(t1))).decision())
        .isInstanceOf(Decision.StepBack.class);
    // 1: the first failure holds, the second steps back
    Step first = Reconciler.decide(at(spec(OnFailure.STEP_BACK, 1), 2), t1, Optional.of(sick(t1)));
    assertThat(first.decision()).isInstanceOf(Decision.Stay.class);
    assertThat(first.state().analysis().failures()).isEqualTo(1);
    Step second = Reconciler.decide(first.state(), t2, Optional.of(sick(t2)));
    assertThat(second.decision()).isInstanceOf(Decision.StepBack.class);
    assertThat(second.decision().reason()).contains("2 failure(s) > failureLimit 1");
    // -1: never, however many
    RolloutState s = at(spec(OnFailure.STEP_BACK, -1), 2);
    for (int i = 1; i <= 100; i++) {
      Instant t = T0.plusSeconds(60L * i);
      Step step = Reconciler.decide(s, t, Optional.of(sick(t)));
      assertThat(step.decision()).isInstanceOf(Decision.Stay.class);
      s = step.state();
    }
    assertThat(s.analysis().failures()).isEqualTo(100);
    assertThat(s.stageIndex()).isEqualTo(2);
  }

  @Test
  void a_failure_while_awaiting_approval_still_steps_back() {
    Sim sim = new Sim(thresholdSpec());
    sim.untilTransition(ReconcilerTest::healthy, 200); // canary passed, awaiting quarter
    sim.apply(Reconciler.advance(sim.state, sim.now, "bob", "canary looks fine"));
    assertThat(sim.state.stage().name()).isEqualTo("quarter");
    assertThat(sim.untilTransition(ReconcilerTest::healthy, 200).decision())
        .isInstanceOfSatisfying(Decision.AwaitApproval.class, d -> assertThat(d.next().name()).isEqualTo("half"));
    Step s = sim.tick(ReconcilerTest::sick);
    assertThat(s.decision()).isInstanceOf(Decision.StepBack.class);
    assertThat(s.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(s.state().stage().name()).isEqualTo("canary");
  }

  @Test
  void full_cycle_canary_to_full_with_approvals_in_virtual_time() {
    Sim sim = new Sim(thresholdSpec());
    List<String> visited = new ArrayList<>(List.of(sim.state.stage().name()));
    List<Duration> leftAfter = new ArrayList<>();
    for (int guard = 0; guard < 20 && !sim.state.phase().isTerminal(); guard++) {
      Instant stageStart = sim.state.stageStartedAt();
      Step s = sim.untilTransition(ReconcilerTest::healthy, 1000);
      if (s.decision() instanceof Decision.AwaitApproval) {
        s = sim.apply(Reconciler.advance(sim.state, sim.now, "bob", "metrics look good"));
        assertThat(s.actor()).isEqualTo("bob");
        assertThat(s.decision().reason()).startsWith("approved by bob from ");
      }
      leftAfter.add(Duration.between(stageStart, sim.now));
      if (s.decision() instanceof Decision.Advance a) {
        visited.add(a.to().name());
      }
    }
    assertThat(visited).containsExactly("canary", "quarter", "half", "most", "full");
    assertThat(sim.state.phase()).isEqualTo(Phase.COMPLETED);
    assertThat(sim.state.candidateBasisPoints()).isEqualTo(10_000);
    assertThat(sim.last.decision()).isInstanceOf(Decision.Complete.class);
    assertThat(sim.last.decision().reason()).isEqualTo("stage full (100%) passed after 15m (1 pass, 0 fail, "
        + "0 inconclusive, 0 error; error rate 0.10% ≤ 0.20% over 1,000 requests); the candidate becomes the "
        + "current version");
    // each stage was left exactly when its minimum duration was met (ticks are aligned), full after one pass
    assertThat(leftAfter).containsExactly(Duration.ofHours(24), Duration.ofHours(24), Duration.ofHours(48),
        Duration.ofHours(24), INTERVAL);
    assertThat(sim.elapsed()).isEqualTo(Duration.ofHours(120).plus(INTERVAL));
    assertThat(sim.transitions).extracting(t -> t.decision().getClass().getSimpleName()).containsExactly(
        "AwaitApproval", "Advance", "AwaitApproval", "Advance", "Advance", "AwaitApproval", "Advance", "Complete");
  }

  @Test
  void no_traffic_at_all_never_advances_and_pauses_after_the_stage_duration() {
    Sim sim = new Sim(thresholdSpec());
    Step s = sim.untilTransition(ReconcilerTest::quiet, 10_000);
    assertThat(s.decision()).isInstanceOf(Decision.Pause.class);
    assertThat(sim.elapsed()).isEqualTo(Duration.ofHours(24).plus(INTERVAL));
    assertThat(s.decision().reason()).isEqualTo("paused at stage canary (10%): no passing analysis 24h15m into the "
        + "stage, past its minimum duration plus one interval (0 pass, 0 fail, 97 inconclusive, 0 error; latest: "
        + "no data: no requests reported for the candidate)");
    assertThat(s.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(s.state().candidateBasisPoints()).isEqualTo(1000);
    // paused: a month more of silence changes nothing, and measurements are not even recorded
    for (int i = 0; i < 30 * 96; i++) {
      assertThat(sim.tick(ReconcilerTest::healthy).decision()).isInstanceOf(Decision.Stay.class);
    }
    assertThat(sim.state.phase()).isEqualTo(Phase.PAUSED);
    assertThat(sim.state.analysis().passes()).isZero();

    // too few requests is inconclusive too
    Sim thin = new Sim(thresholdSpec());
    Step t = thin.untilTransition(at -> Measurement.Value.ofCounts(at, 0, 99), 10_000);
    assertThat(t.decision()).isInstanceOf(Decision.Pause.class);
    assertThat(t.decision().reason()).endsWith("latest: only 99 requests, fewer than minSamples 100 (error rate 0.00%))");
  }

  @Test
  void four_consecutive_provider_errors_keep_going_the_fifth_pauses_and_a_pass_resets_the_run() {
    Sim sim = new Sim(thresholdSpec());
    for (int i = 0; i < 4; i++) {
      assertThat(sim.tick(ReconcilerTest::down).decision()).isInstanceOf(Decision.Stay.class);
    }
    sim.tick(ReconcilerTest::healthy);
    for (int i = 0; i < 4; i++) {
      assertThat(sim.tick(ReconcilerTest::down).decision()).isInstanceOf(Decision.Stay.class);
    }
    assertThat(sim.state.analysis().consecutiveErrors()).isEqualTo(4);
    assertThat(sim.state.analysis().errors()).isEqualTo(8);
    Step fifth = sim.tick(ReconcilerTest::down);
    assertThat(fifth.decision()).isInstanceOf(Decision.Pause.class);
    assertThat(fifth.decision().reason()).isEqualTo("paused at stage canary (10%): 5 consecutive provider errors "
        + "> consecutiveErrorLimit 4; latest: provider error: connection refused");
    assertThat(fifth.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(fifth.state().analysis().failures()).isZero(); // an error is never a failure
  }

  @Test
  void resume_keeps_the_time_spent_but_needs_fresh_evidence() {
    Sim sim = new Sim(thresholdSpec());
    for (int i = 0; i < 100; i++) { // 25h
      sim.tick(i < 95 ? ReconcilerTest::healthy : ReconcilerTest::down);
    }
    assertThat(sim.state.phase()).isEqualTo(Phase.PAUSED);
    Step resumed = sim.apply(Reconciler.resume(sim.state, sim.now, "carol", "prometheus is back"));
    assertThat(resumed.decision()).isInstanceOf(Decision.Resume.class);
    assertThat(resumed.state().phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(resumed.state().stageStartedAt()).isEqualTo(T0);
    assertThat(resumed.state().analysis()).isEqualTo(StageAnalysis.EMPTY);
    // the old passes do not count: without a new measurement it stays
    assertThat(Reconciler.decide(sim.state, sim.now.plusSeconds(1), Optional.empty()).decision())
        .isInstanceOf(Decision.Stay.class);
    // a measurement from before the resume is stale and ignored
    Step stale = Reconciler.decide(sim.state, sim.now.plusSeconds(1), Optional.of(healthy(sim.now.minusSeconds(1))));
    assertThat(stale.decision().reason()).startsWith("ignored a measurement taken at ");
    assertThat(stale.state()).isSameAs(sim.state);
    // one fresh pass and the 25h already spent suffice
    assertThat(sim.tick(ReconcilerTest::healthy).decision()).isInstanceOf(Decision.AwaitApproval.class);
  }

  @Test
  void a_pass_older_than_one_interval_does_not_advance() {
    RolloutSpec spec = thresholdSpec();
    Instant passAt = T0.plus(Duration.ofHours(23));
    Step passed = Reconciler.decide(at(spec, 0), passAt, Optional.of(healthy(passAt)));
    assertThat(passed.decision()).isInstanceOf(Decision.Stay.class);
    Instant later = T0.plus(Duration.ofHours(24));
    Step s = Reconciler.decide(passed.state(), later, Optional.empty());
    assertThat(s.decision()).isInstanceOf(Decision.Stay.class);
    assertThat(s.decision().reason()).contains("is older than one interval (15m)");
    // within one interval it would have
    Instant fresh = passAt.plus(Duration.ofMinutes(50));
    Step ok = Reconciler.decide(Reconciler.decide(at(spec, 0), fresh, Optional.of(healthy(fresh))).state(),
        T0.plus(Duration.ofHours(24)), Optional.empty());
    assertThat(ok.decision()).isInstanceOf(Decision.AwaitApproval.class);
  }

  @Test
  void a_zero_duration_stage_still_needs_a_pass() {
    Stages two = Stages.of(new Stage("half", 5000, Duration.ZERO, 0.01, false),
        new Stage("full", 10000, Duration.ZERO, 0.01, false));
    RolloutState s = RolloutState.start(new RolloutSpec(two, AnalysisSettings.outcomes(Duration.ofSeconds(1)),
        OnFailure.STEP_BACK, "alice", false), T0);
    Step none = Reconciler.decide(s, T0, Optional.empty());
    assertThat(none.decision()).isInstanceOf(Decision.Stay.class);
    assertThat(none.decision().reason()).contains("no measurement in this analysis");
    Step quiet = Reconciler.decide(s, T0, Optional.of(quiet(T0)));
    assertThat(quiet.decision()).isInstanceOf(Decision.Stay.class);
    Step pass = Reconciler.decide(quiet.state(), T0, Optional.of(healthy(T0)));
    assertThat(pass.decision()).isInstanceOfSatisfying(Decision.Advance.class,
        d -> assertThat(d.to().name()).isEqualTo("full"));
    assertThat(Reconciler.decide(pass.state(), T0, Optional.empty()).decision()).isInstanceOf(Decision.Stay.class);
    Instant t1 = T0.plusSeconds(1);
    assertThat(Reconciler.decide(pass.state(), t1, Optional.of(healthy(t1))).decision())
        .isInstanceOf(Decision.Complete.class);
  }

  @Test
  void four_eyes_the_author_may_not_approve_unless_self_approval() {
    Sim sim = new Sim(thresholdSpec());
    sim.untilTransition(ReconcilerTest::healthy, 200);
    assertThatThrownBy(() -> Reconciler.advance(sim.state, sim.now, "alice", "lgtm"))
        .isInstanceOf(ForbiddenException.class)
        .hasMessage("four-eyes: 'alice' created this rollout and may not approve or advance it; another admin "
            + "must (or create the rollout with selfApproval)");
    Step bob = Reconciler.advance(sim.state, sim.now, "bob", "lgtm");
    assertThat(bob.decision().reason()).isEqualTo("approved by bob from canary (10%) to quarter (25%): lgtm");
    assertThat(bob.state().stage().name()).isEqualTo("quarter");
    assertThat(bob.state().stageStartedAt()).isEqualTo(sim.now);

    RolloutSpec self = new RolloutSpec(Stages.DEFAULT, THRESHOLD_ANALYSIS, OnFailure.STEP_BACK, "alice", true);
    Step alice = Reconciler.advance(at(self, 0), T0, "alice", "single-admin install");
    assertThat(alice.decision()).isInstanceOf(Decision.Advance.class);
    assertThat(alice.actor()).isEqualTo("alice");
    // from the last stage a manual advance completes
    Step done = Reconciler.advance(at(self, 4), T0, "alice", "ship it");
    assertThat(done.decision()).isInstanceOf(Decision.Complete.class);
    assertThat(done.state().phase()).isEqualTo(Phase.COMPLETED);
  }

  @Test
  void illegal_manual_transitions_are_refused_naming_both_phases() {
    RolloutSpec spec = thresholdSpec();
    RolloutState running = at(spec, 1);
    RolloutState paused = Reconciler.pause(running, T0, "carol", "investigating").state();
    assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
    assertThat(paused.reason()).isEqualTo("paused by carol at stage quarter (25%): investigating");
    assertThatThrownBy(() -> Reconciler.pause(paused, T0, "carol", "again"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("cannot pause: rollout cannot go from PAUSED to PAUSED "
            + "(from PAUSED it may go to PROGRESSING, ROLLED_BACK, ABORTED)");
    assertThatThrownBy(() -> Reconciler.resume(running, T0, "carol", "go"))
        .isInstanceOf(ConflictException.class).hasMessage("cannot resume: rollout is PROGRESSING, not PAUSED");
    assertThatThrownBy(() -> Reconciler.advance(paused, T0, "bob", "go"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("cannot advance: rollout is PAUSED at stage quarter (25%); resume it first");

    RolloutState rolledBack = Reconciler.rollBack(running, T0, "carol", "bad").state();
    assertThat(rolledBack.phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(rolledBack.candidateBasisPoints()).isZero();
    assertThatThrownBy(() -> Reconciler.abort(rolledBack, T0, "carol", "x"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("cannot abort: rollout cannot go from ROLLED_BACK to ABORTED (ROLLED_BACK is terminal)");
    assertThatThrownBy(() -> Reconciler.advance(rolledBack, T0, "bob", "x"))
        .hasMessage("cannot advance: rollout cannot go from ROLLED_BACK to PROGRESSING (ROLLED_BACK is terminal)");
    RolloutState aborted = Reconciler.abort(paused, T0, "carol", "superseded").state();
    assertThat(aborted.phase()).isEqualTo(Phase.ABORTED);
    assertThatThrownBy(() -> Reconciler.rollBack(aborted, T0, "carol", "x"))
        .hasMessage("cannot roll back: rollout cannot go from ABORTED to ROLLED_BACK (ABORTED is terminal)");
    assertThatThrownBy(() -> Reconciler.pause(running, T0, "carol", " "))
        .hasMessage("reason must not be blank");
  }
}
