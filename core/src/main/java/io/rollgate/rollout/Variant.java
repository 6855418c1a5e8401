package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.util.Locale;

/** Which document a subject gets during a rollout. */
public enum Variant {
  BASELINE,
  CANDIDATE;

  /** "baseline" / "candidate", as the API and the SDK speak it. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Variant parse(String field, String value) {
    if (value != null) {
      switch (value) {
        case "baseline": return BASELINE;
        case "candidate": return CANDIDATE;
        default: break;
      }
    }
    throw new InvalidInputException(field, field + " must be 'baseline' or 'candidate', got "
        + (value == null ? "none" : "'" + value + "'"));
  }
}
