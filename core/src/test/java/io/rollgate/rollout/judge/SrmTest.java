package io.rollgate.rollout.judge;

import static io.rollgate.rollout.judge.JudgesTest.bucket;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The χ² split check of reference §7.3, pinned by hand. */
class SrmTest {
  @Test
  void pinsChiSquareAndItsTailAgainstTheStagesShare() {
    // 1000 requests at 10%: E_c = 100, E_b = 900. O_c = 130: χ² = 30²/100 + 30²/900 = 9 + 1 = 10,
    // p = erfc(√5) = 0.0015654 ≥ 0.001 → healthy (the split is off, but not beyond chance at this bar)
    SrmResult healthy = Srm.check(List.of(bucket(0, 0, 1000, 130, 0, 870, 0)));
    assertThat(healthy).isInstanceOf(SrmResult.Healthy.class);
    assertThat(healthy.chiSquare()).isCloseTo(10, within(1e-9));
    assertThat(healthy.pValue()).isCloseTo(0.00156540, within(1e-8));
    assertThat(healthy.isMismatch()).isFalse();
    // O_c = 135: χ² = 35²/100 + 35²/900 = 12.25 + 1.3611 = 13.6111, p = erfc(√6.8056) = 0.00022485 < 0.001
    SrmResult bad = Srm.check(List.of(bucket(0, 0, 1000, 135, 0, 865, 0)));
    assertThat(bad).isInstanceOf(SrmResult.Mismatch.class);
    assertThat(bad.chiSquare()).isCloseTo(13.6111, within(1e-4));
    assertThat(bad.pValue()).isCloseTo(0.00022485, within(1e-8));
    assertThat(bad.expectedCandidate()).isEqualTo(100.0);
    assertThat(Srm.Tally.EMPTY.plus(bucket(0, 0, 1000, 135, 0, 865, 0)).isMismatch()).isTrue();
    assertThat(Srm.Tally.EMPTY.plus(bucket(0, 0, 1000, 130, 0, 870, 0)).isMismatch()).isFalse();
    assertThat(bad.reason()).startsWith("sample ratio mismatch: candidate 135 of 1,000 requests (13.50%), 100 expected");
  }

  @Test
  void expectsEachBucketAtItsOwnStagesShare() {
    // 1000 at 10% and 1000 at 25%: E_c = 100 + 250 = 350, E_b = 1650; O_c = 100 + 260 = 360:
    // χ² = 10²/350 + 10²/1650 = 0.285714 + 0.060606 = 0.346320, p = 0.55620
    SrmResult r = Srm.check(List.of(bucket(0, 0, 1000, 100, 0, 900, 0), bucket(10, 1, 2500, 260, 0, 740, 0)));
    assertThat(r).isInstanceOf(SrmResult.Healthy.class);
    assertThat(r.chiSquare()).isCloseTo(0.346320, within(1e-6));
    assertThat(r.pValue()).isCloseTo(0.556204, within(1e-5));
  }

  @Test
  void needsSixteenRequestsAndFlagsTrafficWhereTheStageSendsNone() {
    SrmResult few = Srm.check(List.of(bucket(0, 0, 1000, 15, 0, 0, 0)));
    assertThat(few).isInstanceOf(SrmResult.TooFewRequests.class);
    assertThat(few.reason()).isEqualTo("too few requests to test the split: 15 < 16");
    // a 0% stage that still serves the candidate is a mismatch, not a division by zero
    SrmResult zero = Srm.check(List.of(bucket(0, 0, 0, 5, 0, 95, 0)));
    assertThat(zero).isInstanceOf(SrmResult.Mismatch.class);
    assertThat(zero.pValue()).isZero();
  }

  @Test
  void specialFunctionsMatchTheirTables() {
    assertThat(Stats.erfc(0.5)).isCloseTo(0.4795001221869535, within(1e-7));
    assertThat(Stats.erfc(1)).isCloseTo(0.15729920705028516, within(1e-7));
    assertThat(Stats.erfc(2)).isCloseTo(0.004677734981047266, within(1e-9));
    assertThat(Stats.erfc(3)).isCloseTo(2.2090496998585445e-05, within(1e-11));
    assertThat(Stats.erfc(-1)).isCloseTo(2 - 0.15729920705028516, within(1e-7));
    assertThat(Stats.normalQuantile(0.95)).isCloseTo(1.6448536269514722, within(1e-8));
    assertThat(Stats.normalQuantile(0.99)).isCloseTo(2.3263478740408408, within(1e-8));
    assertThat(Stats.normalQuantile(0.001)).isCloseTo(-3.090232306167813, within(1e-8));
    assertThat(Stats.logSumExp(new double[] {1000, 1000})).isCloseTo(1000 + Math.log(2), within(1e-9));
  }
}
