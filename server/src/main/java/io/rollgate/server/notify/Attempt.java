package io.rollgate.server.notify;

import java.time.Instant;

/** What one request to a sink came to. Expected outcomes, not exceptions. */
sealed interface Attempt {
  /** Done; for a tracker, the number/iid/key and web URL (null for chat and webhooks). */
  record Delivered(String externalId, String url) implements Attempt {}

  /** A lookup found no issue carrying the incident's marker. */
  record NotFound() implements Attempt {}

  /**
   * Try again later: a 429, a 5xx, a timeout or a lost connection.
   *
   * @param notBefore what the server asked for (Retry-After, a rate-limit reset), or null for plain backoff
   * @param rateLimited the sink as a whole is limited: nothing more is sent to it before {@code notBefore}
   */
  record Retry(String reason, Instant notBefore, boolean rateLimited) implements Attempt {}

  /** The sink refused the request for good (a 4xx validation or auth error): retrying cannot help. */
  record Failed(String reason) implements Attempt {}
}
