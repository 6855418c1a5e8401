package io.rollgate.rollout.judge;

import java.util.List;

/**
 * The sample-ratio-mismatch check of reference §7.3: does the realised split follow the stages' shares?
 * Over the buckets with configured candidate share s_k and A_k requests in all:
 *
 * <pre>
 *   E_c = Σ s_k A_k,   E_b = Σ (1 − s_k) A_k,   O_c = Σ n_c,k,   O_b = Σ n_b,k
 *   χ² = (O_c − E_c)²/E_c + (O_b − E_b)²/E_b,   p = P(χ²₁ ≥ χ²) = erfc(√(χ²/2))
 *   MISMATCH if p &lt; 0.001 and O_c + O_b ≥ 16   (GrowthBook's defaults)
 * </pre>
 *
 * A mismatch means the judges' numbers cannot be trusted (a broken bucketing, a cohort that drops
 * failing requests …): hold the rollout, but never let it hide a failing judge.
 */
public final class Srm {
  private Srm() {}

  public static final double P_THRESHOLD = 0.001;
  public static final long MIN_REQUESTS = 16;

  /** The check over {@code buckets}. */
  public static SrmResult check(List<Bucket> buckets) {
    Tally t = Tally.EMPTY;
    for (Bucket b : buckets) {
      t = t.plus(b);
    }
    return t.result();
  }

  /** Running sums for the check, so that a loop need not keep the buckets. */
  public record Tally(long observedCandidate, long observedBaseline, double expectedCandidate,
      double expectedBaseline) {
    public static final Tally EMPTY = new Tally(0, 0, 0, 0);

    public Tally plus(Bucket b) {
      double s = b.candidateShare();
      return new Tally(observedCandidate + b.candidateRequests(), observedBaseline + b.baselineRequests(),
          expectedCandidate + s * b.requests(), expectedBaseline + (1 - s) * b.requests());
    }

    /** {@code result().isMismatch()}, without the sentence (for loops that check very often). */
    public boolean isMismatch() {
      return observedCandidate + observedBaseline >= MIN_REQUESTS && pValue(chiSquare()) < P_THRESHOLD;
    }

    public SrmResult result() {
      long total = observedCandidate + observedBaseline;
      double chi2 = chiSquare();
      double p = pValue(chi2);
      String split = "candidate " + Fmt.count(observedCandidate) + " of " + Fmt.count(total) + " requests ("
          + Fmt.rate(total == 0 ? Double.NaN : (double) observedCandidate / total) + "), "
          + Fmt.count(Math.round(expectedCandidate)) + " expected from the stages' shares";
      if (total < MIN_REQUESTS) {
        return new SrmResult.TooFewRequests(chi2, p, observedCandidate, expectedCandidate, "too few requests "
            + "to test the split: " + Fmt.count(total) + " < " + MIN_REQUESTS);
      }
      String stat = "χ² " + Fmt.num(chi2) + ", p " + Fmt.num(p);
      if (p < P_THRESHOLD) {
        return new SrmResult.Mismatch(chi2, p, observedCandidate, expectedCandidate, "sample ratio mismatch: "
            + split + " (" + stat + " < " + P_THRESHOLD + "); the cohorts are not what the stages say, so the "
            + "judges' numbers cannot be trusted");
      }
      return new SrmResult.Healthy(chi2, p, observedCandidate, expectedCandidate, "split healthy: " + split
          + " (" + stat + " ≥ " + P_THRESHOLD + ")");
    }

    private double chiSquare() {
      return term(observedCandidate, expectedCandidate) + term(observedBaseline, expectedBaseline);
    }

    private static double pValue(double chi2) {
      return Double.isInfinite(chi2) ? 0 : Stats.chiSquare1Tail(chi2);
    }

    private static double term(long observed, double expected) {
      if (expected == 0) {
        return observed == 0 ? 0 : Double.POSITIVE_INFINITY; // requests where the stage sends none
      }
      double d = observed - expected;
      return d * d / expected;
    }
  }
}
