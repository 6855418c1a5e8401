package io.rollgate.policy;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a candidate document was proposed. */
public enum ChangeKind {
  /** The first version of a new policy. */
  CREATE,
  /** A full document replacing the current one ({@code PUT}). */
  REPLACE,
  /** A JSON Merge Patch on the current document. */
  PATCH,
  /**
   * The content of an earlier version. Only freeze can stop a rollback: it is the operator's
   * emergency lever, and oscillation would otherwise fire on every rollback by definition.
   */
  ROLLBACK,
  /** The candidate of a completed staged rollout, measured at every stage before it became current. */
  ROLLOUT;

  /** The lower-case name, as in version listings and journal payloads; also how Jackson writes it. */
  @JsonValue
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
