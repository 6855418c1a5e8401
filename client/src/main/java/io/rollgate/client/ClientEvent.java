package io.rollgate.client;

import java.util.Set;

/**
 * What a listener is told ({@link RollgateClient#addListener}). Listeners run on the client's
 * background thread, one event at a time; a listener that throws is logged and kept.
 */
public sealed interface ClientEvent {
  /** The client is in sync with the server (after start, or again after being stale). */
  record Ready() implements ClientEvent {}

  /** The named policies evaluate differently now (new version, rollout started, advanced or ended). */
  record Changed(Set<String> policies) implements ClientEvent {
    public Changed {
      policies = Set.copyOf(policies);
    }
  }

  /** The client serves a snapshot it could not confirm with the server (server unreachable, or booted from a file). */
  record Stale(String reason) implements ClientEvent {}

  /** The client has nothing to serve: no snapshot from the server, no snapshot file and no bootstrap file. */
  record Failed(String reason) implements ClientEvent {}
}
