package io.rollgate.client;

import java.util.Locale;

/** Which document a subject gets during a rollout, as the server names it ({@code baseline} / {@code candidate}). */
public enum Variant {
  BASELINE,
  CANDIDATE;

  private final String wire = name().toLowerCase(Locale.ROOT);

  /** "baseline" / "candidate", as the server's API speaks it. */
  public String wire() {
    return wire;
  }
}
