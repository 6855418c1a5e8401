package io.rollgate.rollout.judge;

import java.util.Locale;

/** How numbers appear in the judges' sentences. */
final class Fmt {
  private Fmt() {}

  /** 0.0062 → "0.62%"; small rates keep three significant digits ("0.0123%"). */
  static String rate(double r) {
    if (Double.isNaN(r)) {
      return "n/a";
    }
    double pct = r * 100;
    if (pct != 0 && Math.abs(pct) < 0.1) {
      return String.format(Locale.ROOT, "%.3g%%", pct);
    }
    return String.format(Locale.ROOT, "%.2f%%", pct);
  }

  /** 1204 → "1,204". */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Three significant digits, plain: 23.4, 0.00512, 1.02e+06 for huge. */
  static String num(double x) {
    if (Double.isNaN(x)) {
      return "n/a";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "∞" : "-∞";
    }
    double a = Math.abs(x);
    if (a != 0 && (a >= 1e6 || a < 1e-4)) {
      return String.format(Locale.ROOT, "%.3g", x);
    }
    return new java.math.BigDecimal(x).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
  }
}
