package io.rollgate.store.token;

import io.rollgate.error.InvalidInputException;
import java.util.Locale;

/** Roles, each including the ones before it: viewer reads, operator changes, admin configures. */
public enum Role {
  VIEWER, OPERATOR, ADMIN;

  public boolean includes(Role required) {
    return compareTo(required) >= 0;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role parse(String value, String field) {
    if (value != null) {
      for (Role r : values()) {
        if (r.wire().equals(value)) {
          return r;
        }
      }
    }
    throw new InvalidInputException(field, field + " must be one of viewer, operator, admin; got "
        + (value == null ? "nothing" : "'" + value + "'"));
  }
}
