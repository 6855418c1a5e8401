package io.rollgate.server.notify;

import java.time.Instant;

/** An issue tracker sink: one issue per incident, updates as comments, and a lookup by the incident's marker. */
interface Tracker {
  String id();

  String type();

  Instant pausedUntil();

  /** Opens the issue; the body carries the incident's marker so {@link #find} can recognise it. */
  Attempt create(IncidentNotice incident, String title, String body);

  /** Adds a comment to the issue {@code externalId}. */
  Attempt comment(String externalId, String body);

  /** Looks for an issue created for {@code incidentId} since {@code since}: {@link Attempt.Delivered} or {@link Attempt.NotFound}. */
  Attempt find(String incidentId, Instant since);

  /** The text that marks an issue as this incident's, hidden in Markdown bodies. */
  static String marker(String incidentId) {
    return "rollgate-incident:" + incidentId;
  }
}
