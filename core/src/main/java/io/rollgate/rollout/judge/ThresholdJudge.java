package io.rollgate.rollout.judge;

import java.time.Instant;
import java.util.List;

/**
 * Origin document 004's rule, kept for parity: the candidate's error rate over the last window fails
 * when it is above the stage's maxErrorRate. It ignores the baseline, so its false-rollback rate is not
 * a setting but a function of traffic, the baseline error rate and the threshold (reference §6).
 */
record ThresholdJudge() implements Judge {
  @Override
  public String name() {
    return "threshold";
  }

  @Override
  public String describe() {
    return "threshold (the stage's maxErrorRate on the candidate's error rate over the last interval)";
  }

  @Override
  public Session session(JudgeContext ctx) {
    Window window = new Window(ctx.window());
    return new OrderedSession() {
      @Override
      void accept(Bucket b) {
        window.add(b);
      }

      @Override
      public JudgeResult check(Instant now) {
        List<Bucket> in = window.at(now);
        if (in.isEmpty()) {
          return new JudgeResult.Inconclusive(name(), Double.NaN, Double.NaN,
              "no buckets in the last " + Window.describe(window.width()));
        }
        int stage = in.getLast().stageIndex();
        double max = ctx.maxErrorRate(stage);
        long n = 0;
        long e = 0;
        for (Bucket b : in) {
          n += b.candidateRequests();
          e += b.candidateErrors();
        }
        if (Double.isNaN(max)) {
          return new JudgeResult.Inconclusive(name(), Double.NaN, Double.NaN,
              "no maxErrorRate for stage index " + stage);
        }
        double rate = n == 0 ? Double.NaN : (double) e / n;
        String over = Fmt.count(e) + " errors in " + Fmt.count(n) + " candidate requests over the last "
            + Window.describe(window.width());
        if (n == 0 || n < ctx.minRequests()) {
          return new JudgeResult.Inconclusive(name(), rate, max, "only " + Fmt.count(n)
              + " candidate requests in the last " + Window.describe(window.width()) + ", fewer than minSamples "
              + Fmt.count(Math.max(1, ctx.minRequests())) + (n == 0 ? "" : " (error rate " + Fmt.rate(rate) + ")"));
        }
        if (rate > max) {
          return new JudgeResult.Fail(name(), rate, max,
              "candidate error rate " + Fmt.rate(rate) + " > maxErrorRate " + Fmt.rate(max) + " (" + over + ")");
        }
        return new JudgeResult.Pass(name(), rate, max,
            "candidate error rate " + Fmt.rate(rate) + " ≤ maxErrorRate " + Fmt.rate(max) + " (" + over + ")");
      }
    };
  }
}
