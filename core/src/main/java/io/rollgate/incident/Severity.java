package io.rollgate.incident;

import io.rollgate.error.InvalidInputException;
import java.util.Locale;

/** How bad: SEV1 (most severe) to SEV4. The wire form is {@code sev1}…{@code sev4}. */
public enum Severity {
  SEV1, SEV2, SEV3, SEV4;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The more severe of the two: an incident's severity only ever escalates with its occurrences. */
  public Severity worst(Severity other) {
    return compareTo(other) <= 0 ? this : other;
  }

  /** @throws InvalidInputException naming {@code field} */
  public static Severity parse(String field, String s) {
    for (Severity v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new InvalidInputException(field, "'" + field + "' must be sev1, sev2, sev3 or sev4; got '"
        + Text.shorten(s) + "'");
  }
}
