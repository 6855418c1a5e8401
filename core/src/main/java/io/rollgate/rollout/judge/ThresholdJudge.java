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
    String last = "the last " + Window.describe(window.width());
    return new OrderedSession(name()) {
      @Override
      void accept(Bucket b) {
        window.add(b);
      }

      @Override
      Evaluation evaluate(Instant now) {
        List<Bucket> in = window.at(now);
        if (in.isEmpty()) {
          return inconclusive(Double.NaN, Double.NaN, () -> "no buckets in " + last);
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
          return inconclusive(Double.NaN, Double.NaN, () -> "no maxErrorRate for stage index " + stage);
        }
        long requests = n;
        long errors = e;
        double rate = n == 0 ? Double.NaN : (double) e / n;
        if (n == 0 || n < ctx.minRequests()) {
          return inconclusive(rate, max, () -> "only " + Fmt.count(requests) + " candidate requests in " + last
              + ", fewer than minSamples " + Fmt.count(Math.max(1, ctx.minRequests()))
              + (requests == 0 ? "" : " (error rate " + Fmt.rate(rate) + ")"));
        }
        String over = " (" + "%s errors in %s candidate requests over " + last + ")";
        if (rate > max) {
          return fail(rate, max, () -> "candidate error rate " + Fmt.rate(rate) + " > maxErrorRate " + Fmt.rate(max)
              + over.formatted(Fmt.count(errors), Fmt.count(requests)));
        }
        return pass(rate, max, () -> "candidate error rate " + Fmt.rate(rate) + " ≤ maxErrorRate " + Fmt.rate(max)
            + over.formatted(Fmt.count(errors), Fmt.count(requests)));
      }
    };
  }
}
