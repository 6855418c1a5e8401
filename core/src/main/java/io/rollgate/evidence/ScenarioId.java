package io.rollgate.evidence;

import io.rollgate.error.InvalidInputException;
import java.util.regex.Pattern;

/** A scenario's id: {@code [a-z0-9][a-z0-9_-]{0,63}}, like a policy name, so it is safe in paths and journal subjects. */
public record ScenarioId(String value) {
  public static final int MAX_LENGTH = 64;
  private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  public ScenarioId {
    if (value == null || !VALID.matcher(value).matches()) {
      String shown = value == null ? "(none)" : "'" + (value.length() > 80 ? value.substring(0, 80) + "…" : value) + "'";
      throw new InvalidInputException("id", "invalid scenario id " + shown
          + ": must match [a-z0-9][a-z0-9_-]{0,63} (lower-case letters, digits, '-' and '_', at most 64)");
    }
  }

  public static ScenarioId of(String value) {
    return new ScenarioId(value);
  }

  /** The journal subject of entries about this scenario. */
  public String subject() {
    return "scenario:" + value;
  }

  @Override
  public String toString() {
    return value;
  }
}
