package io.rollgate.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutModelTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void default_configuration_is_the_five_stages_of_004() {
    Stages d = Stages.DEFAULT;
    assertThat(d.list()).extracting(Stage::name).containsExactly("canary", "quarter", "half", "most", "full");
    assertThat(d.list()).extracting(Stage::basisPoints).containsExactly(1000, 2500, 5000, 7500, 10000);
    assertThat(d.list()).extracting(Stage::minDuration).containsExactly(Duration.ofHours(24),
        Duration.ofHours(24), Duration.ofHours(48), Duration.ofHours(24), Duration.ZERO);
    // no ceilings by default: 004's thresholds belong to the threshold judge only
    assertThat(d.list()).extracting(Stage::maxErrorRate).containsOnly(java.util.OptionalDouble.empty());
    assertThat(Stages.DEFAULT_WITH_THRESHOLDS.list()).extracting(st -> st.maxErrorRate().getAsDouble())
        .containsExactly(0.005, 0.004, 0.003, 0.002, 0.002);
    assertThat(d.list()).extracting(Stage::requiresApproval).containsExactly(false, true, true, false, true);

    AnalysisSettings a = AnalysisSettings.DEFAULT;
    assertThat(a.provider()).isEqualTo(AnalysisSettings.Provider.OUTCOMES);
    assertThat(a.interval()).isEqualTo(Duration.ofSeconds(900));
    assertThat(a.minSamples()).isEqualTo(100);
    assertThat(a.failureLimit()).isZero();
    assertThat(a.consecutiveErrorLimit()).isEqualTo(4);
    assertThat(a.judge()).isEqualTo(io.rollgate.rollout.judge.JudgeSettings.DEFAULT);
    assertThat(a.judge().judge()).isEqualTo("sequential");

    RolloutSpec spec = RolloutSpec.defaults("alice");
    assertThat(spec.onFailure()).isEqualTo(OnFailure.STEP_BACK);
    assertThat(spec.selfApproval()).isFalse();
    RolloutState s = RolloutState.start(spec, T0);
    assertThat(s.phase()).isEqualTo(Phase.PROGRESSING);
    assertThat(s.stage().name()).isEqualTo("canary");
    assertThat(s.candidateBasisPoints()).isEqualTo(1000);
    assertThat(s.reason()).isEqualTo("started by alice at stage canary (10%)");
  }

  @Test
  void percentages_have_basis_point_precision_and_refuse_a_third_decimal() {
    assertThat(Stage.basisPoints("s", new BigDecimal("12.5"))).isEqualTo(1250);
    assertThat(Stage.basisPoints("s", new BigDecimal("0.01"))).isEqualTo(1);
    assertThat(Stage.basisPoints("s", new BigDecimal("100.000"))).isEqualTo(10000);
    assertThat(Stage.ofPercentage("s", new BigDecimal("33.33"), Duration.ZERO, 0.01, false).percentage())
        .isEqualTo("33.33%");
    assertThatThrownBy(() -> Stage.basisPoints("canary", new BigDecimal("12.345")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("stage 'canary': percentage allows at most two decimals (basis points), got 12.345");
    assertThatThrownBy(() -> Stage.basisPoints("canary", new BigDecimal("100.01")))
        .hasMessage("stage 'canary': percentage must be between 0 and 100, got 100.01");
    assertThatThrownBy(() -> Stage.basisPoints("canary", new BigDecimal("-1")))
        .hasMessage("stage 'canary': percentage must be between 0 and 100, got -1");
  }

  @Test
  void a_stage_names_the_bad_field_and_number() {
    assertField(() -> new Stage("c", 10_001, Duration.ZERO, 0.1, false), "percentage",
        "stage 'c': percentage must be between 0 and 100, got 100.01");
    assertField(() -> new Stage("c", 10, Duration.ofSeconds(-1), 0.1, false), "minDurationSeconds",
        "stage 'c': minDurationSeconds must be between 0 and 2678400, got -1");
    assertField(() -> new Stage("c", 10, Duration.ZERO, 1.5, false), "maxErrorRate",
        "stage 'c': maxErrorRate must be between 0 and 1 (a ratio: 0.005 = 0.5%), got 1.5");
    assertField(() -> new Stage("c", 10, Duration.ZERO, Double.NaN, false), "maxErrorRate",
        "stage 'c': maxErrorRate must be between 0 and 1 (a ratio: 0.005 = 0.5%), got NaN");
    assertField(() -> new Stage(" ", 10, Duration.ZERO, 0.1, false), "name", "name must not be blank");
  }

  @Test
  void stages_must_strictly_increase_have_unique_names_and_end_at_100() {
    Stage a = new Stage("a", 1000, Duration.ZERO, 0.1, false);
    Stage full = new Stage("full", 10000, Duration.ZERO, 0.1, false);
    assertThat(Stages.of(a, full).size()).isEqualTo(2);
    assertThat(Stages.of(full).size()).isEqualTo(1);
    assertField(() -> new Stages(List.of()), "stages", "stages must contain at least one stage");
    assertField(() -> Stages.of(a, new Stage("b", 1000, Duration.ZERO, 0.1, false), full), "stages[1].percentage",
        "stage percentages must strictly increase: stages[1] 'b' is 10% after stages[0] 'a' at 10%");
    assertField(() -> Stages.of(new Stage("b", 2000, Duration.ZERO, 0.1, false), a, full), "stages[1].percentage",
        "stage percentages must strictly increase: stages[1] 'a' is 10% after stages[0] 'b' at 20%");
    assertField(() -> Stages.of(a, new Stage("a", 10000, Duration.ZERO, 0.1, false)), "stages[1].name",
        "stages[1].name 'a' is used by an earlier stage; names must be unique");
    assertField(() -> Stages.of(a, new Stage("half", 5000, Duration.ZERO, 0.1, false)), "stages[1].percentage",
        "the last stage must be at 100% (completing it makes the candidate everyone's version), "
            + "but stages[1] 'half' is at 50%");
  }

  @Test
  void analysis_settings_are_validated_with_field_and_number() {
    Duration s900 = Duration.ofSeconds(900);
    assertField(() -> AnalysisSettings.outcomes(Duration.ZERO), "analysis.intervalSeconds",
        "analysis.intervalSeconds must be between 1 and 86400, got 0");
    assertThat(AnalysisSettings.outcomes(Duration.ofSeconds(1)).interval()).isEqualTo(Duration.ofSeconds(1));
    assertField(() -> AnalysisSettings.outcomes(s900).withLimits(0, 0, 4), "analysis.minSamples",
        "analysis.minSamples must be between 1 and 1000000000, got 0");
    assertField(() -> AnalysisSettings.outcomes(s900).withLimits(1, -2, 4), "analysis.failureLimit",
        "analysis.failureLimit must be between -1 (never fail) and 1000, got -2");
    assertField(() -> AnalysisSettings.outcomes(s900).withLimits(1, 0, -1), "analysis.consecutiveErrorLimit",
        "analysis.consecutiveErrorLimit must be between 0 and 1000, got -1");
    assertField(() -> AnalysisSettings.Provider.parse("datadog"), "analysis.provider",
        "analysis.provider must be 'outcomes' or 'prometheus', got 'datadog'");
    assertThat(AnalysisSettings.Provider.parse("Prometheus")).isEqualTo(AnalysisSettings.Provider.PROMETHEUS);
    assertField(() -> new AnalysisSettings(AnalysisSettings.Provider.PROMETHEUS, s900, 1, 0, 4, null, "up"),
        "analysis.prometheusUrl", "analysis.prometheusUrl must be an absolute http(s) URL with a host when "
            + "provider is prometheus, got none");
    assertField(() -> new AnalysisSettings(AnalysisSettings.Provider.PROMETHEUS, s900, 1, 0, 4,
        URI.create("ftp://x/"), "up"), "analysis.prometheusUrl", "analysis.prometheusUrl must be an absolute "
            + "http(s) URL with a host when provider is prometheus, got 'ftp://x/'");
    assertField(() -> new AnalysisSettings(AnalysisSettings.Provider.PROMETHEUS, s900, 1, 0, 4,
        URI.create("http://127.0.0.1:9090"), " "), "analysis.query", "analysis.query must not be blank");
    assertField(() -> new AnalysisSettings(AnalysisSettings.Provider.PROMETHEUS, s900, 1, 0, 4,
        URI.create("http://ops:hunter2@127.0.0.1:9090"), "up"), "analysis.prometheusUrl", "analysis.prometheusUrl "
            + "must not carry credentials (user:password@): the URL is journaled and shown in the rollout's status");
    assertField(() -> new AnalysisSettings(AnalysisSettings.Provider.OUTCOMES, s900, 1, 0, 4, null, "up"),
        "analysis.query", "analysis.prometheusUrl and analysis.query only apply when provider is prometheus");
    assertThat(new AnalysisSettings(AnalysisSettings.Provider.PROMETHEUS, s900, 1, 0, 4,
        URI.create("http://127.0.0.1:9090"), "sum(rate(x[5m]))").query()).isEqualTo("sum(rate(x[5m]))");
    assertField(() -> OnFailure.parse("explode"), "onFailure", "onFailure must be 'step_back' or 'abort', got 'explode'");
    assertThat(OnFailure.parse("step-back")).isEqualTo(OnFailure.STEP_BACK);
  }

  @Test
  void failure_and_error_limits_are_strictly_greater_than() {
    AnalysisSettings zero = AnalysisSettings.DEFAULT;
    assertThat(zero.failed(0)).isFalse();
    assertThat(zero.failed(1)).isTrue();
    AnalysisSettings one = zero.withLimits(100, 1, 4);
    assertThat(one.failed(1)).isFalse();
    assertThat(one.failed(2)).isTrue();
    AnalysisSettings never = zero.withLimits(100, -1, 4);
    assertThat(never.failed(1_000_000)).isFalse();
    assertThat(zero.errored(4)).isFalse();
    assertThat(zero.errored(5)).isTrue();
  }

  @Test
  void the_transition_table_is_explicit_and_terminal_phases_go_nowhere() {
    assertThat(Phase.values()).filteredOn(Phase::isTerminal)
        .containsExactlyInAnyOrder(Phase.COMPLETED, Phase.ROLLED_BACK, Phase.ABORTED);
    assertThat(Phase.TRANSITIONS.get(Phase.AWAITING_APPROVAL))
        .containsExactlyInAnyOrder(Phase.PROGRESSING, Phase.PAUSED, Phase.ROLLED_BACK, Phase.ABORTED);
    assertThat(Phase.PAUSED.canGoTo(Phase.COMPLETED)).isFalse();
    assertThat(Phase.AWAITING_APPROVAL.canGoTo(Phase.COMPLETED)).isFalse();
    assertThat(Phase.PROGRESSING.requireTransition(Phase.COMPLETED, "complete")).isEqualTo(Phase.COMPLETED);
    assertThatThrownBy(() -> Phase.COMPLETED.requireTransition(Phase.PAUSED, "pause"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("cannot pause: rollout cannot go from COMPLETED to PAUSED (COMPLETED is terminal)");
    assertThatThrownBy(() -> Phase.PAUSED.requireTransition(Phase.PAUSED, "pause"))
        .hasMessage("cannot pause: rollout cannot go from PAUSED to PAUSED "
            + "(from PAUSED it may go to PROGRESSING, ROLLED_BACK, ABORTED)");
  }

  @Test
  void measurements_are_judged_with_a_sentence_naming_the_numbers() {
    Stage canary = Stages.DEFAULT_WITH_THRESHOLDS.get(0);
    AnalysisSettings a = AnalysisSettings.DEFAULT.withJudge(AnalysisSettings.THRESHOLD);
    assertThat(Judged.of(Measurement.Value.ofCounts(T0, 75, 12_040), 0, canary, a))
        .extracting(Judged::verdict, Judged::reason)
        .containsExactly(Verdict.FAIL, "error rate 0.62% > 0.50% over 12,040 requests");
    assertThat(Judged.of(Measurement.Value.ofCounts(T0, 5, 1000), 0, canary, a))
        .extracting(Judged::verdict, Judged::reason)
        .containsExactly(Verdict.PASS, "error rate 0.50% ≤ 0.50% over 1,000 requests"); // equal is a pass
    assertThat(Judged.of(Measurement.Value.ofCounts(T0, 0, 42), 0, canary, a))
        .extracting(Judged::verdict, Judged::reason)
        .containsExactly(Verdict.INCONCLUSIVE, "only 42 requests, fewer than minSamples 100 (error rate 0.00%)");
    assertThat(Judged.of(Measurement.Value.ofCounts(T0, 0, 0), 0, canary, a))
        .extracting(Judged::verdict, Judged::reason)
        .containsExactly(Verdict.INCONCLUSIVE, "no data: no requests reported for the candidate");
    assertThat(Judged.of(Measurement.Value.ofRatio(T0, Double.NaN), 0, canary, a).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(Judged.of(Measurement.Value.ofRatio(T0, 0.001), 0, canary, a))
        .extracting(Judged::verdict, Judged::reason)
        .containsExactly(Verdict.PASS, "error rate 0.10% ≤ 0.50%"); // a ratio has no sample count to floor
    assertThat(Judged.of(Measurement.Value.ofRatio(T0, -3), 0, canary, a).verdict()).isEqualTo(Verdict.ERROR);
    assertThat(Judged.of(new Measurement.ProviderError(T0, "connection refused"), 0, canary, a))
        .extracting(Judged::verdict, Judged::reason)
        .containsExactly(Verdict.ERROR, "provider error: connection refused");
    assertThatThrownBy(() -> Measurement.Value.ofCounts(T0, 5, 4))
        .hasMessage("outcome counts must satisfy 0 ≤ errors ≤ total, got errors 5, total 4");
  }

  @Test
  void stage_analysis_counts_keeps_a_bounded_history_and_pass_or_fail_end_an_error_run() {
    Stage canary = Stages.DEFAULT_WITH_THRESHOLDS.get(0);
    AnalysisSettings a = AnalysisSettings.DEFAULT;
    StageAnalysis s = StageAnalysis.EMPTY;
    s = s.with(Judged.of(new Measurement.ProviderError(T0, "down"), 0, canary, a));
    s = s.with(Judged.of(new Measurement.NoData(T0, "nothing"), 0, canary, a));
    s = s.with(Judged.of(new Measurement.ProviderError(T0, "down"), 0, canary, a));
    assertThat(s.consecutiveErrors()).isEqualTo(2); // an inconclusive does not end the run
    s = s.with(Judged.of(Measurement.Value.ofCounts(T0, 100, 1000), 0, canary, a));
    assertThat(s.consecutiveErrors()).isZero();
    assertThat(s.summary()).isEqualTo("0 pass, 1 fail, 1 inconclusive, 2 error");
    for (int i = 0; i < 150; i++) {
      s = s.with(Judged.of(Measurement.Value.ofCounts(T0.plusSeconds(i), 0, 1000), 0, canary, a));
    }
    assertThat(s.recent()).hasSize(StageAnalysis.MAX_KEPT);
    assertThat(s.passes()).isEqualTo(150);
    assertThat(s.latest().orElseThrow().measurement().at()).isEqualTo(T0.plusSeconds(149));
    assertThat(s.recent().getFirst().measurement().at()).isEqualTo(T0.plusSeconds(50));
  }

  private static void assertField(Runnable r, String field, String message) {
    assertThatThrownBy(r::run).isInstanceOf(InvalidInputException.class).hasMessage(message)
        .extracting(e -> ((InvalidInputException) e).field()).isEqualTo(field);
  }
}
