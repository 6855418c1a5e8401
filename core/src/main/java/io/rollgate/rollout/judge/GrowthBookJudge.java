package io.rollgate.rollout.judge;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * GrowthBook Safe Rollouts' one-sided asymptotic confidence sequence (Waudby-Smith et al., eq 134), as a
 * cross-check, computed stratified by stage (reference §7.2) so that stages with different splits never
 * pool:
 *
 * <pre>
 *   θ̂_g = p̂_c,g − (1+δ) p̂_b,g     v_g = p̂_c,g(1−p̂_c,g)/n_c,g + (1+δ)² p̂_b,g(1−p̂_b,g)/n_b,g
 *   W_g = n_c,g n_b,g/(n_c,g + n_b,g)     θ̂ = Σ W_g θ̂_g / Σ W_g     v = Σ W_g² v_g / (Σ W_g)²
 *   N = Σ_g (n_c,g + n_b,g)     ρ = √((−2 ln(2α) + ln(1 − 2 ln(2α))) / N*)
 *   h = √v · √(2(Nρ²+1)/(Nρ²) · ln(1 + √(Nρ²+1)/(2α)))
 *   FAIL if θ̂ − h > 0;   no result unless both cohorts have at least one error (GrowthBook's zero-variance rule)
 * </pre>
 *
 * GrowthBook's 150-event minimum is deliberately not copied (reference §7.2: it removes nearly all
 * detection at low traffic).
 */
record GrowthBookJudge(double alpha, double delta, double nStar) implements Judge {
  static final double DEFAULT_N_STAR = 5_000;

  @Override
  public String name() {
    return "growthbook";
  }

  @Override
  public String describe() {
    return "growthbook (α " + Fmt.num(alpha) + ", δ " + Fmt.num(delta) + ", N* " + Fmt.num(nStar)
        + ", stratified by stage)";
  }

  /** The confidence sequence's half-width multiplier h/√v at total sample size {@code n}. */
  double widthMultiplier(double n) {
    double a = 2 * alpha;
    double rho2 = (-2 * Math.log(a) + Math.log(1 - 2 * Math.log(a))) / nStar;
    double nr = n * rho2;
    return Math.sqrt(2 * (nr + 1) / nr * Math.log(1 + Math.sqrt(nr + 1) / a));
  }

  @Override
  public Session session(JudgeContext ctx) {
    return new OrderedSession(name()) {
      /** Per stage index: candidate requests, candidate errors, baseline requests, baseline errors. */
      private final List<long[]> stages = new ArrayList<>();

      @Override
      void accept(Bucket b) {
        while (stages.size() <= b.stageIndex()) {
          stages.add(new long[4]);
        }
        long[] s = stages.get(b.stageIndex());
        s[0] += b.candidateRequests();
        s[1] += b.candidateErrors();
        s[2] += b.baselineRequests();
        s[3] += b.baselineErrors();
      }

      @Override
      Evaluation evaluate(Instant now) {
        double sumW = 0;
        double sumWTheta = 0;
        double sumW2V = 0;
        long n = 0;
        long nc = 0;
        long ec = 0;
        long eb = 0;
        int used = 0;
        double k = 1 + delta;
        for (long[] s : stages) {
          nc += s[0];
          ec += s[1];
          eb += s[3];
          if (s[0] == 0 || s[2] == 0) {
            continue;
          }
          double pc = (double) s[1] / s[0];
          double pb = (double) s[3] / s[2];
          double w = (double) s[0] * s[2] / (s[0] + s[2]);
          double v = pc * (1 - pc) / s[0] + k * k * pb * (1 - pb) / s[2];
          sumW += w;
          sumWTheta += w * (pc - k * pb);
          sumW2V += w * w * v;
          n += s[0] + s[2];
          used++;
        }
        long candidateErrors = ec;
        long baselineErrors = eb;
        if (ec == 0 || eb == 0 || sumW == 0 || sumW2V == 0) {
          return inconclusive(Double.NaN, 0, () -> "no result yet: GrowthBook needs at least one error in each "
              + "cohort (" + Fmt.count(candidateErrors) + " candidate, " + Fmt.count(baselineErrors)
              + " baseline errors)");
        }
        double theta = sumWTheta / sumW;
        double h = Math.sqrt(sumW2V / (sumW * sumW)) * widthMultiplier(n);
        double lower = theta - h;
        long requests = n;
        long candidateRequests = nc;
        int strata = used;
        if (lower > 0) {
          return fail(lower, 0, () -> "candidate worse than baseline: the confidence sequence's lower bound "
              + Fmt.rate(lower) + " > 0; " + numbers(theta, h, requests, strata));
        }
        if (nc < ctx.minRequests()) {
          return inconclusive(lower, 0, () -> "only " + Fmt.count(candidateRequests) + " candidate requests, "
              + "fewer than minSamples " + Fmt.count(ctx.minRequests()) + " (lower bound " + Fmt.rate(lower) + ")");
        }
        return pass(lower, 0, () -> "no evidence the candidate is worse: the confidence sequence's lower bound "
            + Fmt.rate(lower) + " ≤ 0; " + numbers(theta, h, requests, strata));
      }
    };
  }

  private String numbers(double theta, double h, long n, int strata) {
    return "difference " + Fmt.rate(theta) + " − half-width " + Fmt.rate(h) + " over " + Fmt.count(n)
        + " requests in " + strata + (strata == 1 ? " stage" : " stages") + " (α " + Fmt.num(alpha) + ", N* "
        + Fmt.num(nStar) + (delta > 0 ? ", against (1+δ) = " + Fmt.num(1 + delta) + " × baseline" : "") + ")";
  }
}
