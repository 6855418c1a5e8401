package io.rollgate.server.notify;

import io.rollgate.store.journal.Tx;
import java.util.List;

/**
 * What the incident code calls. Both calls only write outbox rows inside the caller's journal command,
 * so the incident and its delivery intent commit together; delivery happens later, on the delivery
 * loop, and never blocks or fails the incident flow.
 */
public interface IncidentSink {
  /** An incident was created (or reopened). Idempotent: calling it again for the same incident enqueues nothing more. */
  void incidentOpened(Tx tx, IncidentNotice incident);

  /**
   * An incident changed (state, occurrences, severity). Updates that are still waiting for delivery are
   * coalesced: the tracker gets one comment with the newest content, not one per call.
   */
  void incidentUpdated(Tx tx, IncidentNotice incident);

  /** The external issues known for {@code incidentId}, one per tracker notifier that has been tried. */
  List<ExternalLink> links(String incidentId);

  /** For a server without notifiers. */
  IncidentSink NONE = new IncidentSink() {
    @Override
    public void incidentOpened(Tx tx, IncidentNotice incident) {}

    @Override
    public void incidentUpdated(Tx tx, IncidentNotice incident) {}

    @Override
    public List<ExternalLink> links(String incidentId) {
      return List.of();
    }
  };
}
