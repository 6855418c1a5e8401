package io.rollgate.incident.playbook;

import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a playbook execution is. Every move is checked against {@link #TRANSITIONS}; anything else is
 * a {@link ConflictException} (409) naming both states. SUCCEEDED, FAILED, CANCELED and TIMED_OUT are final.
 */
public enum ExecutionState {
  /** Accepted and planned; about to wait for an approval or to run. */
  REQUESTED,
  /** A high-risk action waiting for an admin who is not the requester, until its approval deadline. */
  AWAITING_APPROVAL,
  /** Running: for the actions that reach outside the journal (http-call, rerun-analysis) this is visible. */
  RUNNING,
  SUCCEEDED,
  FAILED,
  /** Withdrawn before it ran. */
  CANCELED,
  /** Nobody approved it before its deadline. */
  TIMED_OUT;

  public static final Map<ExecutionState, Set<ExecutionState>> TRANSITIONS;

  static {
    Map<ExecutionState, Set<ExecutionState>> t = new EnumMap<>(ExecutionState.class);
    t.put(REQUESTED, EnumSet.of(AWAITING_APPROVAL, RUNNING, CANCELED));
    t.put(AWAITING_APPROVAL, EnumSet.of(RUNNING, CANCELED, TIMED_OUT));
    t.put(RUNNING, EnumSet.of(SUCCEEDED, FAILED));
    for (ExecutionState s : EnumSet.of(SUCCEEDED, FAILED, CANCELED, TIMED_OUT)) {
      t.put(s, EnumSet.noneOf(ExecutionState.class));
    }
    t.replaceAll((k, v) -> Set.copyOf(v));
    TRANSITIONS = Map.copyOf(t);
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isFinal() {
    return TRANSITIONS.get(this).isEmpty();
  }

  public boolean canGoTo(ExecutionState to) {
    return TRANSITIONS.get(this).contains(to);
  }

  /** Returns {@code to}, or refuses naming both states and the legal ones. */
  public ExecutionState requireTransition(ExecutionState to, String what) {
    if (canGoTo(to)) {
      return to;
    }
    String legal = isFinal() ? wire() + " is final"
        : "from " + wire() + " it may go to " + TRANSITIONS.get(this).stream().sorted().map(ExecutionState::wire)
            .collect(Collectors.joining(", "));
    throw new ConflictException(what + " cannot go from " + wire() + " to " + to.wire() + " (" + legal + ")");
  }

  public static ExecutionState parse(String field, String s) {
    for (ExecutionState v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new InvalidInputException(field, "'" + field + "' must be one of requested, awaiting_approval, running, "
        + "succeeded, failed, canceled, timed_out; got '" + Plans.shorten(s) + "'");
  }
}
