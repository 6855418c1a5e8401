package io.rollgate.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rollgate.error.InvalidInputException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulation engine on small grids: reproducible, paired, and measuring what it claims. */
class SimulatorTest {
  static SimulationSpec spec(double rate, double p0, List<Double> multipliers, int runs, Duration onset,
      boolean drift, boolean srmBug) {
    SimulationSpec d = SimulationSpec.defaultGrid();
    return new SimulationSpec(List.of(rate), List.of(p0), multipliers, runs, runs, d.stageBasisPoints(),
        d.stageDuration(), d.checkInterval(), d.bucketWidth(), drift ? SimulationSpec.DRIFT : 0, onset, srmBug,
        d.detectors(), d.alpha(), d.delta(), null, 7);
  }

  static Report run(SimulationSpec s, int threads) {
    return Simulator.run(s, threads, (done, total) -> { });
  }

  @Test
  void resultsDependOnTheSeedOnlyNotOnThreads() {
    SimulationSpec s = spec(100, 0.01, List.of(1.0, 2.0), 150, Duration.ZERO, false, false);
    assertThat(run(s, 1).toJson().get("cells")).isEqualTo(run(s, 2).toJson().get("cells"));
  }

  @Test
  void everyDetectorSeesTheSameTraffic() {
    // at p0 = 0.1% the scaled thresholds equal the seed's, so the two threshold detectors are the same
    // judge: on the same traces they must agree run for run, hence in every figure
    Report r = run(spec(100, 0.001, List.of(1.0, 2.0), 200, Duration.ZERO, false, false), 2);
    for (CellResult c : r.cells()) {
      DetectorResult a = c.detector("threshold");
      DetectorResult b = c.detector(SimulationSpec.THRESHOLD_SCALED);
      assertThat(b).usingRecursiveComparison().ignoringFields("name").isEqualTo(a);
    }
  }

  @Test
  void measuresFalseRollbacksAndDetectionAsTheReferenceExpects() {
    // R = 100 req/s, p0 = 1% (reference §8.4): the literal seed thresholds roll back every healthy rollout,
    // peeking about a third; the sequential judge stays near 1-2% and catches 2× within minutes
    Report r = run(spec(100, 0.01, List.of(1.0, 2.0), 400, Duration.ZERO, false, false), 2);
    CellResult healthy = r.cell(100, 0.01, 1);
    assertThat(healthy.detector("threshold").rollbackRate()).isGreaterThan(0.99);
    assertThat(healthy.detector("peeking").rollbackRate()).isBetween(0.2, 0.45);
    DetectorResult seq = healthy.detector("sequential");
    assertThat(seq.rollbackRate()).isLessThan(0.05);
    assertThat(seq.wilsonLow()).isLessThanOrEqualTo(seq.rollbackRate());
    assertThat(seq.wilsonHigh()).isGreaterThanOrEqualTo(seq.rollbackRate());
    assertThat(seq.caughtBeforePromotion()).isNull();
    assertThat(seq.badRequestsServed()).isNull();
    DetectorResult caught = r.cell(100, 0.01, 2).detector("sequential");
    assertThat(caught.caughtBeforePromotion()).isGreaterThan(0.95);
    assertThat(caught.p90MinutesToDetect()).isNotNull().isLessThanOrEqualTo(8.0);
    assertThat(caught.medianMinutesToDetect()).isLessThanOrEqualTo(caught.p90MinutesToDetect());
    // at 10% of 100 req/s the candidate serves ~600 requests a minute: a few minutes of them
    assertThat(caught.badRequestsServed()).isBetween(300.0, 6_000.0);
    assertThat(caught.rollbacksByStage().stream().mapToInt(Integer::intValue).sum()).isEqualTo(caught.rolledBack());
    // the SRM check is measured on healthy cells only (no SRM bug here)
    assertThat(healthy.detectors()).extracting(DetectorResult::name).contains(Simulator.SRM);
    assertThat(r.cell(100, 0.01, 2).detectors()).extracting(DetectorResult::name).doesNotContain(Simulator.SRM);
  }

  @Test
  void aLateRegressionIsTimedFromItsOnset() {
    Report r = run(spec(1000, 0.01, List.of(5.0), 100, Duration.ofMinutes(20), false, false), 2);
    DetectorResult seq = r.cell(1000, 0.01, 5).detector("sequential");
    assertThat(seq.caughtBeforePromotion()).isGreaterThan(0.95);
    assertThat(seq.medianMinutesToDetect()).isBetween(1.0, 3.0); // not 21+: minutes since the onset
    // no rollback of the sequential judge lands in the first two stages (before minute 20) more than rarely
    assertThat(seq.rollbacksByStage().get(0) + seq.rollbacksByStage().get(1)).isLessThan(6);
  }

  @Test
  void theSrmBugIsCaughtByTheSrmCheck() {
    Report r = run(spec(100, 0.01, List.of(1.0), 100, Duration.ZERO, false, true), 2);
    DetectorResult srm = r.cell(100, 0.01, 1).detector(Simulator.SRM);
    // 0.9 × share: after 10 min at 10% of 100 req/s, 5,400 vs 6,000 expected → χ² ≈ 67: caught in minutes
    assertThat(srm.caughtBeforePromotion()).isEqualTo(1.0);
    assertThat(srm.medianMinutesToDetect()).isLessThanOrEqualTo(10.0);
    // the judges condition on the realised split: the broken split does not make them roll back
    assertThat(r.cell(100, 0.01, 1).detector("sequential").rollbackRate()).isLessThan(0.06);
  }

  @Test
  void wilsonAndQuantilesAreComputedAsDocumented() {
    // Wilson 95%: 10/1000 → [0.005441, 0.018309]; 0/100 → [0, 0.036993]
    double[] w = DetectorResult.wilson(10, 1000);
    assertThat(w[0]).isCloseTo(0.005440754, within(1e-8));
    assertThat(w[1]).isCloseTo(0.018309469, within(1e-8));
    assertThat(DetectorResult.wilson(0, 100)[1]).isCloseTo(0.036993498, within(1e-8));
    // 10 runs, 8 caught at 60..480 s: the median is the 5th smallest; the p90 (9th) is a miss → ∞
    Tally t = new Tally(4);
    t.runs = 10;
    for (int s : new int[] {480, 60, 120, 180, 240, 300, 360, 420}) {
      t.caught(s);
    }
    assertThat(t.quantileSeconds(0.5)).isEqualTo(300);
    assertThat(t.quantileSeconds(0.9)).isInfinite();
    assertThat(t.detectedMedianSeconds()).isEqualTo(270);
  }

  @Test
  void badSpecsAreRefusedNamingTheOption() {
    assertThatThrownBy(() -> spec(0, 0.01, List.of(1.0), 10, Duration.ZERO, false, false))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("--rate"));
    assertThatThrownBy(() -> spec(100, 0.01, List.of(0.5), 10, Duration.ZERO, false, false))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("--multiplier"));
    assertThatThrownBy(() -> spec(100, 0.4, List.of(3.0), 10, Duration.ZERO, false, false))
        .hasMessage("--multiplier 3.0 × --baseline-error 0.4 is an error probability above 1");
    assertThatThrownBy(() -> spec(100, 0.01, List.of(2.0), 10, Duration.ofMinutes(40), false, false))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("--late-regression"));
  }
}
