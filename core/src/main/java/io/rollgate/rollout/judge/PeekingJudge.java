package io.rollgate.rollout.judge;

import java.time.Instant;

/**
 * The naive loop, kept to show why it is wrong: a fixed-horizon one-sided two-proportion z-test on the
 * counts pooled since the start (across stages), repeated at every check.
 *
 * <pre>
 *   z = (p̂_c − (1+δ) p̂_b) / √(p̄(1−p̄)(1/n_c + 1/n_b)),   p̄ = (e_c + e_b)/(n_c + n_b)
 *   FAIL if z > Φ⁻¹(1 − α)   (1.645 at α 0.05)
 * </pre>
 *
 * Each look is a 5% test; forty looks roll back about a third of healthy rollouts (reference §8.4), and
 * pooling stages with different splits biases it further when the baseline error rate drifts.
 */
record PeekingJudge(double alpha, double delta) implements Judge {
  @Override
  public String name() {
    return "peeking";
  }

  @Override
  public String describe() {
    return "peeking (one-sided z-test at α " + Fmt.num(alpha) + " repeated at every check; not valid)";
  }

  @Override
  public Session session(JudgeContext ctx) {
    double critical = Stats.normalQuantile(1 - alpha);
    return new OrderedSession(name()) {
      private long nc;
      private long ec;
      private long nb;
      private long eb;

      @Override
      void accept(Bucket b) {
        nc += b.candidateRequests();
        ec += b.candidateErrors();
        nb += b.baselineRequests();
        eb += b.baselineErrors();
      }

      @Override
      Evaluation evaluate(Instant now) {
        long nc = this.nc;
        long nb = this.nb;
        if (nc == 0 || nb == 0) {
          return inconclusive(Double.NaN, critical, () -> "no requests yet in "
              + (nc == 0 ? "the candidate" : "the baseline"));
        }
        double pc = (double) ec / nc;
        double pb = (double) eb / nb;
        double pooled = (double) (ec + eb) / (nc + nb);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / nc + 1.0 / nb));
        double z = se == 0 ? 0 : (pc - (1 + delta) * pb) / se;
        if (z > critical) {
          return fail(z, critical, () -> "z = " + Fmt.num(z) + " > " + Fmt.num(critical) + " ("
              + numbers(pc, nc, pb, nb) + ")");
        }
        if (nc < ctx.minRequests()) {
          return inconclusive(z, critical, () -> "only " + Fmt.count(nc) + " candidate requests, fewer than "
              + "minSamples " + Fmt.count(ctx.minRequests()) + " (z = " + Fmt.num(z) + ")");
        }
        return pass(z, critical, () -> "z = " + Fmt.num(z) + " ≤ " + Fmt.num(critical) + " ("
            + numbers(pc, nc, pb, nb) + ")");
      }
    };
  }

  private String numbers(double pc, long nc, double pb, long nb) {
    return "candidate " + Fmt.rate(pc) + " of " + Fmt.count(nc) + " vs baseline " + Fmt.rate(pb) + " of "
        + Fmt.count(nb) + ", pooled over every stage; one-sided α " + Fmt.num(alpha)
        + " at this look, not corrected for repeated looks";
  }
}
