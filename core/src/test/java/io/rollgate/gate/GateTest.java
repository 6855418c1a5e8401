package io.rollgate.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.evidence.Criteria;
import io.rollgate.evidence.Eligibility;
import io.rollgate.rollout.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** 002's thresholds at each boundary, stuck signatures, and how findings combine into a verdict. */
class GateTest {
  private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

  /** {@code applied} applied, the rest skipped, {@code stuck} signatures failing twice each (counted as proposals too). */
  private static ApplyStats stats(int applied, int skipped, int stuck) {
    List<Proposal> ps = new ArrayList<>();
    long seq = 0;
    for (int i = 0; i < applied; i++) {
      ps.add(new Proposal(++seq, T, "a" + i, ProposalOutcome.APPLIED));
    }
    for (int i = 0; i < skipped; i++) {
      ps.add(new Proposal(++seq, T, "s" + i, ProposalOutcome.SKIPPED));
    }
    for (int i = 0; i < stuck; i++) {
      ps.add(new Proposal(++seq, T, "x" + i, ProposalOutcome.FAILED));
      ps.add(new Proposal(++seq, T, "x" + i, ProposalOutcome.FAILED));
    }
    return ApplyStats.of(ps);
  }

  private static Verdict verdict(ApplyStats s, boolean strict) {
    return GateReport.of(strict, Gate.applyStats("p", "in session 't'", s, strict)).verdict();
  }

  @ParameterizedTest(name = "{0} of {1} applied, {2} stuck, strict={3} → {4}")
  @CsvSource({
      // normal: ≥ 90% passes
      "90, 100, 0, false, PASS",
      "9, 10, 0, false, PASS",
      // 80% ≤ ratio < 90% with nothing stuck: WARN (002's verifier passes it, its gate does not)
      "89, 100, 0, false, WARN",
      "80, 100, 0, false, WARN",
      "79, 100, 0, false, FAIL",
      // the same band with a stuck signature fails
      "86, 98, 1, false, FAIL",
      // ≥ 90% with one stuck signature: WARN; two: FAIL
      "96, 98, 1, false, WARN",
      "96, 100, 2, false, FAIL",
      // strict: 95% exactly passes, just under fails
      "19, 20, 0, true, PASS",
      "94, 99, 0, true, FAIL",
      "97, 102, 1, true, WARN",
      "97, 101, 2, true, FAIL",
  })
  void thresholds_of_002_at_each_boundary(int applied, int proposals, int stuck, boolean strict, Verdict expected) {
    ApplyStats s = stats(applied, proposals - applied - 2 * stuck, stuck);
    assertThat(s.proposals()).isEqualTo(proposals);
    assertThat(s.signatureStuck()).isEqualTo(stuck);
    assertThat(verdict(s, strict)).isEqualTo(expected);
  }

  @Test
  void messages_name_the_numbers_and_the_threshold() {
    var f = Gate.applyStats("limits", "since 2025-01-01T00:00:00Z", stats(17, 3, 0), false);
    assertThat(f).singleElement().satisfies(x -> {
      assertThat(x.verdict()).isEqualTo(Verdict.WARN);
      assertThat(x.check()).isEqualTo("apply-stats:limits");
      assertThat(x.message()).isEqualTo("full apply ratio 85.0% (17 of 20 applied, 3 skipped by a guard, 0 failed) "
          + "since 2025-01-01T00:00:00Z < 90% but ≥ 80% with no stuck signature");
    });
    var strict = Gate.applyStats("limits", "in session 's'", stats(18, 2, 0), true);
    assertThat(strict.get(0).message()).endsWith("< 95% (strict)").contains("90.0%");
    // rounded down: 1799 of 2000 is 89.95%, shown as 89.9%, never "90.0% < 90%"
    assertThat(Gate.applyStats("p", "w", stats(1799, 201, 0), false).get(0).message()).contains("89.9%");
  }

  @Test
  void no_proposals_warns_and_fails_when_strict() {
    assertThat(verdict(ApplyStats.EMPTY, false)).isEqualTo(Verdict.WARN);
    assertThat(verdict(ApplyStats.EMPTY, true)).isEqualTo(Verdict.FAIL);
    assertThat(ApplyStats.EMPTY.fullApplyRatio()).isNull();
  }

