package io.rollgate.rollout.judge;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The peer baseline: Kayenta's NetflixACAJudge Mann–Whitney classifier, repeated every check over a
 * sliding window (reference §5, detector D3). The values are the per-bucket error rates of each cohort
 * in the window (6 per cohort for a 60 s window of 10 s buckets; buckets without requests in a cohort
 * give no value). The metric is High — a FAIL — when the lower bound of the {@code confLevel} two-sided
 * interval of candidate − baseline exceeds {@code tolerance} × |Hodges–Lehmann estimate| and the mean
 * ratio candidate/baseline is at least {@code allowedIncrease} (a NaN ratio is ignored). Identical series
 * or a single distinct value pass, as in Kayenta.
 *
 * <p>Each check is a fixed-horizon test that forgets the previous windows: no evidence accumulates.
 */
record KayentaJudge(double confLevel, double tolerance, double allowedIncrease) implements Judge {
  static final KayentaJudge DEFAULT = new KayentaJudge(0.98, 0.25, 1.0);

  @Override
  public String name() {
    return "kayenta";
  }

  @Override
  public String describe() {
    return "kayenta (Mann–Whitney " + Fmt.num(confLevel * 100) + "% interval over the last interval's bucket "
        + "error rates, tolerance " + Fmt.num(tolerance) + ", allowedIncrease " + Fmt.num(allowedIncrease) + ")";
  }

  @Override
  public Session session(JudgeContext ctx) {
    Window window = new Window(ctx.window());
    String span = "the last " + Window.describe(window.width());
    return new OrderedSession(name()) {
      @Override
      void accept(Bucket b) {
        window.add(b);
      }

      @Override
      Evaluation evaluate(Instant now) {
        List<Bucket> in = window.at(now);
        double[] x = rates(in, true);
        double[] y = rates(in, false);
        long requests = 0;
        for (Bucket b : in) {
          requests += b.candidateRequests();
        }
        long nc = requests;
        if (x.length == 0 || y.length == 0) {
          return inconclusive(Double.NaN, Double.NaN, () -> "no data: no "
              + (x.length == 0 ? "candidate" : "baseline") + " requests in " + span);
        }
        double ratio = mean(x) / mean(y);
        String over = x.length + " candidate and " + y.length + " baseline buckets of " + span;
        if (Arrays.equals(x, y) || singleValue(x, y)) {
          return pass(nc, 0, 0, () -> "candidate and baseline bucket error rates are identical over " + over);
        }
        MannWhitney.Interval ci = MannWhitney.interval(x, y, confLevel);
        double bar = tolerance * Math.abs(ci.estimate());
        boolean significant = ci.lower() > bar;
        boolean large = Double.isNaN(ratio) || ratio >= allowedIncrease;
        Supplier<String> numbers = () -> "the " + Fmt.num(confLevel * 100) + "% interval of "
            + "candidate − baseline error rate [" + Fmt.rate(ci.lower()) + ", " + Fmt.rate(ci.upper())
            + "], Hodges–Lehmann " + Fmt.rate(ci.estimate()) + ", mean ratio " + Fmt.num(ratio) + ", over " + over;
        if (significant && large) {
          return fail(ci.lower(), bar, () -> "High: lower bound " + Fmt.rate(ci.lower()) + " > "
              + Fmt.num(tolerance) + " × |estimate| = " + Fmt.rate(bar) + "; " + numbers.get());
        }
        return pass(nc, ci.lower(), bar, () -> "not High: lower bound " + Fmt.rate(ci.lower())
            + (significant ? " > " : " ≤ ") + Fmt.num(tolerance) + " × |estimate| = " + Fmt.rate(bar)
            + (significant ? " but mean ratio " + Fmt.num(ratio) + " < allowedIncrease " + Fmt.num(allowedIncrease)
                : "") + "; " + numbers.get());
      }

      private Evaluation pass(long nc, double statistic, double bar, Supplier<String> reason) {
        if (nc < ctx.minRequests()) {
          return inconclusive(statistic, bar, () -> "only " + Fmt.count(nc) + " candidate requests in " + span
              + ", fewer than minSamples " + Fmt.count(ctx.minRequests()) + "; " + reason.get());
        }
        return OrderedSession.pass(statistic, bar, reason);
      }
    };
  }

  private static double[] rates(List<Bucket> in, boolean candidate) {
    double[] r = new double[in.size()];
    int k = 0;
    for (Bucket b : in) {
      long n = candidate ? b.candidateRequests() : b.baselineRequests();
      if (n > 0) {
        r[k++] = (double) (candidate ? b.candidateErrors() : b.baselineErrors()) / n;
      }
    }
    return Arrays.copyOf(r, k);
  }

  private static double mean(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v;
    }
    return s / a.length;
  }

  private static boolean singleValue(double[] x, double[] y) {
    double v = x[0];
    for (double a : x) {
      if (a != v) {
        return false;
      }
    }
    for (double a : y) {
      if (a != v) {
        return false;
      }
    }
    return true;
  }
}
