package io.rollgate.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.rollout.Judged;
import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Stages;
import io.rollgate.rollout.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The rollout page's Checks table: each judge's statistic, threshold and sentence at every check. */
class RolloutViewsTest {
  private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");
  private static final Measurement.Counts COUNTS = new Measurement.Counts(1_000, 12, 9_000, 90);
  private static final Measurement.Split SPLIT = new Measurement.Split(Measurement.Split.HEALTHY, 0.2, 0.65, 1_000,
      1_000.0, 10_000, "split 1,000 of 10,000 as expected");

  @Test
  void a_comparison_shows_its_judges_statistic_threshold_and_sentence_and_why_the_verdict_differs() {
    Stages stages = Stages.of(new Stage("canary", 1_000, Duration.ZERO, OptionalDouble.empty(), false),
        new Stage("full", 10_000, Duration.ZERO, OptionalDouble.of(0.01), false));
    var pass = new Measurement.Comparison(T, "sequential", Verdict.PASS, 0.0523456, 19.99, "M 0.052 < 20", COUNTS,
        SPLIT);
    var nan = new Measurement.Comparison(T.plusSeconds(60), "sequential", Verdict.INCONCLUSIVE, Double.NaN,
        Double.NaN, "no requests yet", COUNTS, SPLIT);
    List<Views.Check> checks = RolloutViews.checks(List.of(
        new Judged(pass, Verdict.FAIL, "candidate error rate 1.20% > ceiling maxErrorRate 1.00%", 1),
        new Judged(nan, Verdict.INCONCLUSIVE, "sequential: no requests yet", 0),
        new Judged(new Measurement.Value(T, 0.004, 500), Verdict.PASS, "error rate 0.40% ≤ 1.00% over 500 requests",
            1)), stages);

    assertThat(checks.get(0)).isEqualTo(new Views.Check("2025-01-01 00:00:00 UTC", "full", "FAIL", "sequential",
        "0.05235", "19.99", "M 0.052 < 20 — FAIL: candidate error rate 1.20% > ceiling maxErrorRate 1.00%"));
    assertThat(checks.get(1)).isEqualTo(new Views.Check("2025-01-01 00:01:00 UTC", "canary", "INCONCLUSIVE",
        "sequential", "—", "—", "no requests yet"));
    assertThat(checks.get(2)).isEqualTo(new Views.Check("2025-01-01 00:00:00 UTC", "full", "PASS", "threshold",
        "error rate 0.40% over 500 requests", "error rate ≤ 1.00%", "error rate 0.40% ≤ 1.00% over 500 requests"));
  }
}
