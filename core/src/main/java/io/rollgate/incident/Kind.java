package io.rollgate.incident;

import io.rollgate.error.InvalidInputException;
import java.util.Locale;

/** What went wrong, by source. The wire form is the lower-case name, e.g. {@code rollout_regression}. */
public enum Kind {
  ROLLOUT_REGRESSION,
  GATE_FAILURE,
  BUDGET,
  VERIFICATION_FAILURE,
  ATTESTATION_FAILURE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws InvalidInputException naming {@code field} and the known kinds */
  public static Kind parse(String field, String s) {
    for (Kind k : values()) {
      if (k.wire().equals(s)) {
        return k;
      }
    }
    throw new InvalidInputException(field, "'" + field + "' must be one of rollout_regression, gate_failure, budget, "
        + "verification_failure, attestation_failure; got '" + Text.shorten(s) + "'");
  }
}
