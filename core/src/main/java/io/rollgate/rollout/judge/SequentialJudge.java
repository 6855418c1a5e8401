package io.rollgate.rollout.judge;

import java.time.Instant;

/**
 * The default judge: reference §7.1's one-sided, anytime-valid error-share test.
 *
 * <p>Within bucket k let π_k = n_c,k / (n_c,k + n_b,k) be the <em>realised</em> candidate share. If both
 * cohorts fail with the same probability p_k (which may drift however it likes), each error lands in the
 * candidate with probability π_k; if the candidate's relative risk is λ, with
 * q_k(λ) = π_k λ / (π_k λ + 1 − π_k). Only errors carry information. With λ0 = 1 + δ:
 *
 * <pre>
 *   ℓ_k(λ) = e_c,k · ln(q_k(λ)/q_k(λ0)) + e_b,k · ln((1 − q_k(λ))/(1 − q_k(λ0)))
 *          = e_c,k · ln(λ/λ0) − (e_c,k + e_b,k) · ln((π_k λ + 1 − π_k)/(π_k λ0 + 1 − π_k))
 *   L_t(λ) = Σ_{k≤t} ℓ_k(λ),   M_t = (1/6) Σ_j exp(L_t(λ0 · g_j)),   g = {1.25, 1.5, 2, 3, 5, 10}
 *   FAIL at a check with M_t ≥ 1/α
 * </pre>
 *
 * Each factor has expectation ≤ 1 in every bucket whenever the true λ ≤ λ0, whatever the split and the
 * baseline error rate do, so M is a non-negative supermartingale and P(∃t: M_t ≥ 1/α) ≤ α (Ville): checks
 * may be as frequent as one likes, and stages with different splits pool without bias because each
 * bucket is conditioned on its own split. The running sums are one double per grid point.
 *
 * <p>The relative risk shown is the Mantel–Haenszel estimate stratified by bucket (display only; the
 * pooled ratio would be biased by a drifting baseline across stages).
 */
record SequentialJudge(double alpha, double delta) implements Judge {
  static final double[] GRID = {1.25, 1.5, 2, 3, 5, 10};
  private static final double LOG_GRID_SIZE = Math.log(GRID.length);
  private static final double[] LOG_G = java.util.Arrays.stream(GRID).map(Math::log).toArray();

  @Override
  public String name() {
    return "sequential";
  }

  @Override
  public String describe() {
    return "sequential (α " + Fmt.num(alpha) + ", δ " + Fmt.num(delta) + ")";
  }

  @Override
  public Session session(JudgeContext ctx) {
    return new S(ctx);
  }

  /** ln M_t for the running log-likelihood ratios {@code logL}. */
  static double logM(double[] logL) {
    return Stats.logSumExp(logL) - LOG_GRID_SIZE;
  }

  /** The counts as a sentence: "5 candidate errors in 100 requests vs …, relative risk ≈ 9". */
  private String numbers(long ec, long nc, long eb, long nb, double mhNum, double mhDen) {
    String risk = mhDen == 0 ? (mhNum == 0 ? "n/a" : "∞") : Fmt.num(mhNum / mhDen);
    return Fmt.count(ec) + " candidate errors in " + Fmt.count(nc) + " requests vs " + Fmt.count(eb)
        + " baseline errors in " + Fmt.count(nb) + ", relative risk ≈ " + risk
        + (delta > 0 ? " (tolerated " + Fmt.num(1 + delta) + ")" : "");
  }

  private final class S extends OrderedSession {
    private final JudgeContext ctx;
    private final double lambda0 = 1 + delta;
    private final double[] logL = new double[GRID.length];
    private long nc;
    private long ec;
    private long nb;
    private long eb;
    private double mhNum;
    private double mhDen;

    S(JudgeContext ctx) {
      super(name());
      this.ctx = ctx;
    }

    @Override
    void accept(Bucket b) {
      nc += b.candidateRequests();
      ec += b.candidateErrors();
      nb += b.baselineRequests();
      eb += b.baselineErrors();
      long errors = b.candidateErrors() + b.baselineErrors();
      if (errors == 0 || b.candidateRequests() == 0 || b.baselineRequests() == 0) {
        return; // no errors, or no split to compare: the bucket says nothing about λ
      }
      double n = b.requests();
      double pi = b.candidateRequests() / n;
      double base = pi * lambda0 + 1 - pi;
      for (int j = 0; j < GRID.length; j++) {
        double lambda = lambda0 * GRID[j];
        // ln((π λ + 1 − π)/(π λ0 + 1 − π)) = ln(1 + π (λ − λ0)/(π λ0 + 1 − π))
        logL[j] += b.candidateErrors() * LOG_G[j] - errors * Math.log1p(pi * (lambda - lambda0) / base);
      }
      mhNum += b.candidateErrors() * (b.baselineRequests() / n);
      mhDen += b.baselineErrors() * (b.candidateRequests() / n);
    }

    @Override
    Evaluation evaluate(Instant now) {
      double logM = logM(logL);
      double m = Math.exp(logM);
      double bar = 1 / alpha;
      long nc = this.nc;
      long ec = this.ec;
      long nb = this.nb;
      long eb = this.eb;
      double mhNum = this.mhNum;
      double mhDen = this.mhDen;
      if (logM >= Math.log(bar)) {
        return fail(m, bar, () -> "candidate worse than baseline: evidence ratio M = " + Fmt.num(m) + " ≥ "
            + Fmt.num(bar) + " = 1/α (α " + Fmt.num(alpha) + "); " + numbers(ec, nc, eb, nb, mhNum, mhDen));
      }
      if (nc == 0 || nc < ctx.minRequests()) {
        return inconclusive(m, bar, () -> "only " + Fmt.count(nc) + " candidate requests, fewer than "
            + "minSamples " + Fmt.count(Math.max(1, ctx.minRequests())) + " (evidence ratio M = " + Fmt.num(m)
            + " < " + Fmt.num(bar) + ")");
      }
      return pass(m, bar, () -> "no evidence the candidate is worse: evidence ratio M = " + Fmt.num(m) + " < "
          + Fmt.num(bar) + " = 1/α (α " + Fmt.num(alpha) + "); " + numbers(ec, nc, eb, nb, mhNum, mhDen));
    }
  }
}
