package io.rollgate.policy;

import io.rollgate.error.InvalidInputException;
import java.util.regex.Pattern;

/** A policy's name: {@code [a-z0-9][a-z0-9_-]{0,63}}, so {@code policy.field} can address a nested value. */
public record PolicyName(String value) {
  private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  public PolicyName {
    if (value == null || !VALID.matcher(value).matches()) {
      throw new InvalidInputException("name", "invalid policy name " + quote(value)
          + ": must match [a-z0-9][a-z0-9_-]{0,63} (lower-case letters, digits, '-' and '_', at most 64)");
    }
  }

  public static PolicyName of(String value) {
    return new PolicyName(value);
  }

  private static String quote(String v) {
    if (v == null) {
      return "(none)";
    }
    String shown = v.length() > 80 ? v.substring(0, 80) + "…" : v;
    return "'" + shown + "'";
  }

  @Override
  public String toString() {
    return value;
  }
}
