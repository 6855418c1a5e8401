package io.rollgate.store.incident;

import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.State;

/** Which incidents to list; a null member matches all. */
public record IncidentFilter(State state, Severity severity, Kind kind) {
  public static final IncidentFilter ALL = new IncidentFilter(null, null, null);
}
