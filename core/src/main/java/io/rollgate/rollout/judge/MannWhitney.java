package io.rollgate.rollout.judge;

import java.util.Arrays;

/**
 * The asymptotic two-sample Wilcoxon (Mann–Whitney) confidence interval for the shift x − y, as Kayenta
 * computes it (after R's {@code wilcox.test}): normal approximation with continuity and tie corrections,
 *
 * <pre>
 *   dz(μ) = Σ ranks of (x − μ) in (x − μ) ∪ y − n_x(n_x+1)/2 − n_x n_y/2 = #{d &gt; μ} + ½#{d = μ} − n_x n_y/2
 *   σ(μ)  = √( n_x n_y/12 · ((N+1) − Σ_ties (t³ − t)/(N(N−1))) ),   N = n_x + n_y,   d = {x_i − y_j}
 *   f(μ)  = (dz − ½ sgn dz)/σ − q;   bounds: f = 0 at q = ±Φ⁻¹(1 − (1−conf)/2)
 * </pre>
 *
 * f is a step function of μ that only jumps at the pairwise differences, so instead of Kayenta's Brent
 * search (absolute tolerance 1e-4, coarse for error rates around 0.1%) the root is found exactly: it is
 * the difference at which f changes sign. Kayenta's own checks are kept: f(min d) ≤ 0 gives min d,
 * f(max d) ≥ 0 gives max d. The Hodges–Lehmann estimate is the median of the differences.
 */
final class MannWhitney {
  private MannWhitney() {}

  record Interval(double lower, double upper, double estimate) {}

  /** The {@code conf} two-sided interval of x − y; x and y non-empty and not all one value. */
  static Interval interval(double[] x, double[] y, double conf) {
    double[] d = new double[x.length * y.length];
    int k = 0;
    for (double xi : x) {
      for (double yj : y) {
        d[k++] = xi - yj;
      }
    }
    Arrays.sort(d);
    double q = Stats.normalQuantile(1 - (1 - conf) / 2);
    if (d[0] == d[d.length - 1]) { // both series constant: Kayenta would jitter them; the shift is exact
      return new Interval(d[0], d[0], d[0]);
    }
    double[] xs = x.clone();
    double[] ys = y.clone();
    Arrays.sort(xs);
    Arrays.sort(ys);
    return new Interval(root(xs, ys, d, q), root(xs, ys, d, -q), median(d));
  }

  private static double root(double[] xs, double[] ys, double[] d, double q) {
    int nx = xs.length;
    int ny = ys.length;
    double half = nx * (double) ny / 2;
    long tiesX = ties(xs);
    long tiesY = ties(ys);
    // at min d the smallest x's tie with the largest y's; at max d the largest x's with the smallest y's
    double lo = d[0];
    int a = countEqual(xs, xs[0]);
    int b = countEqual(ys, ys[ny - 1]);
    double fLo = f(above(d, lo) + 0.5 * countEqual(d, lo) - half,
        sigma(nx, ny, tiesX + tiesY - cube(a) - cube(b) + cube(a + b)), q);
    if (fLo <= 0) {
      return lo;
    }
    double hi = d[d.length - 1];
    a = countEqual(xs, xs[nx - 1]);
    b = countEqual(ys, ys[0]);
    double fHi = f(above(d, hi) + 0.5 * countEqual(d, hi) - half,
        sigma(nx, ny, tiesX + tiesY - cube(a) - cube(b) + cube(a + b)), q);
    if (fHi >= 0) {
      return hi;
    }
    double sigma0 = sigma(nx, ny, tiesX + tiesY); // between differences no x − μ ties a y
    for (int i = 0; i < d.length; ) {
      int j = i;
      while (j < d.length && d[j] == d[i]) {
        j++;
      }
      // on the open interval after d[i], #{d > μ} = d.length − j
      if (j < d.length && f(d.length - j - half, sigma0, q) <= 0) {
        return d[i];
      }
      i = j;
    }
    return hi;
  }

  private static double f(double dz, double sigma, double q) {
    return (dz - Math.signum(dz) * 0.5) / sigma - q;
  }

  private static double sigma(int nx, int ny, long ties) {
    double n = nx + ny;
    return Math.sqrt(nx * (double) ny / 12 * ((n + 1) - ties / (n * (n - 1))));
  }

  /** Σ (t³ − t) over the tie groups of a sorted array. */
  private static long ties(double[] sorted) {
    long sum = 0;
    for (int i = 0; i < sorted.length; ) {
      int j = i;
      while (j < sorted.length && sorted[j] == sorted[i]) {
        j++;
      }
      sum += cube(j - i);
      i = j;
    }
    return sum;
  }

  private static long cube(long t) {
    return t * t * t - t;
  }

  private static int countEqual(double[] a, double v) {
    int n = 0;
    for (double x : a) {
      if (x == v) {
        n++;
      }
    }
    return n;
  }

  private static int above(double[] sorted, double v) {
    int n = 0;
    for (int i = sorted.length - 1; i >= 0 && sorted[i] > v; i--) {
      n++;
    }
    return n;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
