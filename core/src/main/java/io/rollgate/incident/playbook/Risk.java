package io.rollgate.incident.playbook;

import java.util.Locale;

/** How much an action can hurt. HIGH waits for an approval by an admin who is not the requester. */
public enum Risk {
  LOW, MEDIUM, HIGH;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
