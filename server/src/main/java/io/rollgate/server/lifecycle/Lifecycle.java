package io.rollgate.server.lifecycle;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server's lifecycle as an explicit state machine. While {@link State#DRAINING}, {@code /health}
 * answers 503 so load balancers stop sending traffic, and mutating requests are refused with 503
 * while reads, requests in flight and the journal finish.
 */
public final class Lifecycle {
  public enum State { STARTING, SERVING, DRAINING, STOPPED }

  private static final Map<State, Set<State>> TRANSITIONS = Map.of(
      State.STARTING, EnumSet.of(State.SERVING, State.DRAINING),
      State.SERVING, EnumSet.of(State.DRAINING),
      State.DRAINING, EnumSet.of(State.STOPPED),
      State.STOPPED, EnumSet.noneOf(State.class));

  /** Requests that arrive late (a second close, a drain while stopping): no-ops, not errors. */
  private static final Map<State, Set<State>> ALREADY_PAST = Map.of(
      State.STARTING, EnumSet.noneOf(State.class),
      State.SERVING, EnumSet.noneOf(State.class),
      State.DRAINING, EnumSet.of(State.DRAINING),
      State.STOPPED, EnumSet.of(State.DRAINING, State.STOPPED));

  private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

  public State state() {
    return state.get();
  }

  /** Moves to {@code to} if that is allowed from the current state; false if another caller got there first. */
  public boolean moveTo(State to) {
    while (true) {
      State from = state.get();
      if (!TRANSITIONS.get(from).contains(to)) {
        if (ALREADY_PAST.get(from).contains(to)) {
          return false;
        }
        throw new IllegalStateException("lifecycle cannot go from " + from + " to " + to);
      }
      if (state.compareAndSet(from, to)) {
        return true;
      }
    }
  }

  /** True once draining has begun: no new mutations. */
  public boolean draining() {
    return state.get().ordinal() >= State.DRAINING.ordinal();
  }
}
