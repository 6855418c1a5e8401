package io.rollgate.rollout.judge;

import io.rollgate.rollout.Verdict;
import java.util.Objects;

/**
 * A judge's answer at one check: the statistic it computed, the bar it compared it with, and a sentence
 * naming the numbers, e.g. "evidence ratio 23.4 ≥ 20 (1/α) …". What the rollout status and the journal
 * show at every check.
 */
public sealed interface JudgeResult {
  /** The judge's name ({@code sequential}, …). */
  String judge();

  /** The number the judge compared: M_t, a confidence bound, an error rate, a z score … */
  double statistic();

  /** What {@link #statistic()} was compared with; NaN when the judge did not get that far. */
  double threshold();

  /** A sentence a person can read, with the numbers. */
  String reason();

  /** As the rollout model counts it. */
  Verdict verdict();

  /** Nothing wrong found, on enough data. */
  record Pass(String judge, double statistic, double threshold, String reason) implements JudgeResult {
    public Pass {
      check(judge, reason);
    }

    @Override
    public Verdict verdict() {
      return Verdict.PASS;
    }
  }

  /** The candidate is worse than the baseline (beyond the tolerance): roll back. */
  record Fail(String judge, double statistic, double threshold, String reason) implements JudgeResult {
    public Fail {
      check(judge, reason);
    }

    @Override
    public Verdict verdict() {
      return Verdict.FAIL;
    }
  }

  /** Too little data to say anything, either way. Never a pass. */
  record Inconclusive(String judge, double statistic, double threshold, String reason) implements JudgeResult {
    public Inconclusive {
      check(judge, reason);
    }

    @Override
    public Verdict verdict() {
      return Verdict.INCONCLUSIVE;
    }
  }

  private static void check(String judge, String reason) {
    Objects.requireNonNull(judge, "judge");
    Objects.requireNonNull(reason, "reason");
  }
}
