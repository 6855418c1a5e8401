package io.rollgate.server.events;

import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * One client's stream, run on that client's request thread: replay from the journal, then live
 * entries from its {@link Subscriber}, written in the WHATWG {@code text/event-stream} format.
 *
 * <p>The handoff has no gap and no duplicate: {@link #open} subscribes before it reads the head,
 * so every entry committed after the head reaches the buffer; the replay sends everything up to
 * the head; live entries at or below the last one handled are skipped. {@code position} counts
 * entries that the filter dropped too, so that a heartbeat's {@code id:} and a resume skip them.
 */
final class EventStream implements AutoCloseable {
  private final EventHub hub;
  private final EventFilter filter;
  private final Subscriber subscriber;
  private final long heartbeatNanos;
  private final EventHub.Handoff handoff;
  private final Runnable atHandoff;
  private OutputStream out;
  private long head = -1;
  private long position; // the highest seq handled: sent, or dropped by the filter
  private long lastSentId; // the last "id:" line written, i.e. the client's Last-Event-ID
  private long lastWriteNanos;
  private boolean running;

  EventStream(EventHub hub, EventFilter filter, Subscriber subscriber, EventHub.Handoff handoff, Runnable atHandoff) {
    this.hub = hub;
    this.filter = filter;
    this.subscriber = subscriber;
    this.handoff = handoff;
    this.atHandoff = atHandoff;
    this.heartbeatNanos = hub.config().heartbeatInterval().toNanos();
  }

  /** Subscribes to live entries, then reads and returns the journal head (the replay's end). */
  long open() {
    if (handoff != EventHub.Handoff.REPLAY_FIRST) {
      hub.register(subscriber);
      atHandoff.run();
    }
    head = hub.reader().head().seq();
    return head;
  }

  /**
   * Streams every entry after {@code after} until the client goes away (IOException), overflows,
   * or the hub closes. {@code after} must not be beyond the head {@link #open} returned.
   */
  void run(long after, OutputStream out) throws IOException, InterruptedException {
    if (head < 0 || after > head) {
      throw new IllegalStateException("run(" + after + ") needs open() first and a position at most the head " + head);
    }
    this.out = out;
    this.position = after;
    this.lastSentId = after;
    hub.streamOpened();
    running = true;
    // the id makes a client that reconnects before its first event resume here instead of at the new head
    send("retry: " + hub.config().retry().toMillis() + "\nid: " + after + "\n\n");
    replay();
    if (handoff == EventHub.Handoff.REPLAY_FIRST) {
      atHandoff.run();
      hub.register(subscriber);
    }
    live();
  }

  private void replay() throws IOException {
    int pageSize = hub.config().replayPageSize();
    while (position < head && !subscriber.isShutdown()) {
      List<JournalEntry> page = hub.reader().page(position, pageSize);
      if (page.isEmpty()) {
        break; // cannot happen while entries up to the head are committed; never spin
      }
      int sent = 0;
      for (JournalEntry e : page) {
        if (e.seq() > head) {
          break; // later entries come from the subscriber's buffer
        }
        sent += take(new Frame(e));
      }
      if (sent > 0) {
        flush();
        hub.delivered(sent);
      } else if (System.nanoTime() - lastWriteNanos >= heartbeatNanos) {
        heartbeat(); // a long replay the filter drops entirely: keep the connection alive and record progress
      }
    }
  }

  private void live() throws IOException, InterruptedException {
    // heartbeats are about real idle time on the connection, so they use the monotonic clock the wait uses
    while (true) {
      long wait = heartbeatNanos - (System.nanoTime() - lastWriteNanos);
      if (wait <= 0) {
        heartbeat();
        continue;
      }
      switch (subscriber.next(wait)) {
        case Subscriber.Next.Entries batch -> {
          int sent = 0;
          for (Frame f : batch.frames()) {
            sent += take(f);
          }
          if (sent > 0) {
            flush();
            hub.delivered(sent);
          }
        }
        case Subscriber.Next.Idle idle -> { } // the loop writes the heartbeat when it is due
        case Subscriber.Next.Overflowed o -> {
          var data = new LinkedHashMap<String, Object>();
          data.put("reason", "buffer_full");
          data.put("lastEventId", position);
          data.put("capacity", o.capacity());
          data.put("detail", "more than " + o.capacity() + " events were waiting for this client; reconnect with "
              + "Last-Event-ID: " + position + " to resume from the journal");
          control(EventTypes.STREAM_OVERFLOW, data);
          return;
        }
        case Subscriber.Next.ShuttingDown s -> {
          shutdownEvent();
          return;
        }
      }
    }
  }

  /**
   * Writes {@code f}'s event (unflushed) unless already handled; returns 1 when it was written, 0
   * when skipped or filtered out.
   */
  private int take(Frame f) throws IOException {
    JournalEntry e = f.entry;
    if (e.seq() <= position && handoff != EventHub.Handoff.NO_DEDUP) {
      return 0;
    }
    position = Math.max(position, e.seq());
    if (!filter.matches(e)) {
      return 0;
    }
    out.write(f.block());
    lastSentId = e.seq();
    return 1;
  }

  private void flush() throws IOException {
    out.flush();
    lastWriteNanos = System.nanoTime();
  }

  private void heartbeat() throws IOException {
    if (position > lastSentId) { // entries the filter dropped still move the client's resume point
      send(": heartbeat\nid: " + position + "\n\n");
      lastSentId = position;
    } else {
      send(": heartbeat\n\n");
    }
  }

  private void shutdownEvent() throws IOException {
    var data = new LinkedHashMap<String, Object>();
    data.put("reason", "draining");
    data.put("lastEventId", position);
    control(EventTypes.SERVER_SHUTDOWN, data);
  }

  private void control(String type, Object data) throws IOException {
    var text = new StringBuilder();
    appendEvent(text, type, position, Json.write(data));
    send(text);
  }

  /**
   * One event: a field per line, then a blank line. Compact Jackson output escapes every control
   * character inside strings, so the JSON is a single line as a {@code data:} field must be.
   */
  static void appendEvent(StringBuilder text, String type, long id, String json) {
    text.append("event: ").append(oneLine(type)).append('\n')
        .append("id: ").append(id).append('\n')
        .append("data: ").append(json).append("\n\n");
  }

  private static String oneLine(String s) {
    return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace("\r", "").replace("\n", "");
  }

  private void send(CharSequence text) throws IOException {
    out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    lastWriteNanos = System.nanoTime();
  }

  @Override
  public void close() {
    hub.unregister(subscriber);
    if (running) {
      running = false;
      hub.streamClosed();
    }
  }
}
