package io.rollgate.client;

import java.util.concurrent.Flow;

/**
 * Reads a {@code text/event-stream} line by line (WHATWG rules): {@code event:}, {@code data:}
 * (joined by newlines), {@code id:} (moves the last event id even for a block without data, as the
 * server's heartbeats use it), comments and {@code retry:} ignored; a blank line dispatches. Lines
 * arrive on the HTTP client's thread; the sink only records and signals, it never blocks.
 */
final class SseParser implements Flow.Subscriber<String> {
  interface Sink {
    /** Any line arrived (heartbeats included): the connection is alive. */
    void alive();

    /** The last event id moved (an event's, or a heartbeat's). */
    void lastEventId(long id);

    void event(String type, long id, String data);

    void ended(Throwable cause);
  }

  private final Sink sink;
  private volatile Flow.Subscription subscription;
  private String type = "";
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private long id = -1;

  SseParser(Sink sink) {
    this.sink = sink;
  }

  /** Ends the stream from any thread; {@link Sink#ended} follows (null cause). */
  void cancel() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    sink.ended(null);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(String line) {
    sink.alive();
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> type = value;
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "id" -> id = parseId(value);
      default -> { } // retry: and unknown fields
    }
  }

  private void dispatch() {
    if (id >= 0) {
      sink.lastEventId(id);
    }
    if (hasData) {
      sink.event(type.isEmpty() ? "message" : type, id, data.toString());
    }
    type = "";
    data.setLength(0);
    hasData = false;
    id = -1;
  }

  private static long parseId(String v) {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void onError(Throwable t) {
    sink.ended(t);
  }

  @Override
  public void onComplete() {
    sink.ended(null);
  }
}
