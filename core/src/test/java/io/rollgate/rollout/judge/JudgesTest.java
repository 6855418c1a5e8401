package io.rollgate.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rollgate.error.InvalidInputException;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Stages;
import io.rollgate.rollout.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each judge pinned against values computed by hand from the formulas of reference §4–§7 (the
 * computation is in the comment above each assertion).
 */
class JudgesTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration MINUTE = Duration.ofMinutes(1);
  static final JudgeContext CTX = new JudgeContext(MINUTE, List.of(0.005, 0.004, 0.003, 0.002), 1);

  static Bucket bucket(int second, int stage, int shareBp, long nc, long ec, long nb, long eb) {
    return new Bucket(T0.plusSeconds(second), stage, shareBp, nc, ec, nb, eb);
  }

  static JudgeResult judge(Judge j, Instant now, Bucket... buckets) {
    return j.judge(List.of(buckets), CTX, now);
  }

  // ---------------------------------------------------------------- sequential (§7.1)

  @Test
  void sequentialPinsTheMixtureOnOneBucket() {
    // π = 100/1000 = 0.1, e_c = 5, e_b = 5, λ0 = 1: ℓ(g) = 5 ln g − 10 ln(1 + 0.1 (g − 1))
    //   g=1.25: 1.115718 − 10 ln 1.025 (0.246926) = 0.868792 → e^ = 2.3840
    //   g=1.5 : 2.027326 − 10 ln 1.05  (0.487902) = 1.539424 → 4.6619
    //   g=2   : 3.465736 − 10 ln 1.1   (0.953102) = 2.512634 → 12.3374
    //   g=3   : 5.493061 − 10 ln 1.2   (1.823216) = 3.669846 → 39.2459
    //   g=5   : 8.047190 − 10 ln 1.4   (3.364722) = 4.682467 → 108.0363
    //   g=10  : 11.512925 − 10 ln 1.9  (6.418539) = 5.094387 → 163.1038
    //   M = (2.3840 + 4.6619 + 12.3374 + 39.2459 + 108.0363 + 163.1038)/6 = 54.9615 ≥ 20 = 1/0.05 → FAIL
    // Mantel–Haenszel relative risk: (5 · 900/1000)/(5 · 100/1000) = 4.5/0.5 = 9
    JudgeResult r = judge(Judges.parse("sequential"), T0.plusSeconds(60), bucket(0, 0, 1000, 100, 5, 900, 5));
    assertThat(r).isInstanceOf(JudgeResult.Fail.class);
    assertThat(r.statistic()).isCloseTo(54.9615, within(1e-3));
    assertThat(r.threshold()).isEqualTo(20.0);
    assertThat(r.reason()).contains("evidence ratio M = 55 ≥ 20 = 1/α (α 0.05)", "5 candidate errors in 100",
        "5 baseline errors in 900", "relative risk ≈ 9");
    assertThat(SequentialJudge.logM(new double[] {0.868792, 1.539424, 2.512634, 3.669846, 4.682467, 5.094387}))
        .isCloseTo(Math.log(54.9615), within(1e-5));
  }

  @Test
  void sequentialPassesWhenTheErrorsFollowTheSplit() {
    // π = 0.1, e_c = 1, e_b = 9 (the candidate's exact share): ℓ(g) = ln g − 10 ln(1 + 0.1(g − 1))
    //   g=1.25: 0.223144 − 0.246926 = −0.023783;  g=10: 2.302585 − 6.418539 = −4.115954 …
    //   M = (0.97650 + 0.92087 + 0.77107 + 0.48453 + 0.17286 + 0.01631)/6 = 0.55702 < 20 → PASS
    JudgeResult r = judge(Judges.parse("sequential"), T0.plusSeconds(60), bucket(0, 0, 1000, 100, 1, 900, 9));
    assertThat(r).isInstanceOf(JudgeResult.Pass.class);
    assertThat(r.statistic()).isCloseTo(0.557023, within(1e-5));
    assertThat(r.verdict()).isEqualTo(Verdict.PASS);
  }

  @Test
  void sequentialToleranceDeltaShiftsTheNullHypothesis() {
    // δ = 0.5 → λ0 = 1.5, grid λ = 1.5 g; same bucket as the first test (π 0.1, 5 vs 5):
    //   ℓ(g) = 5 ln g − 10 ln((0.1 · 1.5g + 0.9)/(0.1 · 1.5 + 0.9)) = 5 ln g − 10 ln((0.15 g + 0.9)/1.05)
    //   g=2: 3.465736 − 10 ln(1.2/1.05) (1.335314) = 2.130422; g=10: 11.512925 − 10 ln(2.4/1.05) (8.266786) = 3.246140
    //   M = 15.6311 < 20 → the same counts now PASS: 50% worse is tolerated, 9× is not shown strongly enough
    JudgeResult r = judge(Judges.parse("sequential", 0.05, 0.5), T0.plusSeconds(60),
        bucket(0, 0, 1000, 100, 5, 900, 5));
    assertThat(r).isInstanceOf(JudgeResult.Pass.class);
    assertThat(r.statistic()).isCloseTo(15.6311, within(1e-3));
    assertThat(r.reason()).contains("tolerated 1.5");
  }

  @Test
  void sequentialSumsBucketsWithTheirOwnSplit() {
    // bucket 1: π = 0.1, 2 vs 10 errors; bucket 2: π = 0.5, 9 vs 4 errors. L(g) = Σ_k [e_c,k ln g − E_k ln(1 + π_k(g−1))]
    //   g=2: (2·0.693147 − 12 ln 1.1) + (9·0.693147 − 13 ln 1.5) = 0.242596 + 0.967254 = 1.209850
    //   M = mean(e^0.627088, e^0.973768, e^1.209850, e^0.885963, e^−0.615810, e^−4.535536) = 1.808214
    //   MH relative risk: (2·900/1000 + 9·500/1000)/(10·100/1000 + 4·500/1000) = (1.8 + 4.5)/(1 + 2) = 2.1
    JudgeResult r = judge(Judges.parse("sequential"), T0.plusSeconds(60),
        bucket(0, 0, 1000, 100, 2, 900, 10), bucket(10, 1, 5000, 500, 9, 500, 4));
    assertThat(r.statistic()).isCloseTo(1.808214, within(1e-5));
    assertThat(r.reason()).contains("relative risk ≈ 2.1");
  }

  @Test
  void poolingAcrossStagesDoesNotBiasSequentialButFoolsPeeking() {
    // The baseline error rate quadruples between stages (0.5% at the 10% split, 2% at the 75% split) and
    // the candidate is exactly as good as the baseline in each. Pooled, the candidate looks 2.2× worse:
    //   candidate (5 + 150)/(1,000 + 7,500) = 1.82%, baseline (45 + 50)/(9,000 + 2,500) = 0.83%.
    // Per bucket the errors split exactly as the traffic does (q = π), so every ℓ(λ > 1) < 0 and M < 1.
    Bucket calm = bucket(0, 0, 1000, 1_000, 5, 9_000, 45);
    Bucket busy = bucket(10, 3, 7500, 7_500, 150, 2_500, 50);
    JudgeResult seq = judge(Judges.parse("sequential"), T0.plusSeconds(20), calm, busy);
    assertThat(seq).isInstanceOf(JudgeResult.Pass.class);
    assertThat(seq.statistic()).isLessThan(1);
    assertThat(seq.reason()).contains("relative risk ≈ 1");
    JudgeResult gb = judge(Judges.parse("growthbook"), T0.plusSeconds(20), calm, busy);
    assertThat(gb).isInstanceOf(JudgeResult.Pass.class); // stratified by stage: θ̂_g = 0 in both stages
    assertThat(judge(Judges.parse("peeking"), T0.plusSeconds(20), calm, busy)).isInstanceOf(JudgeResult.Fail.class);
  }

  @Test
  void sequentialNeverFailsOnNoErrorsAndIsInconclusiveWithoutTraffic() {
    Judge j = Judges.parse("sequential");
    JudgeResult none = j.judge(List.of(), CTX, T0);
    assertThat(none).isInstanceOf(JudgeResult.Inconclusive.class);
    assertThat(none.reason()).contains("only 0 candidate requests");
    // no errors at all: M = mean(e^0) = 1
    JudgeResult clean = judge(j, T0.plusSeconds(60), bucket(0, 0, 1000, 100, 0, 900, 0));
    assertThat(clean).isInstanceOf(JudgeResult.Pass.class);
    assertThat(clean.statistic()).isEqualTo(1.0);
    // minSamples gates a pass, never a fail (the test is valid at any sample size)
    JudgeContext strict = new JudgeContext(MINUTE, List.of(0.005), 1_000);
    assertThat(j.judge(List.of(bucket(0, 0, 1000, 100, 0, 900, 0)), strict, T0.plusSeconds(60)))
        .isInstanceOf(JudgeResult.Inconclusive.class);
    assertThat(j.judge(List.of(bucket(0, 0, 1000, 100, 5, 900, 5)), strict, T0.plusSeconds(60)))
        .isInstanceOf(JudgeResult.Fail.class);
  }

  // ---------------------------------------------------------------- growthbook (§2.3, §7.2)

  @Test
  void growthBookWidthMatchesTheReferenceTable() {
    // h/√v at α 0.05, N* 5000 (reference §2.3): 6.61, 3.15, 2.78, 2.80, 3.09, 3.43
    GrowthBookJudge gb = new GrowthBookJudge(0.05, 0, 5_000);
    assertThat(gb.widthMultiplier(100)).isCloseTo(6.61, within(0.005));
    assertThat(gb.widthMultiplier(1_000)).isCloseTo(3.15, within(0.005));
    assertThat(gb.widthMultiplier(5_000)).isCloseTo(2.78, within(0.005));
    assertThat(gb.widthMultiplier(10_000)).isCloseTo(2.80, within(0.005));
    assertThat(gb.widthMultiplier(100_000)).isCloseTo(3.09, within(0.005));
    assertThat(gb.widthMultiplier(1_000_000)).isCloseTo(3.43, within(0.005));
  }

  @Test
  void growthBookPinsTheLowerBoundOfOneStage() {
    // p̂_c = 30/1000 = 0.03, p̂_b = 90/9000 = 0.01, θ̂ = 0.02
    // v = 0.03·0.97/1000 + 0.01·0.99/9000 = 2.91e-5 + 1.1e-6 = 3.02e-5, √v = 0.0054955
    // ρ² = (−2 ln 0.1 + ln(1 − 2 ln 0.1))/5000 = (4.605170 + 1.723689)/5000 = 0.00126577, N = 10,000
    // Nρ² = 12.6577; h/√v = √(2 · 13.6577/12.6577 · ln(1 + √13.6577/0.1)) = √(2.15800 · 3.636439) = 2.801331
    // h = 0.0054955 · 2.801331 = 0.015395; lower = 0.02 − 0.015395 = 0.004605 > 0 → FAIL
    JudgeResult r = judge(Judges.parse("growthbook"), T0.plusSeconds(60), bucket(0, 0, 1000, 1_000, 30, 9_000, 90));
    assertThat(r).isInstanceOf(JudgeResult.Fail.class);
    assertThat(r.statistic()).isCloseTo(0.004605420, within(1e-8));
    assertThat(r.threshold()).isZero();
    assertThat(r.reason()).contains("lower bound 0.46% > 0", "over 10,000 requests in 1 stage");
  }

  @Test
  void growthBookStratifiesByStage() {
    // stage 0: 1000/20 vs 9000/90 → θ̂ = 0.02 − 0.01 = 0.01, W = 900, v = 0.02·0.98/1000 + 0.01·0.99/9000 = 2.07e-5
    // stage 1: 5000/80 vs 5000/50 → θ̂ = 0.016 − 0.01 = 0.006, W = 2500, v = 0.016·0.984/5000 + 0.01·0.99/5000 = 5.1288e-6
    // θ̂ = (900·0.01 + 2500·0.006)/3400 = 24/3400 = 0.00705882
    // v = (900²·2.07e-5 + 2500²·5.1288e-6)/3400² = (16.767 + 32.055)/11,560,000 = 4.22336e-6
    // N = 20,000 → h/√v = 2.868197; lower = 0.00705882 − 0.00205510·2.868197 = 0.00116445 > 0 → FAIL
    JudgeResult r = judge(Judges.parse("growthbook"), T0.plusSeconds(60),
        bucket(0, 0, 1000, 1_000, 20, 9_000, 90), bucket(10, 1, 5000, 5_000, 80, 5_000, 50));
    assertThat(r).isInstanceOf(JudgeResult.Fail.class);
    assertThat(r.statistic()).isCloseTo(0.00116445, within(1e-8));
    assertThat(r.reason()).contains("in 2 stages");
  }

  @Test
  void growthBookNeedsAnErrorInEachCohort() {
    JudgeResult r = judge(Judges.parse("growthbook"), T0.plusSeconds(60), bucket(0, 0, 1000, 1_000, 30, 9_000, 0));
    assertThat(r).isInstanceOf(JudgeResult.Inconclusive.class);
    assertThat(r.reason()).contains("at least one error in each cohort (30 candidate, 0 baseline errors)");
  }

  // ---------------------------------------------------------------- peeking (§8.2 D2)

  @Test
  void peekingPinsTheZScore() {
    // 15/1000 vs 90/9000: p̄ = 105/10,000 = 0.0105, se = √(0.0105·0.9895·(1/1000 + 1/9000)) = 0.0033977
    //   z = (0.015 − 0.01)/0.0033977 = 1.471596 ≤ 1.644854 → PASS
    // 17/1000 vs 90/9000: p̄ = 0.0107, se = 0.0034296, z = 0.007/0.0034296 = 2.041096 > 1.644854 → FAIL
    JudgeResult pass = judge(Judges.parse("peeking"), T0.plusSeconds(60), bucket(0, 0, 1000, 1_000, 15, 9_000, 90));
    assertThat(pass).isInstanceOf(JudgeResult.Pass.class);
    assertThat(pass.statistic()).isCloseTo(1.471596, within(1e-6));
    assertThat(pass.threshold()).isCloseTo(1.644854, within(1e-6));
    JudgeResult fail = judge(Judges.parse("peeking"), T0.plusSeconds(60), bucket(0, 0, 1000, 1_000, 17, 9_000, 90));
    assertThat(fail).isInstanceOf(JudgeResult.Fail.class);
    assertThat(fail.statistic()).isCloseTo(2.041096, within(1e-6));
    assertThat(fail.reason()).contains("z = 2.04 > 1.64", "not corrected for repeated looks");
  }

  // ---------------------------------------------------------------- threshold (004, §6)

  @Test
  void thresholdJudgesTheLastWindowOfTheCurrentStageAgainstItsMaxErrorRate() {
    Judge j = Judges.parse("threshold");
    // stage 0 (0.5%): 3 errors in 500 = 0.6% > 0.5% → FAIL
    JudgeResult fail = judge(j, T0.plusSeconds(60), bucket(0, 0, 1000, 250, 1, 2_250, 0),
        bucket(30, 0, 1000, 250, 2, 2_250, 0));
    assertThat(fail).isInstanceOf(JudgeResult.Fail.class);
    assertThat(fail.statistic()).isEqualTo(0.006);
    assertThat(fail.threshold()).isEqualTo(0.005);
    assertThat(fail.reason()).isEqualTo(
        "candidate error rate 0.60% > maxErrorRate 0.50% (3 errors in 500 candidate requests over the last 1m)");
    // a minute later the window holds only the newest bucket, in stage 1 (0.4%): 2 in 1000 = 0.2% → PASS;
    // the older bucket of stage 0 inside the window does not count (a window never mixes splits)
    JudgeResult pass = judge(j, T0.plusSeconds(120), bucket(0, 0, 1000, 250, 1, 2_250, 0),
        bucket(70, 0, 1000, 250, 3, 2_250, 0), bucket(110, 1, 2500, 1_000, 2, 3_000, 0));
    assertThat(pass).isInstanceOf(JudgeResult.Pass.class);
    assertThat(pass.statistic()).isEqualTo(0.002);
    assertThat(pass.threshold()).isEqualTo(0.004);
    // nothing in the window: inconclusive, never a pass
    assertThat(judge(j, T0.plusSeconds(600), bucket(0, 0, 1000, 250, 1, 2_250, 0)))
        .isInstanceOf(JudgeResult.Inconclusive.class);
  }

  // ---------------------------------------------------------------- kayenta (§5)

  @Test
  void kayentaPinsTheMannWhitneyIntervalAgainstABisectionOfKayentasFunction() {
    // x = candidate rates, y = baseline rates; every x exceeds every y. The 36 differences x_i − y_j sorted
    // run from 0.007 to 0.031; Kayenta's f(μ) = (dz − ½ sgn dz)/σ − 2.326348 crosses 0 (found by a
    // 200-step bisection of the same function in a script) at lower 0.010 and upper 0.029; the median
    // difference (Hodges–Lehmann) is 0.0195, so the bar is 0.25 · 0.0195 = 0.004875 < 0.010 and the mean
    // ratio 0.03/0.010833 = 2.769 ≥ 1 → High
    double[] x = {0.02, 0.03, 0.025, 0.04, 0.035, 0.03};
    double[] y = {0.01, 0.012, 0.011, 0.009, 0.013, 0.01};
    MannWhitney.Interval ci = MannWhitney.interval(x, y, 0.98);
    assertThat(ci.lower()).isCloseTo(0.010, within(1e-12));
    assertThat(ci.upper()).isCloseTo(0.029, within(1e-12));
    assertThat(ci.estimate()).isCloseTo(0.0195, within(1e-12));
    // the textbook example with ties: [-6.5, 1.5], estimate -2.5
    MannWhitney.Interval t = MannWhitney.interval(new double[] {1, 2, 3, 4, 5, 6},
        new double[] {3.5, 4.5, 5.5, 6.5, 7.5, 8.5}, 0.98);
    assertThat(t).isEqualTo(new MannWhitney.Interval(-6.5, 1.5, -2.5));
    // low traffic, mostly zero rates: [-0.002, 0.019], estimate 0 → the bar is 0 and the lower bound is below it
    MannWhitney.Interval z = MannWhitney.interval(new double[] {0, 0, 0.01, 0, 0.02, 0},
        new double[] {0, 0.001, 0, 0.002, 0, 0.001}, 0.98);
    assertThat(z.lower()).isCloseTo(-0.002, within(1e-12));
    assertThat(z.upper()).isCloseTo(0.019, within(1e-12));
    assertThat(z.estimate()).isZero();
  }

  @Test
  void kayentaClassifiesHighOnlyOverTheWindow() {
    Judge j = Judges.parse("kayenta");
    double[] x = {0.02, 0.03, 0.025, 0.04, 0.035, 0.03};
    double[] y = {0.01, 0.012, 0.011, 0.009, 0.013, 0.01};
    Bucket[] bs = new Bucket[6];
    for (int i = 0; i < 6; i++) {
      bs[i] = bucket(10 * i, 0, 5000, 1_000, Math.round(x[i] * 1_000), 1_000, Math.round(y[i] * 1_000));
    }
    JudgeResult r = judge(j, T0.plusSeconds(60), bs);
    assertThat(r).isInstanceOf(JudgeResult.Fail.class);
    assertThat(r.statistic()).isCloseTo(0.010, within(1e-12));
    assertThat(r.threshold()).isCloseTo(0.004875, within(1e-12));
    assertThat(r.reason()).startsWith("High: lower bound 1.00% > 0.25 × |estimate| = 0.49%");
    // identical series pass; an empty window is inconclusive
    assertThat(judge(j, T0.plusSeconds(60), bucket(0, 0, 5000, 100, 1, 100, 1))).isInstanceOf(JudgeResult.Pass.class);
    assertThat(judge(j, T0.plusSeconds(600), bs)).isInstanceOf(JudgeResult.Inconclusive.class);
  }

  @Test
  void everyJudgesFastVerdictAgreesWithItsFullResult() {
    // random traffic with errors on both sides, a check every 6 buckets: verdict(now) == check(now).verdict()
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    for (String name : Judges.NAMES) {
      Judge.Session s = Judges.parse(name).session(CTX);
      int verdicts = 0;
      for (int k = 0; k < 240; k++) {
        int stage = k / 60;
        long nc = rnd.nextInt(0, 60);
        long nb = rnd.nextInt(0, 200);
        s.add(bucket(10 * k, stage, 1000 + 2000 * stage, nc, nc == 0 ? 0 : rnd.nextLong(0, Math.min(nc, 4) + 1), nb,
            rnd.nextLong(0, Math.min(nb, 2) + 1)));
        if ((k + 1) % 6 == 0) {
          Instant now = T0.plusSeconds(10L * (k + 1));
          assertThat(s.verdict(now)).as(name + " at bucket " + k).isEqualTo(s.check(now).verdict());
          verdicts++;
        }
      }
      assertThat(verdicts).isEqualTo(40);
    }
  }

  // ---------------------------------------------------------------- factory and inputs

  @Test
  void judgesAreParsedByNameWithValidatedSettings() {
    assertThat(Judges.NAMES).containsExactly("sequential", "threshold", "growthbook", "kayenta", "peeking");
    for (String name : Judges.NAMES) {
      assertThat(Judges.parse(name).name()).isEqualTo(name);
    }
    assertThat(Judges.parse(" Sequential ").describe()).isEqualTo("sequential (α 0.05, δ 0)");
    assertThat(JudgeSettings.DEFAULT.create()).isEqualTo(new SequentialJudge(0.05, 0));
    assertThatThrownBy(() -> Judges.parse("bayesian"))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("analysis.judge"))
        .hasMessage("analysis.judge must be one of sequential, threshold, growthbook, kayenta, peeking, got 'bayesian'");
    assertThatThrownBy(() -> Judges.parse("sequential", 0.5, 0))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("analysis.alpha"))
        .hasMessageContaining("got 0.5");
    assertThatThrownBy(() -> Judges.parse("sequential", Double.NaN, 0)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Judges.parse("sequential", 0.05, -0.1))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("analysis.delta"));
  }

  @Test
  void bucketsAndSessionsRefuseBadInput() {
    assertThatThrownBy(() -> bucket(0, 0, 1000, 10, 11, 0, 0))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("bucket.candidateErrors"))
        .hasMessage("candidate counts must satisfy 0 ≤ errors ≤ requests, got errors 11, requests 10");
    assertThatThrownBy(() -> bucket(0, 0, 10_001, 0, 0, 0, 0)).isInstanceOf(InvalidInputException.class);
    Judge.Session s = Judges.parse("sequential").session(CTX);
    s.add(bucket(10, 0, 1000, 1, 0, 9, 0));
    assertThatThrownBy(() -> s.add(bucket(10, 0, 1000, 1, 0, 9, 0)))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("bucket.start"))
        .hasMessageContaining("in time order");
  }

  @Test
  void contextFromStagesCarriesTheirThresholds() {
    JudgeContext ctx = JudgeContext.of(Stages.DEFAULT_WITH_THRESHOLDS, MINUTE, 100);
    assertThat(ctx.maxErrorRates()).containsExactly(0.005, 0.004, 0.003, 0.002, 0.002);
    assertThat(ctx.minRequests()).isEqualTo(100);
    JudgeContext one = JudgeContext.of(Stages.of(new Stage("all", 10_000, Duration.ZERO, 0.01, false)), MINUTE, 1);
    // a bucket of a stage the context does not know: the threshold judge cannot judge it
    assertThat(Judges.parse("threshold").judge(List.of(bucket(0, 3, 1000, 10, 0, 90, 0)), one, T0.plusSeconds(60)))
        .isInstanceOf(JudgeResult.Inconclusive.class);
  }
}
