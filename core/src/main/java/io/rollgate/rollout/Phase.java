package io.rollgate.rollout;

import io.rollgate.error.ConflictException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a rollout is in its life. Every change of phase, automatic or manual, is checked against
 * {@link #TRANSITIONS}; anything else is refused with a {@link ConflictException} (HTTP 409).
 * PROGRESSING → PROGRESSING is legal: advancing or stepping back a stage keeps the phase.
 */
public enum Phase {
  /** At a stage, measuring; may advance, step back, pause or finish on its own. */
  PROGRESSING,
  /** The current stage passed; the next one needs an approval. Measurement continues, failures still step back. */
  AWAITING_APPROVAL,
  /** Stopped by an operator or by the analysis (errors, no evidence); holds its stage until resumed. */
  PAUSED,
  /** The candidate became the policy's current version. */
  COMPLETED,
  /** Everyone back on the baseline because the candidate failed (automatically or by an operator). */
  ROLLED_BACK,
  /** Everyone back on the baseline because an operator stopped the rollout. */
  ABORTED;

  /** The legal transitions; terminal phases map to the empty set. */
  public static final Map<Phase, Set<Phase>> TRANSITIONS;

  static {
    Map<Phase, Set<Phase>> t = new EnumMap<>(Phase.class);
    t.put(PROGRESSING, EnumSet.of(PROGRESSING, AWAITING_APPROVAL, PAUSED, COMPLETED, ROLLED_BACK, ABORTED));
    t.put(AWAITING_APPROVAL, EnumSet.of(PROGRESSING, PAUSED, ROLLED_BACK, ABORTED));
    t.put(PAUSED, EnumSet.of(PROGRESSING, ROLLED_BACK, ABORTED));
    t.put(COMPLETED, EnumSet.noneOf(Phase.class));
    t.put(ROLLED_BACK, EnumSet.noneOf(Phase.class));
    t.put(ABORTED, EnumSet.noneOf(Phase.class));
    t.replaceAll((k, v) -> Set.copyOf(v));
    TRANSITIONS = Map.copyOf(t);
  }

  public boolean isTerminal() {
    return TRANSITIONS.get(this).isEmpty();
  }

  public boolean canGoTo(Phase to) {
    return TRANSITIONS.get(this).contains(to);
  }

  /**
   * Returns {@code to} if this phase may go there, else refuses naming both phases and the legal
   * ones, e.g. "rollout cannot go from COMPLETED to PAUSED (COMPLETED is terminal)".
   */
  public Phase requireTransition(Phase to, String what) {
    if (canGoTo(to)) {
      return to;
    }
    String legal = isTerminal() ? name() + " is terminal"
        : "from " + name() + " it may go to " + TRANSITIONS.get(this).stream().sorted()
            .map(Enum::name).collect(Collectors.joining(", "));
    throw new ConflictException("cannot " + what + ": rollout cannot go from " + name() + " to " + to.name()
        + " (" + legal + ")");
  }
}
