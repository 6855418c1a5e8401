package io.rollgate.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.rollout.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Monte Carlo properties over a ramp of 10/25/50/75% (60 buckets each, a check every 6), with the
 * baseline error rate drifting ±50% over the rollout for both cohorts. Fixed seeds, bounded loops.
 *
 * <ul>
 *   <li>a healthy candidate: the sequential judge rolls back at most α of the rollouts over all 40
 *       looks (Ville's inequality), while repeated z-tests (peeking) roll back far more;
 *   <li>a 2× worse candidate on the same traffic: the sequential judge catches nearly all, so the first
 *       property is not met by a judge that never fails.
 * </ul>
 */
class SequentialPropertiesTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final int[] SHARES_BP = {1000, 2500, 5000, 7500};
  static final int BUCKETS_PER_STAGE = 60;
  static final int BUCKETS_PER_CHECK = 6;
  static final int REQUESTS_PER_BUCKET = 400;
  static final double P0 = 0.01;
  static final int RUNS = 1_500;
  static final JudgeContext CTX = new JudgeContext(Duration.ofMinutes(1), List.of(0.005, 0.004, 0.003, 0.002), 1);

  @Test
  void healthyRolloutsAreRolledBackAtMostAlphaOfTheTime() {
    double seq = rollbackRate(Judges.parse("sequential"), 1.0, 42);
    double peek = rollbackRate(Judges.parse("peeking"), 1.0, 42);
    assertThat(seq).as("sequential false rollbacks").isLessThanOrEqualTo(0.05);
    assertThat(peek).as("peeking false rollbacks").isGreaterThan(0.15);
  }

  @Test
  void aDoubledErrorRateIsCaughtOnTheSameTraffic() {
    assertThat(rollbackRate(Judges.parse("sequential"), 2.0, 42)).isGreaterThan(0.95);
  }

  @Test
  void aToleratedIncreaseIsNotRolledBack() {
    // δ = 0.5: a candidate 1.5× worse is within the tolerance, so H0 holds and the bound applies to it
    assertThat(rollbackRate(Judges.parse("sequential", 0.05, 0.5), 1.5, 7)).isLessThanOrEqualTo(0.05);
  }

  /** The share of {@link #RUNS} rollouts that {@code judge} fails at any check. */
  static double rollbackRate(Judge judge, double multiplier, long seed) {
    int rolledBack = 0;
    int total = SHARES_BP.length * BUCKETS_PER_STAGE;
    for (int run = 0; run < RUNS; run++) {
      SplittableRandom rnd = new SplittableRandom(seed * 1_000_003 + run);
      Judge.Session s = judge.session(CTX);
      for (int k = 0; k < total; k++) {
        int stage = k / BUCKETS_PER_STAGE;
        double share = SHARES_BP[stage] / 10_000.0;
        double p0 = P0 * (1 + 0.5 * Math.sin(2 * Math.PI * k / total - Math.PI / 2));
        // the split wobbles around the stage's share (the judge conditions on the realised split anyway)
        int nc = (int) Math.round(REQUESTS_PER_BUCKET * share) + rnd.nextInt(-10, 11);
        int nb = REQUESTS_PER_BUCKET - nc;
        s.add(new Bucket(T0.plusSeconds(10L * k), stage, SHARES_BP[stage], nc, binomial(rnd, nc, multiplier * p0),
            nb, binomial(rnd, nb, p0)));
        if ((k + 1) % BUCKETS_PER_CHECK == 0) {
          Instant now = T0.plusSeconds(10L * (k + 1));
          Verdict v = s.verdict(now);
          if (run < 100) { // the fast path the simulator uses agrees with the full result
            assertThat(s.check(now).verdict()).isEqualTo(v);
          }
          if (v == Verdict.FAIL) {
            rolledBack++;
            break;
          }
        }
      }
    }
    return (double) rolledBack / RUNS;
  }

  /** Bin(n, p) by counting geometric gaps between successes: O(successes) for small p, exact. */
  static int binomial(SplittableRandom rnd, int n, double p) {
    if (p > 0.5) {
      return n - binomial(rnd, n, 1 - p);
    }
    double logQ = Math.log1p(-p);
    int successes = 0;
    long position = 0;
    while (true) {
      position += 1 + (long) Math.floor(Math.log(1 - rnd.nextDouble()) / logQ);
      if (position > n) {
        return successes;
      }
      successes++;
    }
  }
}
