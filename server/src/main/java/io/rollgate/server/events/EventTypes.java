package io.rollgate.server.events;

import java.util.List;
import java.util.stream.Stream;

/**
 * The event types a client can filter on, in one place. Journal types are the {@code type} of
 * journal entries (each entry is one event); control types are sent by the stream itself and
 * reach every client whatever its filter.
 */
public final class EventTypes {
  public static final String SERVER_SHUTDOWN = "server.shutdown";
  public static final String STREAM_OVERFLOW = "stream.overflow";

  /** Entry types written to the journal. Add a type here when code starts appending it. */
  public static final List<String> JOURNAL = List.of(
      "policy.applied",
      "policy.skipped",
      "policy.frozen",
      "policy.unfrozen",
      "policy.guards_set",
      "policy.verification_failed",
      "policy.rejected",
      "token.created",
      "attestation.failed",
      "attestation.recovered",
      "rollout.started",
      "rollout.advanced",
      "rollout.awaiting_approval",
      "rollout.stepped_back",
      "rollout.paused",
      "rollout.resumed",
      "rollout.rolled_back",
      "rollout.aborted",
      "rollout.completed",
      "scenario.created",
      "scenario.run_recorded",
      "scenario.learned",
      "promotion.executed",
      "promotion.rolled_back",
      "promotion.completed",
      "promotion.aborted",
      "incident.created",
      "incident.updated",
      "incident.suppressed",
      "action.requested",
      "action.approved",
      "action.executed",
      "notification.linked",
      "notification.failed",
      "cluster.leader_elected");

  public static final List<String> CONTROL = List.of(SERVER_SHUTDOWN, STREAM_OVERFLOW);

  public static final List<String> ALL = Stream.concat(JOURNAL.stream(), CONTROL.stream()).toList();

  private EventTypes() {}

  public static boolean isKnown(String type) {
    return ALL.contains(type);
  }
}
