package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** A chat or webhook sink: every message is posted on its own (at least once; no lookup is possible). */
interface Poster {
  String id();

  Instant pausedUntil();

  boolean incidents();

  boolean rollouts();

  /**
   * Posts one outbox message.
   *
   * @param deliveryId the outbox row's id, stable across retries (webhook receivers deduplicate on it)
   * @param message opened | updated | rollout
   * @param payload the template context: {@code {"incident":{…}}} or {@code {"rollout":{…}}}
   */
  Attempt post(long deliveryId, String message, ObjectNode payload);
}
