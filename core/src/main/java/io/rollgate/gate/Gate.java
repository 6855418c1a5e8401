package io.rollgate.gate;

import io.rollgate.evidence.Eligibility;
import io.rollgate.rollout.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The gate's rules, pure: each piece of evidence becomes a {@link Finding}; {@link GateReport#of}
 * takes the worst. Thresholds from origin document 002:
 * <ul>
 *   <li>apply statistics, normal: PASS at a full apply ratio ≥ 90%; WARN from 80% up to 90% when no
 *       signature is stuck (002's verifier passes this band, its gate does not: it passes here, flagged);
 *       FAIL below that. Strict: PASS at ≥ 95%, FAIL below. More than one stuck signature FAILs either way;
 *       exactly one WARNs. No proposals at all WARNs, and FAILs when strict (no data is never a pass).
 *   <li>scenarios: FAIL when any required scenario is not eligible (its reason is the message).
 *   <li>rollouts: COMPLETED passes; ROLLED_BACK and ABORTED FAIL; still running (progressing, awaiting
 *       approval, paused) WARNs, and FAILs when strict (the evidence is not in yet).
 * </ul>
 * Ratios are compared in integer arithmetic: 19 of 20 is exactly 95%.
 */
public final class Gate {
  public static final int NORMAL_PERCENT = 90;
  public static final int LENIENT_PERCENT = 80;
  public static final int STRICT_PERCENT = 95;
  /** More stuck signatures than this fail the gate (002: "signature stuck count > 1"). */
  public static final int MAX_STUCK = 1;

  private Gate() {}

  /** @param window how the proposals were chosen, for the message: "since 2025-…", "in session soak-7" */
  public static List<Finding> applyStats(String policy, String window, ApplyStats s, boolean strict) {
    String check = "apply-stats:" + policy;
    List<Finding> out = new ArrayList<>();
    if (s.proposals() == 0) {
      out.add(new Finding(check, strict ? Verdict.FAIL : Verdict.WARN, "no proposals for policy '" + policy + "' "
          + window + ": nothing to judge" + (strict ? " (strict: no data is never a pass)" : "")));
      return out;
    }
    String ratio = "full apply ratio " + percent(s.applied(), s.proposals()) + " (" + s.applied() + " of "
        + s.proposals() + " applied, " + s.partialOk() + " skipped by a guard, " + s.failed() + " failed) " + window;
    int stuck = s.signatureStuck();
    if (strict) {
      out.add(atLeast(s, STRICT_PERCENT)
          ? new Finding(check, Verdict.PASS, ratio + " ≥ " + STRICT_PERCENT + "% (strict)")
          : new Finding(check, Verdict.FAIL, ratio + " < " + STRICT_PERCENT + "% (strict)"));
    } else if (atLeast(s, NORMAL_PERCENT)) {
      out.add(new Finding(check, Verdict.PASS, ratio + " ≥ " + NORMAL_PERCENT + "%"));
    } else if (atLeast(s, LENIENT_PERCENT) && stuck == 0) {
      out.add(new Finding(check, Verdict.WARN, ratio + " < " + NORMAL_PERCENT + "% but ≥ " + LENIENT_PERCENT
          + "% with no stuck signature"));
    } else if (atLeast(s, LENIENT_PERCENT)) {
      out.add(new Finding(check, Verdict.FAIL, ratio + " < " + NORMAL_PERCENT + "%, and ≥ " + LENIENT_PERCENT
          + "% passes only with no stuck signature (" + stuck + " stuck)"));
    } else {
      out.add(new Finding(check, Verdict.FAIL, ratio + " < " + LENIENT_PERCENT + "%"));
    }
    if (stuck > MAX_STUCK) {
      out.add(new Finding(check, Verdict.FAIL, stuck + " stuck signatures > " + MAX_STUCK + " allowed: "
          + shortList(s.stuckSignatures())));
    } else if (stuck > 0) {
      out.add(new Finding(check, Verdict.WARN, stuck + " stuck signature (the same proposal failed "
          + ApplyStats.STUCK_REPEATS + "+ times and never applied): " + shortList(s.stuckSignatures())));
    }
    return out;
  }

  /** @param required the named scenario and every scenario bound to the policy (learned ones included) */
  public static List<Finding> scenarios(List<Eligibility> required) {
    return required.stream().map(e -> new Finding("scenario:" + e.scenario(),
        e.eligible() ? Verdict.PASS : Verdict.FAIL,
        "scenario '" + e.scenario() + "' " + (e.eligible() ? "eligible: " : "not eligible: ") + e.reason()))
        .toList();
  }

  /** @param detail what the rollout says about itself, e.g. its last transition's reason; may be null */
  public static Finding rollout(String id, Phase phase, String detail, boolean strict) {
    String check = "rollout:" + id;
    String tail = detail == null || detail.isBlank() ? "" : " (" + detail + ")";
    return switch (phase) {
      case COMPLETED -> new Finding(check, Verdict.PASS, "rollout " + id + " completed" + tail);
      case ROLLED_BACK, ABORTED -> new Finding(check, Verdict.FAIL,
          "rollout " + id + " " + phase.name().toLowerCase(Locale.ROOT).replace('_', ' ') + tail);
      case PROGRESSING, AWAITING_APPROVAL, PAUSED -> new Finding(check, strict ? Verdict.FAIL : Verdict.WARN,
          "rollout " + id + " is still " + phase.name().toLowerCase(Locale.ROOT).replace('_', ' ') + tail
              + (strict ? ": a strict gate needs a finished rollout" : ""));
    };
  }

  private static boolean atLeast(ApplyStats s, int percent) {
    return (long) s.applied() * 100 >= (long) percent * s.proposals();
  }

  static String percent(int part, int whole) {
    // rounded down: 89.96% must not read "90.0% < 90%"
    return java.math.BigDecimal.valueOf(part * 100L).divide(java.math.BigDecimal.valueOf(whole), 1,
        java.math.RoundingMode.DOWN).toPlainString() + "%";
  }

  private static String shortList(List<String> signatures) {
    return String.join(", ", signatures.stream().limit(5).map(s -> s.length() > 12 ? s.substring(0, 12) + "…" : s)
        .toList()) + (signatures.size() > 5 ? ", …" : "");
  }
}
