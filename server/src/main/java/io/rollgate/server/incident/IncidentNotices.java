package io.rollgate.server.incident;

import io.rollgate.incident.Kind;
import io.rollgate.server.notify.IncidentNotice;
import io.rollgate.server.notify.IncidentSink;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.incident.IncidentView;
import io.rollgate.store.journal.Tx;

/**
 * Announces incidents to the notifiers: an {@link IncidentStore.Observer} that enqueues the sink's
 * outbox rows inside the incident's own command, so an incident and its delivery intent commit
 * together and the incident flow never waits on a tracker.
 */
public final class IncidentNotices {
  private IncidentNotices() {}

  public static IncidentStore.Observer observer(IncidentSink sink) {
    return new IncidentStore.Observer() {
      @Override
      public void opened(Tx tx, IncidentView incident) {
        sink.incidentOpened(tx, notice(incident));
      }

      @Override
      public void updated(Tx tx, IncidentView incident) {
        sink.incidentUpdated(tx, notice(incident));
      }
    };
  }

  static IncidentNotice notice(IncidentView v) {
    String id = Long.toString(v.id());
    // the source is the policy for the kinds that are about one policy
    String policy = v.kind() == Kind.ROLLOUT_REGRESSION || v.kind() == Kind.VERIFICATION_FAILURE ? v.source() : null;
    String summary = v.kind().wire() + " on " + v.source() + ": " + v.title() + " (" + v.occurrences()
        + (v.occurrences() == 1 ? " signal" : " signals") + ", " + v.state().wire() + ", " + v.severity().wire() + ")";
    return new IncidentNotice(id, v.kind().wire(), v.severity().wire(), v.title(), summary, policy, v.dedupKey(),
        v.state().wire(), v.occurrences(), v.createdAt(), "/api/v1/incidents/" + id);
  }
}
