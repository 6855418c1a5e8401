package io.rollgate.store.journal;

import io.rollgate.audit.JournalEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands committed journal entries to the listeners exactly once and in sequence order, whether this
 * replica's writer committed them ({@link #committed}) or another replica's did and they were read
 * back from the journal ({@link #catchUp}). One lock orders both paths; {@code position} is the last
 * sequence number delivered. On a single node every batch follows the previous one, so the local
 * path is a comparison and a call, as before; a gap (another replica wrote in between) is filled
 * from the store before the batch is delivered.
 */
final class JournalFollower {
  private static final Logger log = LoggerFactory.getLogger(JournalFollower.class);
  /** Pages read per {@link #catchUp} call at most; the next call continues. */
  static final int MAX_PAGES = 100;

  private final JournalReader reader;
  private final List<Consumer<List<JournalEntry>>> listeners = new CopyOnWriteArrayList<>();
  private long position; // guarded by this; -1 until known
  private volatile long published;
  private volatile long tailed; // entries delivered by catchUp (written by other replicas, or seen there first)
  private volatile java.time.Duration tailLag = java.time.Duration.ZERO;
  private final java.time.InstantSource clock;

  JournalFollower(JournalReader reader, long position, java.time.InstantSource clock) {
    this.reader = reader;
    this.clock = clock;
    this.position = position;
    this.published = position;
  }

  void addListener(Consumer<List<JournalEntry>> listener) {
    listeners.add(listener);
  }

  /** The last sequence number delivered to the listeners (-1 before the first, if the head was unknown). */
  long position() {
    return published;
  }

  long tailed() {
    return tailed;
  }

  /** From the commit time of the last entry read back by a catch-up to its delivery here. */
  java.time.Duration tailLag() {
    return tailLag;
  }

  /** A batch this replica's writer just committed: contiguous and in order. */
  synchronized void committed(List<JournalEntry> entries) {
    long first = entries.getFirst().seq();
    if (position < 0) {
      position = first - 1;
    }
    if (first > position + 1) {
      fill(first - 1); // another replica committed in between and the tail has not delivered it yet
    }
    List<JournalEntry> fresh = position >= first ? entries.stream().filter(e -> e.seq() > position).toList() : entries;
    if (!fresh.isEmpty()) {
      deliver(fresh);
    }
  }

  /** Reads and delivers everything committed after the position; returns the number of entries delivered. */
  synchronized int catchUp() {
    if (position < 0) {
      position = reader.head().seq(); // start at the present: history is not replayed to listeners
      published = position;
    }
    int n = 0;
    for (int pages = 0; pages < MAX_PAGES; pages++) {
      List<JournalEntry> page = reader.page(position, JournalReader.MAX_PAGE);
      if (page.isEmpty()) {
        break;
      }
      deliver(page);
      n += page.size();
      tailLag = java.time.Duration.between(page.getLast().recordedAt(), clock.instant());
      if (page.size() < JournalReader.MAX_PAGE) {
        break;
      }
    }
    tailed += n;
    return n;
  }

  private void fill(long upTo) {
    while (position < upTo) {
      List<JournalEntry> page = reader.page(position, (int) Math.min(JournalReader.MAX_PAGE, upTo - position));
      if (page.isEmpty() || page.getFirst().seq() != position + 1) {
        // cannot happen: our batch follows these under the head lock, so they are committed
        throw new IllegalStateException("journal entries " + (position + 1) + ".." + upTo
            + " should be committed before this batch but could not be read");
      }
      deliver(page);
      tailed += page.size();
    }
  }

  private void deliver(List<JournalEntry> entries) {
    List<JournalEntry> published = List.copyOf(entries);
    for (var l : listeners) {
      try {
        l.accept(published);
      } catch (RuntimeException e) {
        log.warn("journal listener {} failed", l, e);
      }
    }
    position = published.getLast().seq();
    this.published = position;
  }
}
