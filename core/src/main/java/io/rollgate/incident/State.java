package io.rollgate.incident;

import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where an incident is in its life. People move it along {@link #TRANSITIONS}; anything else is a
 * {@link ConflictException} (HTTP 409) naming both states. The one move outside the table is the
 * system's reopen (RESOLVED → OPEN, by a new signal within the reopen window), see {@link #reopenable()}.
 */
public enum State {
  OPEN, ACKNOWLEDGED, MITIGATED, RESOLVED, CLOSED;

  /** The transitions people may make; CLOSED is final. */
  public static final Map<State, Set<State>> TRANSITIONS;

  static {
    Map<State, Set<State>> t = new EnumMap<>(State.class);
    t.put(OPEN, EnumSet.of(ACKNOWLEDGED, RESOLVED));
    t.put(ACKNOWLEDGED, EnumSet.of(OPEN, MITIGATED, RESOLVED)); // OPEN: un-acknowledge
    t.put(MITIGATED, EnumSet.of(RESOLVED));
    t.put(RESOLVED, EnumSet.of(CLOSED));
    t.put(CLOSED, EnumSet.noneOf(State.class));
    t.replaceAll((k, v) -> Set.copyOf(v));
    TRANSITIONS = Map.copyOf(t);
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Open for dedup: a signal with this incident's key joins it instead of creating another. */
  public boolean isOpen() {
    return this == OPEN || this == ACKNOWLEDGED || this == MITIGATED;
  }

  /** A new signal within the reopen window reopens a resolved incident; a closed one is final. */
  public boolean reopenable() {
    return this == RESOLVED;
  }

  public boolean canGoTo(State to) {
    return TRANSITIONS.get(this).contains(to);
  }

  /**
   * Returns {@code to} if people may move an incident from this state there, else refuses naming
   * both states and the legal ones, e.g. "incident 7 cannot go from open to closed (from open it
   * may go to acknowledged, resolved)".
   */
  public State requireTransition(State to, String what) {
    if (canGoTo(to)) {
      return to;
    }
    String legal = TRANSITIONS.get(this).isEmpty() ? wire() + " is final"
        : "from " + wire() + " it may go to " + TRANSITIONS.get(this).stream().sorted().map(State::wire)
            .collect(Collectors.joining(", "));
    throw new ConflictException(what + " cannot go from " + wire() + " to " + to.wire() + " (" + legal + ")");
  }

  public static State parse(String field, String s) {
    for (State v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new InvalidInputException(field, "'" + field + "' must be open, acknowledged, mitigated, resolved or closed;"
        + " got '" + Text.shorten(s) + "'");
  }
}
