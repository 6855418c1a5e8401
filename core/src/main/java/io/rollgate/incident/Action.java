package io.rollgate.incident;

/** What a person does to an incident, and the state it leads to; {@link State#TRANSITIONS} says from where. */
public enum Action {
  ACKNOWLEDGE("acknowledge", State.ACKNOWLEDGED),
  UNACKNOWLEDGE("unacknowledge", State.OPEN),
  MITIGATE("mitigate", State.MITIGATED),
  RESOLVE("resolve", State.RESOLVED),
  CLOSE("close", State.CLOSED);

  private final String wire;
  private final State target;

  Action(String wire, State target) {
    this.wire = wire;
    this.target = target;
  }

  /** The last path segment of its route, e.g. {@code acknowledge}. */
  public String wire() {
    return wire;
  }

  public State target() {
    return target;
  }
}
