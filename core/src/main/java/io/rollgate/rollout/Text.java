package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/** How numbers appear in reasons: people read these in the journal and the status. */
final class Text {
  private Text() {}

  /** 0.0062 → "0.62%". */
  static String rate(double r) {
    return String.format(Locale.ROOT, "%.2f%%", r * 100);
  }

  /** 1250 → "12.5%". */
  static String basisPoints(int bp) {
    return BigDecimal.valueOf(bp, 2).stripTrailingZeros().toPlainString() + "%";
  }

  /** 1204 → "1,204". */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** 26h5m → "26h5m", 90s → "1m30s", 0 → "0s". */
  static String duration(Duration d) {
    if (d.isNegative()) {
      return "-" + duration(d.negated());
    }
    long s = d.toSeconds();
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    StringBuilder b = new StringBuilder();
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (sec > 0 || b.isEmpty()) {
      b.append(sec).append('s');
    }
    return b.toString();
  }

  static String requireText(String field, String value, int max) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(field, field + " must not be blank");
    }
    if (value.length() > max) {
      throw new InvalidInputException(field,
          field + " must be at most " + max + " characters, got " + value.length());
    }
    return value;
  }
}
