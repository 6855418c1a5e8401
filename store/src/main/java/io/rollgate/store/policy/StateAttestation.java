package io.rollgate.store.policy;

import java.util.List;

/**
 * The verdict of re-checking every policy's current version: its stored document still hashes to
 * its stored state hash, is still in canonical form, and agrees with the state hash that the
 * hash-chained journal recorded when the version was applied. {@code problems} is empty when all hold.
 */
public record StateAttestation(int policies, List<String> problems) {
  public StateAttestation {
    if (policies < 0) {
      throw new IllegalArgumentException("policies must not be negative, got " + policies);
    }
    problems = List.copyOf(problems);
  }

  public boolean ok() {
    return problems.isEmpty();
  }
}
