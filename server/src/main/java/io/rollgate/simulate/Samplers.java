package io.rollgate.simulate;

import java.util.SplittableRandom;

/**
 * Exact Poisson and binomial variates from a seeded {@link SplittableRandom}, fast enough for ~10⁸ draws:
 * Hörmann's transformed rejection (PTRS for the Poisson, BTRS for the binomial; W. Hörmann, "The
 * transformed rejection method for generating Poisson random variables", 1993, and "… binomial random
 * variables", 1993) when the mean is at least 10, inversion below.
 */
final class Samplers {
  private Samplers() {}

  private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
  private static final int TABLE = 256;
  private static final double[] LOG_FACTORIAL = new double[TABLE];

  static {
    for (int k = 1; k < TABLE; k++) {
      LOG_FACTORIAL[k] = LOG_FACTORIAL[k - 1] + Math.log(k);
    }
  }

  /** ln k! (exact sums below 256, Stirling's series with three correction terms above). */
  static double logFactorial(double k) {
    if (k < TABLE) {
      return LOG_FACTORIAL[(int) k];
    }
    double k2 = k * k;
    return k * Math.log(k) - k + 0.5 * Math.log(k) + HALF_LOG_2PI
        + (1.0 / 12 - (1.0 / 360 - 1.0 / (1260 * k2)) / k2) / k;
  }

  /** Stirling's tail δ(k) = ln k! − ((k + ½) ln(k + 1) − (k + 1) + ½ ln 2π), as BTRS needs it. */
  static double stirlingTail(double k) {
    if (k < 10) {
      return logFactorial(k) - ((k + 0.5) * Math.log(k + 1) - (k + 1) + HALF_LOG_2PI);
    }
    double kp1sq = (k + 1) * (k + 1);
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1);
  }

  /** Poisson(mean), mean ≥ 0. */
  static long poisson(SplittableRandom rnd, double mean) {
    if (mean < 10) {
      if (mean <= 0) {
        return 0;
      }
      double limit = Math.exp(-mean);
      double product = rnd.nextDouble();
      long k = 0;
      while (product > limit) {
        k++;
        product *= rnd.nextDouble();
      }
      return k;
    }
    double slam = Math.sqrt(mean);
    double logLam = Math.log(mean);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
    double vr = 0.9277 - 3.6224 / (b - 2);
    while (true) {
      double u = rnd.nextDouble() - 0.5;
      double v = rnd.nextDouble();
      double us = 0.5 - Math.abs(u);
      double k = Math.floor((2 * a / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) {
        return (long) k;
      }
      if (k < 0 || (us < 0.013 && v > us)) {
        continue;
      }
      if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= -mean + k * logLam - logFactorial(k)) {
        return (long) k;
      }
    }
  }

  /** Binomial(n, p), n ≥ 0, 0 ≤ p ≤ 1. */
  static long binomial(SplittableRandom rnd, long n, double p) {
    if (n == 0 || p <= 0) {
      return 0;
    }
    if (p >= 1) {
      return n;
    }
    if (p > 0.5) {
      return n - binomial(rnd, n, 1 - p);
    }
    if (n * p < 10) {
      // inversion: walk the pmf from 0, f(k+1) = f(k) · (n − k)/(k + 1) · p/(1 − p); f(0) ≥ e^-20 here
      double odds = p / (1 - p);
      double f0 = Math.exp(n * Math.log1p(-p));
      while (true) {
        double u = rnd.nextDouble();
        double f = f0;
        for (long k = 0; k <= n; k++) {
          if (u < f) {
            return k;
          }
          u -= f;
          f *= (n - k) / (double) (k + 1) * odds;
        }
        // u fell in the rounding gap beyond the last term: draw again
      }
    }
    double spq = Math.sqrt(n * p * (1 - p));
    double b = 1.15 + 2.53 * spq;
    double a = -0.0873 + 0.0248 * b + 0.01 * p;
    double c = n * p + 0.5;
    double vr = 0.92 - 4.2 / b;
    double r = p / (1 - p);
    double alpha = (2.83 + 5.1 / b) * spq;
    double m = Math.floor((n + 1) * p);
    while (true) {
      double u = rnd.nextDouble() - 0.5;
      double v = rnd.nextDouble();
      double us = 0.5 - Math.abs(u);
      double k = Math.floor((2 * a / us + b) * u + c);
      if (us >= 0.07 && v <= vr) {
        return (long) k;
      }
      if (k < 0 || k > n) {
        continue;
      }
      double lv = Math.log(v * alpha / (a / (us * us) + b));
      double bound = (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1)))
          + (n + 1) * Math.log((n - m + 1) / (n - k + 1))
          + (k + 0.5) * Math.log(r * (n - k + 1) / (k + 1))
          + stirlingTail(m) + stirlingTail(n - m) - stirlingTail(k) - stirlingTail(n - k);
      if (lv <= bound) {
        return (long) k;
      }
    }
  }
}