  @Test
  void a_signature_is_stuck_after_two_failures_without_ever_applying_and_skips_never_stick() {
    List<Proposal> ps = new ArrayList<>();
    ps.add(new Proposal(1, T, "a", ProposalOutcome.FAILED));
    ps.add(new Proposal(2, T, "a", ProposalOutcome.SKIPPED));
    ps.add(new Proposal(3, T, "b", ProposalOutcome.SKIPPED));
    ps.add(new Proposal(4, T, "b", ProposalOutcome.SKIPPED));
    ps.add(new Proposal(5, T, "b", ProposalOutcome.SKIPPED));
    ps.add(new Proposal(6, T, null, ProposalOutcome.FAILED));
    ps.add(new Proposal(7, T, null, ProposalOutcome.FAILED));
    assertThat(ApplyStats.of(ps).signatureStuck()).isZero();
    ps.add(new Proposal(8, T, "a", ProposalOutcome.FAILED));
    assertThat(ApplyStats.of(ps).stuckSignatures()).containsExactly("a");
    ps.add(new Proposal(9, T, "a", ProposalOutcome.APPLIED));
    assertThat(ApplyStats.of(ps).signatureStuck()).as("it landed in the end").isZero();
    ApplyStats s = ApplyStats.of(ps);
    assertThat(s.proposals()).isEqualTo(9);
    assertThat(s.applied()).isEqualTo(1);
    assertThat(s.partialOk()).isEqualTo(4);
    assertThat(s.failed()).isEqualTo(4);
    assertThat(s.fullApplyRatio()).isEqualTo(1.0 / 9);
  }

  @Test
  void counts_must_add_up() {
    assertThatThrownBy(() -> new ApplyStats(3, 1, 1, 0, 0, 1 / 3.0, List.of()))
        .hasMessage("proposals (3) must equal applied + partialOk + failed (1 + 1 + 0)");
  }

  @Test
  void a_scenario_that_is_not_eligible_fails_with_its_reason() {
    var c = new Criteria(20, 0.10, 100);
    var eligible = Eligibility.of("load", c, Collections.nCopies(20, true));
    var short_ = Eligibility.of("learned", c, Collections.nCopies(10, true));
    var report = GateReport.of(false, Gate.scenarios(List.of(eligible, short_)));
    assertThat(report.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(report.reasons()).singleElement().satisfies(f -> {
      assertThat(f.check()).isEqualTo("scenario:learned");
      assertThat(f.message()).isEqualTo("scenario 'learned' not eligible: 10 of 20 required runs");
    });
    assertThat(GateReport.of(true, Gate.scenarios(List.of(eligible))).verdict()).isEqualTo(Verdict.PASS);
  }

  @ParameterizedTest(name = "{0} strict={1} → {2}")
  @CsvSource({
      "COMPLETED, false, PASS", "COMPLETED, true, PASS",
      "ROLLED_BACK, false, FAIL", "ABORTED, false, FAIL",
      "PROGRESSING, false, WARN", "PAUSED, false, WARN", "AWAITING_APPROVAL, false, WARN",
      "PROGRESSING, true, FAIL", "PAUSED, true, FAIL",
  })
  void rollout_phases(Phase phase, boolean strict, Verdict expected) {
    assertThat(Gate.rollout("p-1", phase, null, strict).verdict()).isEqualTo(expected);
  }

  @Test
  void the_verdict_is_the_worst_finding_and_exit_codes_follow_it() {
    var pass = new Finding("a", Verdict.PASS, "ok");
    var warn = new Finding("b", Verdict.WARN, "hm");
    var fail = new Finding("c", Verdict.FAIL, "no");
    assertThat(GateReport.of(false, List.of(pass, warn)).verdict()).isEqualTo(Verdict.WARN);
    assertThat(GateReport.of(false, List.of(warn, fail, pass)).reasons()).containsExactly(fail);
    assertThat(GateReport.of(false, List.of(pass)).reasons()).containsExactly(pass);
    assertThat(Verdict.PASS.exitCode()).isZero();
    assertThat(Verdict.WARN.exitCode()).isZero();
    assertThat(Verdict.FAIL.exitCode()).isEqualTo(1);
    assertThatThrownBy(() -> GateReport.of(false, List.of())).hasMessageContaining("at least one check");
  }
}
