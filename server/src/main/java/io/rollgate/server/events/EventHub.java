package io.rollgate.server.events;

import io.rollgate.audit.JournalEntry;
import io.rollgate.store.journal.JournalReader;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans committed journal entries out to SSE clients. {@link #publish} is the journal listener: it
 * runs on the writer thread and only offers to each client's bounded buffer, so a slow client
 * never slows a commit. Each client is served by its own thread through an {@link EventStream}.
 * {@link #close} tells every client the server is draining and ends their streams.
 */
public final class EventHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventHub.class);

  /**
   * How a resuming client's replay meets the live feed. Only {@link #LIVE_FIRST} is correct; the
   * others exist so that tests can show the handoff tests catch their gap and their duplicates.
   */
  enum Handoff {
    /** Subscribe to live entries, then read the head and replay up to it, then skip live entries already sent. */
    LIVE_FIRST,
    /** Broken: replay up to the head, then subscribe; what commits in between is never sent. */
    REPLAY_FIRST,
    /** Broken: as LIVE_FIRST but without skipping live entries the replay already sent. */
    NO_DEDUP
  }

  private final JournalReader reader;
  private final EventsConfig config;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connected = new AtomicInteger();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong overflows = new AtomicLong();
  private volatile boolean closed;
  private volatile Handoff handoff = Handoff.LIVE_FIRST;
  private volatile Runnable atHandoff = () -> {};

  public EventHub(JournalReader reader, EventsConfig config) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.config = Objects.requireNonNull(config, "config");
  }

  public EventsConfig config() {
    return config;
  }

  /** The journal listener: called on the writer thread after each commit, with the batch's entries in order. */
  public void publish(List<JournalEntry> entries) {
    if (subscribers.isEmpty()) {
      return;
    }
    List<Frame> frames = entries.stream().map(Frame::new).toList(); // shared: each rendered once
    for (Subscriber s : subscribers) {
      if (!s.offer(frames)) {
        subscribers.remove(s);
        overflows.incrementAndGet();
      }
    }
  }

  /** Clients with an open stream. */
  public int connectedClients() {
    return connected.get();
  }

  /** Journal events written to clients since start (replayed and live; not heartbeats or control events). */
  public long eventsDelivered() {
    return delivered.get();
  }

  /** Clients disconnected because they fell further behind than their buffer holds. */
  public long overflowDisconnects() {
    return overflows.get();
  }

  /**
   * Sends every connected client {@code server.shutdown} and ends its stream, so a graceful HTTP
   * stop does not wait for streams that never end. Streams opened afterwards end at once the same way.
   */
  @Override
  public void close() {
    closed = true;
    int n = 0;
    for (Subscriber s : subscribers) {
      s.shutdown();
      n++;
    }
    subscribers.clear();
    if (n > 0) {
      log.info("event stream: told {} connected clients that the server is draining", n);
    }
  }

  EventStream newStream(EventFilter filter) {
    return new EventStream(this, filter, new Subscriber(config.bufferCapacity()), handoff, atHandoff);
  }

  /** Test seam: switch to a broken handoff, and pause at the handoff point (between subscribing and replaying). */
  void handoffForTest(Handoff h, Runnable pause) {
    this.handoff = Objects.requireNonNull(h);
    this.atHandoff = Objects.requireNonNull(pause);
  }

  JournalReader reader() {
    return reader;
  }

  void register(Subscriber s) {
    if (closed) {
      s.shutdown();
      return;
    }
    subscribers.add(s);
    if (closed) { // close() ran between the check and the add: it may have missed this one
      subscribers.remove(s);
      s.shutdown();
    }
  }

  /** Subscribers registered for live entries (a stream that is open, or opening). */
  int subscribers() {
    return subscribers.size();
  }

  void unregister(Subscriber s) {
    subscribers.remove(s);
  }

  void streamOpened() {
    connected.incrementAndGet();
  }

  void streamClosed() {
    connected.decrementAndGet();
  }

  void delivered(int n) {
    delivered.addAndGet(n);
  }
}
