package io.rollgate.server.events;

import io.rollgate.store.journal.JournalReader;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the SSE event stream ({@code GET /api/v1/events}).
 *
 * @param heartbeatInterval how long a stream may stay silent before a {@code : heartbeat} comment;
 *     below the idle timeouts of Jetty (30 s) and of proxies in front, so quiet streams stay open
 * @param bufferCapacity journal entries a client may have waiting; a client further behind is
 *     disconnected with {@code stream.overflow} and resumes from the journal
 * @param replayPageSize journal entries read per query while a resuming client catches up
 * @param retry the reconnection delay suggested to clients ({@code retry:})
 */
public record EventsConfig(Duration heartbeatInterval, int bufferCapacity, int replayPageSize, Duration retry) {
  /** Below the server's 30 s idle timeout, which would otherwise close a quiet stream. */
  public static final Duration MAX_HEARTBEAT = Duration.ofSeconds(25);
  public static final int MAX_BUFFER = 1_000_000;
  public static final EventsConfig DEFAULTS = new EventsConfig(Duration.ofSeconds(15), 1024, 500, Duration.ofSeconds(3));

  public EventsConfig {
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(retry, "retry");
    if (heartbeatInterval.isNegative() || heartbeatInterval.isZero() || heartbeatInterval.compareTo(MAX_HEARTBEAT) > 0) {
      throw new IllegalArgumentException("events heartbeatInterval must be positive and at most " + MAX_HEARTBEAT
          + ", got " + heartbeatInterval);
    }
    if (bufferCapacity < 1 || bufferCapacity > MAX_BUFFER) {
      throw new IllegalArgumentException("events bufferCapacity must be between 1 and " + MAX_BUFFER + ", got "
          + bufferCapacity);
    }
    if (replayPageSize < 1 || replayPageSize > JournalReader.MAX_PAGE) {
      throw new IllegalArgumentException("events replayPageSize must be between 1 and " + JournalReader.MAX_PAGE
          + ", got " + replayPageSize);
    }
    if (retry.isNegative() || retry.isZero()) {
      throw new IllegalArgumentException("events retry must be positive, got " + retry);
    }
  }

  public EventsConfig withHeartbeatInterval(Duration interval) {
    return new EventsConfig(interval, bufferCapacity, replayPageSize, retry);
  }

  public EventsConfig withBufferCapacity(int capacity) {
    return new EventsConfig(heartbeatInterval, capacity, replayPageSize, retry);
  }

  public EventsConfig withReplayPageSize(int size) {
    return new EventsConfig(heartbeatInterval, bufferCapacity, size, retry);
  }
}
