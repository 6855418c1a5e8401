package io.rollgate.gate;

import java.util.Locale;

/**
 * What one proposed change came to, for apply statistics (origin document 002, phase 3).
 * <ul>
 *   <li>{@code APPLIED}: a new version was committed (the state changed);
 *   <li>{@code SKIPPED}: the apply pipeline declined with a skip reason (freeze, oscillation, velocity,
 *       cooldown or no-op) — 002's "partial ok": the system worked as designed;
 *   <li>{@code FAILED}: refused without a skip reason (the policy was under a rollout, or the proposer
 *       reported a proposal it could not even make, such as a tuner that crashed).
 * </ul>
 */
public enum ProposalOutcome {
  APPLIED,
  SKIPPED,
  FAILED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ProposalOutcome fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
