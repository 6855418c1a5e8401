package io.rollgate.client;

/** Why an {@link Evaluation} has the value it has. The first three carry a policy's value; the rest the caller's default. */
public enum Reason {
  /** No rollout: every subject gets the policy's current version. */
  STATIC,
  /** Under a rollout: the subject's bucket chose the baseline or the candidate. */
  SPLIT,
  /** Under a rollout, but no subject key (null or blank): the baseline, as on the server, never a random draw. */
  NO_SUBJECT,
  /** The client has no snapshot yet (server unreachable and no snapshot or bootstrap file). */
  NOT_READY,
  /** The policy is not in the client's snapshot (unknown to the server, or not among the client's policies). */
  UNKNOWN_POLICY,
  /** The policy exists, but the path names nothing in the document the subject gets. */
  PATH_NOT_FOUND,
  /** The path names a value of another type than the typed getter asked for. */
  TYPE_MISMATCH,
  /** An unexpected failure inside the client; it never reaches the caller, who gets the default. */
  ERROR;

  /** True when the evaluation carries a policy's value; false when the caller's default applies. */
  public boolean hasValue() {
    return this == STATIC || this == SPLIT || this == NO_SUBJECT;
  }
}
