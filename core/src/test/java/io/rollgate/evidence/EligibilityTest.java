package io.rollgate.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.InvalidInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EligibilityTest {
  static List<Boolean> runs(int passed, int failed) {
    var l = new ArrayList<Boolean>();
    l.addAll(Collections.nCopies(failed, false));
    l.addAll(Collections.nCopies(passed, true));
    return l;
  }

  @Test
  void too_few_runs_say_how_many_are_missing() {
    var e = Eligibility.of("s", Criteria.DEFAULTS, runs(10, 0));

    assertThat(e.eligible()).isFalse();
    assertThat(e.reason()).isEqualTo("10 of 20 required runs");
    assertThat(e.runs()).isEqualTo(10);
    assertThat(e.minRuns()).isEqualTo(20);
  }

  @Test
  void a_failure_rate_over_the_threshold_is_named_with_both_percentages() {
    var e = Eligibility.of("s", Criteria.DEFAULTS, runs(22, 3)); // 3 of 25 = 12%

    assertThat(e.eligible()).isFalse();
    assertThat(e.reason()).startsWith("failure rate 12.0% > 10.0%");
    assertThat(e.failures()).isEqualTo(3);
    assertThat(e.failureRate()).isEqualTo(0.12);
  }

  @Test
  void the_demo_evidence_of_000_is_eligible_25_runs_at_96_percent() {
    var e = Eligibility.of("tolerance-sweep", Criteria.DEFAULTS, runs(24, 1));

    assertThat(e.eligible()).isTrue();
    assertThat(e.reason()).isEqualTo("failure rate 4.0% ≤ 10.0% over the last 25 runs");
  }

  @Test
  void exactly_at_the_threshold_is_eligible_without_floating_point_surprises() {
    assertThat(Eligibility.of("s", Criteria.DEFAULTS, runs(18, 2)).eligible()).isTrue(); // 2/20 = 10.0%
    assertThat(Eligibility.of("s", new Criteria(3, 0.3, 10), runs(7, 3)).eligible()).isTrue(); // 0.1*3 is 0.30000000000000004
    assertThat(Eligibility.of("s", Criteria.DEFAULTS, runs(17, 3)).eligible()).isFalse();
  }

  @Test
  void only_the_last_window_runs_count_newest_first() {
    var recent = new ArrayList<Boolean>(Collections.nCopies(100, true));
    recent.addAll(Collections.nCopies(50, false)); // older failures fall outside the window

    var e = Eligibility.of("s", Criteria.DEFAULTS, recent);

    assertThat(e.eligible()).isTrue();
    assertThat(e.runs()).isEqualTo(100);
    assertThat(e.failures()).isZero();
  }

  @Test
  void criteria_refuse_bad_values_naming_the_field() {
    assertThatThrownBy(() -> new Criteria(0, 0.1, 100)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'minRuns' must be 1 to 10000, got 0");
    assertThatThrownBy(() -> new Criteria(20, 1.5, 100)).satisfies(
        e -> assertThat(((InvalidInputException) e).field()).isEqualTo("maxFailureRate"));
    assertThatThrownBy(() -> new Criteria(20, Double.NaN, 100)).hasMessageContaining("maxFailureRate");
    assertThatThrownBy(() -> new Criteria(20, -0.01, 100)).hasMessageContaining("maxFailureRate");
    assertThatThrownBy(() -> new Criteria(20, 0.1, 10)).satisfies(
        e -> assertThat(((InvalidInputException) e).field()).isEqualTo("window"))
        .hasMessageContaining("(10 runs) must be at least 'minRuns' (20)");
    assertThatThrownBy(() -> new RegressionRule(50, 2)).hasMessageContaining("regressionMaxFailureRate");
    assertThatThrownBy(() -> ScenarioId.of("Bad Id")).hasMessageContaining("invalid scenario id 'Bad Id'");
    assertThatThrownBy(() -> new Run(true, -1L, null, null)).hasMessageContaining("'durationMs' must be 0 to");
  }

  @Test
  void the_regression_rule_is_000s_50_runs_and_5_percent_and_never_laxer_than_the_failed_scenario() {
    assertThat(RegressionRule.DEFAULT.stricterThan(Criteria.DEFAULTS)).isEqualTo(new Criteria(50, 0.05, 100));
    assertThat(RegressionRule.DEFAULT.stricterThan(new Criteria(80, 0.01, 80))).isEqualTo(new Criteria(80, 0.01, 80));
    assertThat(new RegressionRule(200, 0.2).stricterThan(Criteria.DEFAULTS)).isEqualTo(new Criteria(200, 0.1, 200));
  }

  @Property(tries = 500)
  void eligible_exactly_when_enough_runs_and_failures_at_most_the_threshold(
      @ForAll @IntRange(min = 1, max = 60) int minRuns, @ForAll @IntRange(min = 0, max = 100) int ratePercent,
      @ForAll @IntRange(min = 0, max = 120) int passed, @ForAll @IntRange(min = 0, max = 120) int failed) {
    var c = new Criteria(minRuns, ratePercent / 100.0, 100);
    var e = Eligibility.of("s", c, runs(passed, failed));

    int counted = Math.min(100, passed + failed);
    int countedFailures = Math.min(failed, 100); // failures are newest in runs()
    assertThat(e.runs()).isEqualTo(counted);
    assertThat(e.failures()).isEqualTo(countedFailures);
    // integer arithmetic: failures / runs ≤ p / 100  ⇔  100 · failures ≤ p · runs
    boolean expected = counted >= minRuns && 100L * countedFailures <= (long) ratePercent * counted;
    assertThat(e.eligible()).as("%s", e).isEqualTo(expected);
    assertThat(e.reason()).isNotBlank();
    if (counted < minRuns) {
      assertThat(e.reason()).isEqualTo(counted + " of " + minRuns + " required runs");
    }
  }

  @Property(tries = 200)
  void one_more_failure_at_the_boundary_tips_it_over(@ForAll @IntRange(min = 1, max = 50) int failures,
      @ForAll @IntRange(min = 0, max = 50) int extra) {
    int runs = failures * 10 + extra; // rate ≤ 10% with `failures` failures
    var c = new Criteria(Math.max(1, runs), 0.10, Math.max(1, runs));
    int allowed = runs / 10; // the most failures 10% allows among `runs`
    assertThat(Eligibility.of("s", c, runs(runs - allowed, allowed)).eligible()).isTrue();
    assertThat(Eligibility.of("s", c, runs(runs - allowed - 1, allowed + 1)).eligible()).isFalse();
  }
}
