package io.rollgate.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Json;
import io.rollgate.rollout.judge.LiveJudge;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The judges wired into the rollout model: settings on the wire, the stored evidence rebuilt into buckets,
 * the ceiling and minSamples on top of a judge's verdict, and the reconciler's split rule.
 */
class JudgeWiringTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Stages TWO = Stages.of(
      new Stage("canary", 1_000, Duration.ofMinutes(10), OptionalDouble.empty(), false),
      new Stage("full", 10_000, Duration.ZERO, OptionalDouble.empty(), false));
  private static final AnalysisSettings MINUTELY = AnalysisSettings.outcomes(Duration.ofSeconds(60))
      .withLimits(100, 0, 4);

  // --- settings

  @Test
  void analysis_judge_alpha_and_delta_parse_print_and_are_refused_by_field() {
    AnalysisSettings a = RolloutJson.analysis(Json.parse("{\"judge\":\"growthbook\",\"alpha\":0.01,\"delta\":0.1}", "t"));
    assertThat(a.judge().judge()).isEqualTo("growthbook");
    assertThat(a.judge().alpha()).isEqualTo(0.01);
    assertThat(a.judge().delta()).isEqualTo(0.1);
    assertThat(RolloutJson.analysis(RolloutJson.toJson(a))).isEqualTo(a);
    assertThat(RolloutJson.analysis(Json.parse("{}", "t")).judge().judge()).isEqualTo("sequential");
    assertThat(RolloutJson.analysis(Json.parse("{\"alpha\":0.1}", "t")).judge())
        .extracting(j -> j.judge() + " " + j.alpha()).isEqualTo("sequential 0.1");

    refused("{\"judge\":\"bayes\"}", "analysis.judge", "analysis.judge must be one of sequential, threshold, "
        + "growthbook, kayenta, peeking, got 'bayes'");
    refused("{\"judge\":3}", "analysis.judge", "analysis.judge must be one of");
    refused("{\"alpha\":0.5}", "analysis.alpha", "analysis.alpha must be > 0 and < 0.5");
    refused("{\"alpha\":\"small\"}", "analysis.alpha", "analysis.alpha must be a number");
    refused("{\"delta\":-0.1}", "analysis.delta", "analysis.delta must be between 0 and 10");
    refused("{\"delta\":1e400}", "analysis.delta", "analysis.delta must be between 0 and 10");
  }

  @Test
  void prometheus_judges_with_thresholds_only_and_gets_004s_by_default() {
    String prom = "{\"provider\":\"prometheus\",\"prometheusUrl\":\"http://127.0.0.1:9090\",\"query\":\"up\"";
    assertThat(RolloutJson.analysis(Json.parse(prom + "}", "t")).judge().judge()).isEqualTo("threshold");
    refused(prom + ",\"judge\":\"sequential\"}", "analysis.judge",
        "analysis.judge must be 'threshold' when provider is prometheus, got 'sequential'");
    RolloutSpec spec = RolloutJson.spec(Json.parse("{\"author\":\"a\",\"analysis\":" + prom + "}}", "t"));
    assertThat(spec.stages()).isEqualTo(Stages.DEFAULT_WITH_THRESHOLDS);
  }

  @Test
  void stages_may_omit_maxErrorRate_except_under_the_threshold_judge() {
    String stages = "[{\"name\":\"a\",\"percentage\":50},{\"name\":\"b\",\"percentage\":100,\"maxErrorRate\":0.02}]";
    RolloutSpec seq = RolloutJson.spec(Json.parse("{\"author\":\"a\",\"stages\":" + stages + "}", "t"));
    assertThat(seq.stages().get(0).maxErrorRate()).isEmpty();
    assertThat(seq.stages().get(1).maxErrorRate()).hasValue(0.02);
    assertThat(RolloutJson.toJson(seq.stages().get(0)).get("maxErrorRate").isNull()).isTrue();
    assertThat(RolloutJson.spec(RolloutJson.toJson(seq))).isEqualTo(seq);
    assertThat(RolloutJson.spec(Json.parse("{\"author\":\"a\"}", "t")).stages()).isEqualTo(Stages.DEFAULT);

    assertThatThrownBy(() -> RolloutJson.spec(Json.parse("{\"author\":\"a\",\"stages\":" + stages
        + ",\"analysis\":{\"judge\":\"threshold\"}}", "t")))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("stages[0].maxErrorRate"))
        .hasMessageContaining("the threshold judge fails a stage whose candidate error rate is above it");
  }

  @Test
  void a_spec_stored_before_judges_keeps_judging_with_its_thresholds() {
    var old = Json.parse("{\"author\":\"a\",\"stages\":[{\"name\":\"all\",\"percentage\":100,\"maxErrorRate\":0.01}],"
        + "\"analysis\":{\"provider\":\"outcomes\",\"intervalSeconds\":60,\"minSamples\":1,\"failureLimit\":0,"
        + "\"consecutiveErrorLimit\":4}}", "t");
    assertThat(RolloutJson.storedSpec(old).analysis().judge().judge()).isEqualTo("threshold");
    assertThat(RolloutJson.spec(old).analysis().judge().judge()).isEqualTo("sequential"); // a new request: the default
  }

  // --- the stored evidence, rebuilt

  @Test
  void live_judge_cuts_buckets_at_transitions_counts_the_current_analysis_and_checks_its_split() {
    RolloutSpec spec = new RolloutSpec(TWO, MINUTELY, OnFailure.STEP_BACK, "a", false);
    long t0 = T0.getEpochSecond();
    // canary from t0, full from t0 + 605 (mid-bucket: the bucket 600..609 is cut at 605)
    var segments = List.of(new LiveJudge.Segment(t0, 0, 1_000), new LiveJudge.Segment(t0 + 605, 1, 10_000));
    List<LiveJudge.Second> rows = List.of(
        new LiveJudge.Second(t0 + 1, 100, 1, 900, 9),
        new LiveJudge.Second(t0 + 601, 10, 0, 90, 1),
        new LiveJudge.Second(t0 + 605, 50, 2, 0, 0), // the second of the transition counts for the new stage
        new LiveJudge.Second(t0 + 700, 50, 0, 0, 0));
    Instant analysisStart = Instant.ofEpochSecond(t0 + 605, 300_000_000);
    Measurement.Comparison c = judge(spec, segments, rows, analysisStart, T0.plusSeconds(760));
    assertThat(c.judge()).isEqualTo("sequential");
    assertThat(c.stage()).isEqualTo(new Measurement.Counts(100, 2, 0, 0)); // only the analysis' seconds
    assertThat(c.split().status()).isEqualTo(Measurement.Split.HEALTHY); // all on the candidate at 100%
    assertThat(c.split().expectedCandidate()).isEqualTo(100);
    assertThat(c.sentence()).contains("3 candidate errors in 210 requests vs 10 baseline errors in 990");
    assertThat(c.verdict()).isEqualTo(Verdict.PASS);

    // the same rows fed again give the same answer, bit for bit (what a restart relies on)
    assertThat(judge(spec, segments, rows, analysisStart, T0.plusSeconds(760))).isEqualTo(c);
    // baseline traffic at a 100% stage is a broken split
    var broken = new ArrayList<>(rows);
    broken.add(new LiveJudge.Second(t0 + 701, 0, 0, 40, 0));
    assertThat(judge(spec, segments, broken, analysisStart, T0.plusSeconds(760)).split().isMismatch()).isTrue();
    LiveJudge backwards = new LiveJudge(spec, segments, analysisStart);
    backwards.add(rows.get(1));
    assertThatThrownBy(() -> backwards.add(rows.get(0))).hasMessageContaining("increasing order");
  }

  @Test
  void buckets_are_ten_seconds_or_a_sixth_of_a_shorter_interval() {
    assertThat(LiveJudge.bucketSeconds(Duration.ofSeconds(900))).isEqualTo(10);
    assertThat(LiveJudge.bucketSeconds(Duration.ofSeconds(30))).isEqualTo(5);
    assertThat(LiveJudge.bucketSeconds(Duration.ofSeconds(1))).isEqualTo(1);
  }

  // --- the verdict on top of the judge's

  @Test
  void a_judges_fail_stands_at_any_sample_size_the_ceiling_and_minSamples_come_on_top() {
    Stage ceiling = new Stage("canary", 1_000, Duration.ZERO, 0.005, false);
    Stage none = TWO.get(0);
    var fail = comparison(Verdict.FAIL, 10, 5, 90, 0);
    assertThat(Judged.of(fail, 0, none, MINUTELY).verdict()).isEqualTo(Verdict.FAIL); // 10 < minSamples: still FAIL
    assertThat(Judged.of(fail, 0, none, MINUTELY).reason()).isEqualTo("sequential: the judge's sentence");

    var pass = comparison(Verdict.PASS, 1_000, 10, 9_000, 90); // 1% on both sides
    assertThat(Judged.of(pass, 0, none, MINUTELY).verdict()).isEqualTo(Verdict.PASS);
    Judged capped = Judged.of(pass, 0, ceiling, MINUTELY);
    assertThat(capped.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(capped.reason()).isEqualTo("candidate error rate 1.00% > ceiling maxErrorRate 0.50% over 1,000 candidate "
        + "requests in this stage (the judge alone would not fail it: sequential: the judge's sentence)");
    // under the threshold judge, maxErrorRate is the judge's own bar, not a second ceiling
    AnalysisSettings threshold = MINUTELY.withJudge(AnalysisSettings.THRESHOLD);
    assertThat(Judged.of(comparison(Verdict.PASS, 1_000, 10, 0, 0), 0, ceiling, threshold).verdict())
        .isEqualTo(Verdict.PASS);

    var thin = comparison(Verdict.PASS, 40, 1, 360, 4);
    assertThat(Judged.of(thin, 0, ceiling, MINUTELY)).extracting(Judged::verdict, Judged::reason)
        .containsExactly(Verdict.INCONCLUSIVE, "only 40 candidate requests in this stage, fewer than minSamples 100; "
            + "sequential: the judge's sentence"); // nor does the ceiling judge 1 error in 40
    assertThat(Judged.of(comparison(Verdict.INCONCLUSIVE, 1_000, 1, 9_000, 9), 0, none, MINUTELY).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
  }

  // --- the reconciler's split rule

  @Test
  void a_mismatch_pauses_even_awaiting_approval_and_a_failing_judge_is_never_hidden_by_it() {
    RolloutSpec spec = new RolloutSpec(TWO, MINUTELY, OnFailure.STEP_BACK, "a", false);
    RolloutState s = RolloutState.start(spec, T0);
    Instant at = T0.plusSeconds(60);
    Step paused = Reconciler.decide(s, at, Optional.of(mismatched(at, Verdict.PASS)));
    assertThat(paused.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(paused.state().reason()).startsWith("sample_ratio_mismatch: paused at stage canary (10%): split broken");

    Step rolled = Reconciler.decide(s, at, Optional.of(mismatched(at, Verdict.FAIL)));
    assertThat(rolled.state().phase()).isEqualTo(Phase.ROLLED_BACK);

    // with failureLimit 1, a first FAIL is counted and the rollout stays: the split waits for the next check
    RolloutState lenient = RolloutState.start(new RolloutSpec(TWO, MINUTELY.withLimits(100, 1, 4), OnFailure.STEP_BACK,
        "a", false), T0);
    Step counted = Reconciler.decide(lenient, at, Optional.of(mismatched(at, Verdict.FAIL)));
    assertThat(counted.decision()).isInstanceOf(Decision.Stay.class);
    assertThat(counted.state().analysis().failures()).isEqualTo(1);

    Stages approval = Stages.of(TWO.get(0), new Stage("full", 10_000, Duration.ZERO, OptionalDouble.empty(), true));
    RolloutState waiting = RolloutState.start(new RolloutSpec(approval, MINUTELY, OnFailure.STEP_BACK, "a", false), T0);
    Instant tenMinutes = T0.plusSeconds(600);
    waiting = Reconciler.decide(waiting, tenMinutes,
        Optional.of(comparison(tenMinutes, Verdict.PASS, 1_000, 0, 9_000, 0))).state();
    assertThat(waiting.phase()).isEqualTo(Phase.AWAITING_APPROVAL);
    Instant later = T0.plusSeconds(660);
    assertThat(Reconciler.decide(waiting, later, Optional.of(mismatched(later, Verdict.PASS))).state().phase())
        .isEqualTo(Phase.PAUSED);
  }

  // --- helpers

  private static void refused(String analysis, String field, String message) {
    assertThatThrownBy(() -> RolloutJson.analysis(Json.parse(analysis, "t")))
        .as(analysis).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(field))
        .hasMessageContaining(message);
  }

  private static Measurement.Comparison judge(RolloutSpec spec, List<LiveJudge.Segment> segments,
      List<LiveJudge.Second> rows, Instant analysisStart, Instant now) {
    LiveJudge live = new LiveJudge(spec, segments, analysisStart);
    rows.forEach(live::add);
    return live.result(now);
  }

  private static Measurement.Comparison comparison(Verdict v, long nc, long ec, long nb, long eb) {
    return comparison(T0, v, nc, ec, nb, eb);
  }

  private static Measurement.Comparison comparison(Instant at, Verdict v, long nc, long ec, long nb, long eb) {
    return new Measurement.Comparison(at, "sequential", v, 1, 20, "the judge's sentence",
        new Measurement.Counts(nc, ec, nb, eb), new Measurement.Split(Measurement.Split.HEALTHY, 0, 1, nc,
            nc, nc + nb, "split healthy"));
  }

  private static Measurement.Comparison mismatched(Instant at, Verdict v) {
    return new Measurement.Comparison(at, "sequential", v, v == Verdict.FAIL ? 25 : 1, 20, "the judge's sentence",
        new Measurement.Counts(300, 0, 700, 0), new Measurement.Split(Measurement.Split.MISMATCH, 444.4, 1e-98, 300,
            100, 1_000, "split broken"));
  }
}
