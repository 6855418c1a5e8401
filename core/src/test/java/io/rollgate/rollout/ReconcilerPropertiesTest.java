package io.rollgate.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Over arbitrary evidence, irregular ticks and operator actions: the reconciler never advances,
 * awaits approval or completes without a fresh PASS in the current analysis and its minimum
 * duration, never skips a stage, steps back exactly one, and every phase change is in the table.
 */
class ReconcilerPropertiesTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration INTERVAL = Duration.ofMinutes(1);

  /** One event: {@code kind} picks the evidence (or an operator action), {@code gapSeconds} the time since the last. */
  record Event(int kind, int gapSeconds) {}

  @Provide
  Arbitrary<Event> events() {
    return Arbitraries.integers().between(0, 9).flatMap(kind ->
        Arbitraries.integers().between(0, 180).map(gap -> new Event(kind, gap)));
  }

  @Provide
  Arbitrary<Integer> failureLimits() {
    return Arbitraries.of(-1, 0, 1, 3);
  }

  @Property(tries = 300, seed = "20260101") // seeded: the same 300 histories every run
  void never_advances_without_a_fresh_pass_and_never_skips_a_stage(
      @ForAll @Size(min = 100, max = 400) List<@net.jqwik.api.From("events") Event> events,
      @ForAll("failureLimits") int failureLimit, @ForAll boolean abortOnFailure) {
    Stages stages = Stages.of(
        new Stage("one", 500, Duration.ofMinutes(5), 0.01, false),
        new Stage("two", 2000, Duration.ZERO, 0.01, true),
        new Stage("three", 6000, Duration.ofMinutes(3), 0.005, false),
        new Stage("four", 10000, Duration.ofMinutes(2), 0.005, true));
    AnalysisSettings settings = AnalysisSettings.outcomes(INTERVAL).withLimits(10, failureLimit, 2);
    RolloutSpec spec = new RolloutSpec(stages, settings, abortOnFailure ? OnFailure.ABORT : OnFailure.STEP_BACK,
        "alice", false);
    RolloutState s = RolloutState.start(spec, T0);
    Instant now = T0;
    for (Event e : events) {
      now = now.plusSeconds(e.gapSeconds());
      if (e.kind() == 9) { // an operator: resume a pause, approve a waiting stage
        if (s.phase() == Phase.PAUSED) {
          s = Reconciler.resume(s, now, "carol", "retry").state();
        } else if (s.phase() == Phase.AWAITING_APPROVAL) {
          s = Reconciler.advance(s, now, "bob", "approved").state();
        }
        continue;
      }
      Optional<Measurement> m = switch (e.kind()) {
        case 0, 1, 2 -> Optional.of(Measurement.Value.ofCounts(now, 1, 1000)); // 0.1%: passes everywhere
        case 3 -> Optional.of(Measurement.Value.ofCounts(now, 8, 1000)); // 0.8%: passes 1-2, fails 3-4
        case 4 -> Optional.of(Measurement.Value.ofCounts(now, 50, 1000)); // fails everywhere
        case 5 -> Optional.of(Measurement.Value.ofCounts(now, 0, 5)); // too few samples
        case 6 -> Optional.of(new Measurement.ProviderError(now, "down"));
        case 7 -> Optional.of(Measurement.Value.ofCounts(now.minusSeconds(600), 0, 1000)); // possibly stale
        default -> Optional.empty();
      };
      RolloutState before = s;
      Step step = Reconciler.decide(before, now, m);
      RolloutState after = step.state();
      Statistics.label("decision").collect(step.decision().getClass().getSimpleName());
      assertThat(before.phase().canGoTo(after.phase()) || before.phase() == after.phase())
          .as("%s -> %s", before.phase(), after.phase()).isTrue();
      switch (step.decision()) {
        case Decision.Advance a -> {
          assertThat(a.toIndex()).isEqualTo(before.stageIndex() + 1);
          assertThat(a.to().requiresApproval()).isFalse();
          assertPassedFresh(before, a.evidence(), now);
        }
        case Decision.AwaitApproval a -> {
          assertThat(a.nextIndex()).isEqualTo(before.stageIndex() + 1);
          assertThat(after.stageIndex()).isEqualTo(before.stageIndex());
          assertPassedFresh(before, a.evidence(), now);
        }
        case Decision.Complete c -> {
          assertThat(stages.isLast(before.stageIndex())).isTrue();
          assertPassedFresh(before, c.evidence(), now);
        }
        case Decision.StepBack b -> {
          assertThat(spec.onFailure()).isEqualTo(OnFailure.STEP_BACK);
          assertThat(b.toIndex()).isEqualTo(before.stageIndex() - 1);
          assertThat(after.analysis().failures()).isZero();
        }
        case Decision.Stay st -> assertThat(after.stageIndex()).isEqualTo(before.stageIndex());
        default -> assertThat(after.stageIndex()).isEqualTo(before.stageIndex());
      }
      // whatever happened, a percentage only ever moves by one stage per step
      assertThat(Math.abs(after.stageIndex() - before.stageIndex())).isLessThanOrEqualTo(1);
      s = after;
    }
  }

  private static void assertPassedFresh(RolloutState before, Optional<Judged> evidence, Instant now) {
    Judged j = evidence.orElseThrow();
    assertThat(j.verdict()).isEqualTo(Verdict.PASS);
    assertThat(j.stageIndex()).isEqualTo(before.stageIndex());
    assertThat(j.measurement().at()).isAfterOrEqualTo(before.analysisStartedAt())
        .isAfterOrEqualTo(now.minus(INTERVAL));
    assertThat(Duration.between(before.stageStartedAt(), now)).isGreaterThanOrEqualTo(before.stage().minDuration());
    assertThat(before.phase()).isEqualTo(Phase.PROGRESSING);
  }
}
