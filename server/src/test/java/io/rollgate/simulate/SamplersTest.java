package io.rollgate.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The samplers against their distributions: mean and variance within 5 standard errors over 100,000
 * draws, and single probabilities against the pmf, in each of their regimes (inversion, transformed
 * rejection, the p &gt; ½ flip). Fixed seeds.
 */
class SamplersTest {
  static final int N = 100_000;

  @Test
  void poissonMatchesItsMeanAndVarianceInBothRegimes() {
    for (double mean : new double[] {0.3, 5, 12, 200, 10_000}) {
      SplittableRandom rnd = new SplittableRandom(11);
      double[] draws = new double[N];
      for (int i = 0; i < N; i++) {
        draws[i] = Samplers.poisson(rnd, mean);
      }
      assertMoments("Poisson(" + mean + ")", draws, mean, mean);
    }
  }

  @Test
  void binomialMatchesItsMeanAndVarianceInEveryRegime() {
    long[][] ns = {{250, 0}, {1_000, 0}, {7_500, 0}, {10, 0}, {100, 0}};
    double[] ps = {0.01, 0.25, 0.05, 0.7, 0.2};
    for (int c = 0; c < ps.length; c++) {
      long n = ns[c][0];
      double p = ps[c];
      SplittableRandom rnd = new SplittableRandom(12);
      double[] draws = new double[N];
      for (int i = 0; i < N; i++) {
        draws[i] = Samplers.binomial(rnd, n, p);
        assertThat(draws[i]).isBetween(0.0, (double) n);
      }
      assertMoments("Bin(" + n + ", " + p + ")", draws, n * p, n * p * (1 - p));
    }
    SplittableRandom rnd = new SplittableRandom(1);
    assertThat(Samplers.binomial(rnd, 0, 0.3)).isZero();
    assertThat(Samplers.binomial(rnd, 17, 0)).isZero();
    assertThat(Samplers.binomial(rnd, 17, 1)).isEqualTo(17);
  }

  @Test
  void singleProbabilitiesMatchThePmf() {
    // Poisson(12) (rejection): P(8) = 0.0655233, P(12) = 0.1143679, P(16) = 0.0542933
    // Bin(100, 0.2) (rejection, np = 20): P(15) = 0.0480618, P(20) = 0.0993002, P(25) = 0.0438778
    SplittableRandom rnd = new SplittableRandom(5);
    int[] poisson = new int[64];
    int[] binomial = new int[101];
    for (int i = 0; i < N; i++) {
      poisson[(int) Math.min(63, Samplers.poisson(rnd, 12))]++;
      binomial[(int) Samplers.binomial(rnd, 100, 0.2)]++;
    }
    assertFrequency(poisson[8], 0.0655233);
    assertFrequency(poisson[12], 0.1143679);
    assertFrequency(poisson[16], 0.0542933);
    assertFrequency(binomial[15], 0.0480618);
    assertFrequency(binomial[20], 0.0993002);
    assertFrequency(binomial[25], 0.0438778);
  }

  @Test
  void logFactorialIsContinuousWhereTheTableEnds() {
    assertThat(Samplers.logFactorial(256)).isCloseTo(Samplers.logFactorial(255) + Math.log(256), within(1e-10));
    assertThat(Samplers.logFactorial(10)).isCloseTo(Math.log(3_628_800), within(1e-12));
    // δ(0) = ln 0! − (½ ln 1 − 1 + ½ ln 2π) = 1 − 0.918939 = 0.0810615 (Hörmann's table)
    assertThat(Samplers.stirlingTail(0)).isCloseTo(0.0810614667953272, within(1e-13));
    assertThat(Samplers.stirlingTail(9)).isCloseTo(0.00833056343336287, within(1e-13));
  }

  private static void assertFrequency(int count, double p) {
    double se = Math.sqrt(p * (1 - p) / N);
    assertThat((double) count / N).isCloseTo(p, within(5 * se));
  }

  private static void assertMoments(String what, double[] draws, double mean, double variance) {
    double sum = 0;
    for (double d : draws) {
      sum += d;
    }
    double m = sum / draws.length;
    double ss = 0;
    for (double d : draws) {
      ss += (d - m) * (d - m);
    }
    double v = ss / (draws.length - 1);
    assertThat(m).as(what + " mean").isCloseTo(mean, within(5 * Math.sqrt(variance / draws.length)));
    // the sample variance's standard error is about variance · √(2/N) (plus a kurtosis term for small means)
    assertThat(v).as(what + " variance").isCloseTo(variance, within(5 * variance * Math.sqrt(3.0 / draws.length)
        + 1e-9));
  }
}
