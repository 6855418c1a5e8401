package io.rollgate.simulate;

import java.util.Arrays;

/** One detector's outcomes over some runs of one cell; chunks merge in a fixed order (deterministic sums). */
final class Tally {
  int runs;
  int rolledBack;
  int caught;
  /** Seconds from the regression's onset to the rollback, for caught runs. */
  int[] detectSeconds = new int[16];
  final int[] rollbacksByStage;
  long badRequests;
  double excessErrors;

  Tally(int stages) {
    rollbacksByStage = new int[stages];
  }

  void caught(int seconds) {
    if (caught == detectSeconds.length) {
      detectSeconds = Arrays.copyOf(detectSeconds, caught * 2);
    }
    detectSeconds[caught++] = seconds;
  }

  void merge(Tally o) {
    runs += o.runs;
    rolledBack += o.rolledBack;
    for (int i = 0; i < o.caught; i++) {
      caught(o.detectSeconds[i]);
    }
    for (int i = 0; i < rollbacksByStage.length; i++) {
      rollbacksByStage[i] += o.rollbacksByStage[i];
    }
    badRequests += o.badRequests;
    excessErrors += o.excessErrors;
  }

  /** The q-quantile of the time to detect in seconds over all runs, misses counted as infinite. */
  double quantileSeconds(double q) {
    int[] sorted = Arrays.copyOf(detectSeconds, caught);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * runs); // 1-based rank of the quantile among all runs
    if (rank < 1) {
      rank = 1;
    }
    return rank <= caught ? sorted[rank - 1] : Double.POSITIVE_INFINITY;
  }

  /** The median time to detect among caught runs only; NaN when none was. */
  double detectedMedianSeconds() {
    if (caught == 0) {
      return Double.NaN;
    }
    int[] sorted = Arrays.copyOf(detectSeconds, caught);
    Arrays.sort(sorted);
    return caught % 2 == 1 ? sorted[caught / 2] : (sorted[caught / 2 - 1] + sorted[caught / 2]) / 2.0;
  }
}
